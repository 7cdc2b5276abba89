"""The customer's tracking link: what they may see and the few things they may do.

Business rules
- The tracking token is the customer's only credential; it names one order, and nothing here reads any
  other order. An unknown or malformed token is simply "not found".
- The link works until TRACKING_LINK_DAYS after the order reached a final state (delivered, failed or
  cancelled), then answers 410; a failed order rescheduled meanwhile is live again.
- Customers see a curated view: status changes with their times (and a failure's reason), the window,
  the live ETA, the driver's first name and vehicle only while the driver is on the way, a proof-of-
  delivery summary after delivery, their own instructions and rating. Never addresses of other stops,
  the driver's location history, internal notes, actor ids or the depot's details.
- Instructions can change until the order is delivered, failed or cancelled; a rating is given once,
  after delivery.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend import config
from backend.customer import rebooking
from backend.customer.models import Rating
from backend.database import utcnow
from backend.dispatch.models import Route, Stop, StopStatus
from backend.errors import Conflict, DomainError, NotFound
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.notify import service as notify_service
from backend.orders import lifecycle
from backend.orders.enums import ActorType, OrderStatus, OrderType
from backend.orders.models import Order, OrderEvent
from backend.unit_of_work import transactional, unit_of_work

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
CLOSED = {OrderStatus.delivered, OrderStatus.failed, OrderStatus.cancelled}
ON_THE_WAY = {OrderStatus.out_for_delivery, OrderStatus.arrived}
CUSTOMER_EVENT_TYPES = {"status", "instructions_updated"}


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"


def order_for_token(token: str) -> Order:
    """The order behind a live tracking link, or 404 (unknown) / 410 (expired)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise NotFound("No such tracking link.")
    order = db.session.scalar(select(Order).where(Order.tracking_token == token))
    if order is None:
        raise NotFound("No such tracking link.")
    if order.status in CLOSED:
        ended = _ended_at(order)
        if utcnow() - ended > timedelta(days=current_app.config["TRACKING_LINK_DAYS"]):
            raise LinkExpired("This tracking link has expired.")
    return order


def map_tiles(token: str) -> dict:
    """The tiles the tracking page's map draws on: the server's own (MAP_TILE_URL), as in the console,
    for a live tracking link only."""
    order_for_token(token)
    return config.map_tiles(current_app.config)


def _ended_at(order: Order) -> datetime:
    moment = db.session.scalar(select(OrderEvent.at).where(
        OrderEvent.order_id == order.id, OrderEvent.type == "status",
        OrderEvent.to_status == order.status.value).order_by(OrderEvent.at.desc()).limit(1))
    return moment or order.updated_at


def _current_stop(order: Order) -> tuple[Stop, Route] | None:
    row = db.session.execute(select(Stop, Route).join(Route, Stop.route_id == Route.id)
                             .where(Stop.order_id == order.id, Stop.org_id == order.org_id)
                             .order_by(Route.date.desc(), Stop.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _timeline(order: Order) -> list[dict]:
    events = db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.type.in_(CUSTOMER_EVENT_TYPES))
        .order_by(OrderEvent.at, OrderEvent.id))
    timeline = []
    for event in events:
        if event.type == "status":
            item = {"type": "status", "status": event.to_status, "at": event.at}
            if event.to_status == OrderStatus.failed.value:
                item["reason"] = (event.details or {}).get("reason")
        else:
            item = {"type": event.type, "status": None, "at": event.at}
        timeline.append(item)
    return timeline


def _proof_summary(token: str, order: Order) -> dict | None:
    """What the customer may see of the proof: when, who took it, photos and signature (through their
    own link only). The driver's note and the GPS point stay with the organization."""
    from backend.pod import service as pod_service

    if order.status not in (OrderStatus.delivered, OrderStatus.failed):
        return None
    proofs = pod_service.proofs_for_order(order.org_id, order.id)
    if not proofs:
        return None
    proof = proofs[-1]
    base = f"/api/v1/track/{token}/files"
    return {"outcome": proof.outcome, "at": proof.at.isoformat(), "recipient_name": proof.recipient_name,
            "failure_reason": proof.failure_reason,
            "photos": [f"{base}/{file_id}" for file_id in proof.photo_ids or []],
            "signature": f"{base}/{proof.signature_id}" if proof.signature_id else None}


def proof_file(token: str, file_id: str):
    """A photo or signature of this order's proof, for its tracking link; any other file is 404."""
    from backend.pod import service as pod_service

    order = order_for_token(token)
    return pod_service.read_file(order.org_id, file_id, order_id=order.id)


def _organization_brand(org) -> dict:
    """What the tracking page shows of the sender: its name, and the colour and logo its admin chose."""
    if org is None:
        return {"name": ""}
    branding = (org.settings or {}).get("branding") or {}
    chosen = {name: branding[name] for name in ("colour", "logo") if branding.get(name)}
    return {"name": org.name, **chosen}


def tracking_view(token: str) -> dict:
    order = order_for_token(token)
    depot = db.session.get(Depot, order.depot_id) if order.depot_id else None
    found = _current_stop(order)
    eta = driver = vehicle = None
    if found is not None:
        stop, route = found
        if order.status not in CLOSED and stop.status in (StopStatus.pending, StopStatus.arrived):
            eta = stop.eta_at or stop.planned_arrival_at
        if order.status in ON_THE_WAY:
            driver_row = db.session.get(Driver, route.driver_id) if route.driver_id else None
            if driver_row is not None and driver_row.user is not None:
                driver = {"first_name": (driver_row.user.name.split() or [""])[0]}
            vehicle_row = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
            if vehicle_row is not None:
                vehicle = {"name": vehicle_row.name}
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    from backend.auth.models import Organization

    org = db.session.get(Organization, order.org_id)
    # The customer's end: a return's is where it is collected (its delivery end is the depot).
    end = order.end(order.stop_kinds[-1])
    recipient = end.person
    return {
        "status": order.status.value,
        "type": order.type.value,
        "organization": _organization_brand(org),
        "recipient_first_name": (recipient.name.split() or [""])[0] if recipient else None,
        "address": end.address,
        "destination": {"lat": end.lat, "lon": end.lon},
        "language": recipient.language if recipient else "en",
        "delivery_date": order.delivery_date,
        "timezone": depot.timezone if depot else current_app.config["TIMEZONE"],
        "time_windows": [{"start": w.start_at, "end": w.end_at} for w in end.time_windows],
        "eta": eta,
        "driver": driver,
        "vehicle": vehicle,
        "failure_reason": order.failure_reason.value if order.failure_reason else None,
        "timeline": _timeline(order),
        "delivery_instructions": end.instructions,
        "can_edit_instructions": order.status not in CLOSED,
        "pod": _proof_summary(token, order),
        "receipt_url": f"/api/v1/track/{token}/receipt.pdf" if order.status is OrderStatus.delivered else None,
        "rating": {"score": rating.score, "comment": rating.comment, "at": rating.created_at} if rating else None,
        "can_rate": order.status is OrderStatus.delivered and rating is None,
        "can_rebook": rebooking.rebook_refusal(order) is None,
    }


@transactional
def update_instructions(token: str, text: str) -> Order:
    """Until the order is delivered, failed or cancelled, the customer may tell the driver how to deliver."""
    order = order_for_token(token)
    if order.status in CLOSED:
        raise Conflict(f"The order is already {order.status.value}; instructions can no longer change.",
                       code="order_closed")
    if order.type is OrderType.return_:  # a return's customer tells the driver how to collect it
        order.pickup_instructions = text
    else:
        order.delivery_instructions = text
    lifecycle.record(order, "instructions_updated", actor_type=ActorType.customer,
                     details={"length": len(text)})
    return order


def rate(token: str, score: int, comment: str) -> Rating:
    """One rating per order, only once it was delivered."""
    try:
        with unit_of_work():
            order = order_for_token(token)
            if order.status is not OrderStatus.delivered:
                raise Conflict("An order can be rated once it is delivered.", code="not_delivered")
            if db.session.scalar(select(Rating.id).where(Rating.order_id == order.id)) is not None:
                raise Conflict("This delivery was already rated.", code="already_rated")
            found = _current_stop(order)
            driver_id = found[1].driver_id if found else None
            rating = Rating(org_id=order.org_id, order_id=order.id, score=score, comment=comment,
                            driver_id=driver_id)
            db.session.add(rating)
            db.session.flush()
            lifecycle.record(order, "rated", actor_type=ActorType.customer, details={"score": score})
    except IntegrityError:  # the same customer rating twice at once: the first one counts
        raise Conflict("This delivery was already rated.", code="already_rated")
    return rating


def subscribe_push(token: str, endpoint: str, p256dh: str, auth: str):
    """The customer's browser asks for push messages about this order (until it is delivered or over)."""
    order = order_for_token(token)
    if order.status in (OrderStatus.delivered, OrderStatus.cancelled):
        raise Conflict(f"The order is already {order.status.value}; there is nothing left to announce.",
                       code="order_closed")
    return notify_service.subscribe(order.org_id, endpoint, p256dh, auth, order_id=order.id)


def ratings_page(org_id: int, *, page: int, per_page: int, driver_id: int | None = None,
                 max_score: int | None = None) -> dict:
    """Staff read their organization's ratings; each item names its order."""
    from backend.api import paginate

    statement = (select(Rating).where(Rating.org_id == org_id)
                 .order_by(Rating.created_at.desc(), Rating.id.desc()))
    if driver_id is not None:
        statement = statement.where(Rating.driver_id == driver_id)
    if max_score is not None:
        statement = statement.where(Rating.score <= max_score)
    result = paginate(statement, page, per_page)
    refs = dict(db.session.execute(select(Order.id, Order.external_ref).where(
        Order.id.in_([r.order_id for r in result["items"]]))).all()) if result["items"] else {}
    result["items"] = [{"order_id": r.order_id, "external_ref": refs.get(r.order_id, ""), "driver_id": r.driver_id,
                        "score": r.score, "comment": r.comment, "created_at": r.created_at} for r in result["items"]]
    return result


def rebooking_options(token: str) -> dict:
    """The days and windows this link's order may move to (empty, with the reason, when it may not)."""
    return rebooking.options(order_for_token(token))


def rebook(token: str, day, window_start: str, drop_off: str, neighbour: str) -> dict:
    """The customer moves their delivery; the answer is the tracking view after the move."""
    rebooking.rebook(order_for_token(token), day, window_start, drop_off, neighbour)
    return tracking_view(token)
