"""The console's order desk: every order, found by date range, status, driver or text, a page at a time,
with the route and driver each is on; exported with the same filters; changed a selection at a time.

It sits in dispatch (above orders) because "which driver has this order" is a question about routes.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from backend.auth.models import User
from backend.auth.principal import Principal
from backend.dispatch.models import Route, Stop
from backend.errors import Conflict, DomainError
from backend.extensions import db
from backend.fleet.models import Driver
from backend.orders import csv_io, lifecycle, service as orders_service
from backend.orders.enums import OrderStatus
from backend.orders.models import Order
from backend.geo import geocoding
from backend.unit_of_work import transactional, unit_of_work

EXPORT_CHUNK = 2000
# A new day is set only on orders no route holds: an order on a route moves with its route.
UNROUTED = {OrderStatus.created, OrderStatus.rescheduled, OrderStatus.failed}


def search_statement(org_id: int, *, driver_id: int | None = None, **filters):
    statement = orders_service.list_statement(org_id, **filters)
    if driver_id is not None:
        statement = statement.where(Order.id.in_(
            select(Stop.order_id).join(Route, Route.id == Stop.route_id).where(
                Stop.org_id == org_id, Route.driver_id == driver_id)))
    return statement


def assignments(org_id: int, order_ids: list[int]) -> dict[int, dict]:
    """Each order's latest route (by day): its id, day, position and driver."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(Stop.order_id, Stop.sequence, Route.id, Route.date, Route.driver_id, User.name)
        .join(Route, Route.id == Stop.route_id)
        .outerjoin(Driver, Driver.id == Route.driver_id).outerjoin(User, User.id == Driver.user_id)
        .where(Stop.org_id == org_id, Stop.order_id.in_(order_ids))
        .order_by(Route.date, Route.id)).all()
    found = {}
    for order_id, sequence, route_id, day, driver_id, driver_name in rows:
        found[order_id] = {"route_id": route_id, "date": day, "sequence": sequence, "driver_id": driver_id,
                           "driver_name": driver_name}
    return found


def _page(statement, limit: int, offset: int) -> list[Order]:
    """A page of the statement's orders, ids first: the ids come from the index alone and only the rows
    shown are read (a page deep in 100,000 orders otherwise reads every row it skips)."""
    ids = list(db.session.scalars(statement.with_only_columns(Order.id).limit(limit).offset(offset)))
    if not ids:
        return []
    found = {order.id: order for order in db.session.scalars(select(Order).where(Order.id.in_(ids))).unique()}
    return [found[order_id] for order_id in ids if order_id in found]


def search(principal: Principal, page: int, per_page: int, **filters) -> dict:
    statement = search_statement(principal.org_id, **filters)
    total = db.session.scalar(select(func.count()).select_from(
        statement.with_only_columns(Order.id).order_by(None).subquery()))
    items = _page(statement, per_page, (page - 1) * per_page)
    placed = assignments(principal.org_id, [order.id for order in items])
    for order in items:
        order.assignment = placed.get(order.id)
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def export_lines(principal: Principal, **filters) -> Iterator[str]:
    """The CSV a chunk of orders at a time, so a 100,000-order export never sits whole in memory."""
    statement = search_statement(principal.org_id, **filters)
    header_sent = False
    offset = 0
    while True:
        orders = _page(statement, EXPORT_CHUNK, offset)
        text = csv_io.export(orders)
        yield text if not header_sent else text.split("\r\n", 1)[1]
        header_sent = True
        if len(orders) < EXPORT_CHUNK:
            return
        offset += EXPORT_CHUNK
        db.session.expunge_all()


def _one(principal: Principal, order: Order, action: str, *, day: date | None, reason: str) -> None:
    actor = orders_service.actor_of(principal)
    if action == "cancel":
        lifecycle.transition(order, OrderStatus.cancelled, details={"note": reason} if reason else None, **actor)
        return
    if order.status not in UNROUTED:
        raise Conflict(f"An order that is {order.status.value} is on a route: take it off the route first.",
                       code="on_route")
    if order.status is OrderStatus.failed:
        lifecycle.transition(order, OrderStatus.rescheduled, **actor)
    previous = order.delivery_date
    order.delivery_date = day
    # Windows belong to the old day: a new day without new windows means "any time that day".
    order.time_windows = []
    lifecycle.record(order, "rescheduled_to", details={"from": previous.isoformat() if previous else None,
                                                       "to": day.isoformat()}, **actor)


def apply_to_selection(principal: Principal, order_ids: list[int], action: str, *, day: date | None = None,
                       reason: str = "") -> dict:
    """Each order of the selection in its own transaction: one that cannot change (delivered, on a route)
    is reported with the reason and the others still change."""
    orders = {order.id: order for order in db.session.scalars(
        select(Order).where(Order.org_id == principal.org_id, Order.id.in_(order_ids)))}
    results = []
    for order_id in order_ids:
        order = orders.get(order_id)
        if order is None:
            results.append({"id": order_id, "ok": False, "code": "not_found"})
            continue
        entry = {"id": order_id, "external_ref": order.external_ref}
        try:
            with unit_of_work():
                _one(principal, order, action, day=day, reason=reason)
            entry.update(ok=True, status=order.status.value)
        except DomainError as refused:
            entry.update(ok=False, code=refused.code, message=refused.message, status=order.status.value)
        results.append(entry)
    return {"changed": sum(1 for r in results if r["ok"]), "refused": sum(1 for r in results if not r["ok"]),
            "results": results}


@transactional
def search_address(principal: Principal, address: str) -> dict:
    """Where an address is: this organization's corrected pin, else the geocoder (its answer is cached)."""
    if geocoding.configured_geocoder() is None and geocoding.correction_for(principal.org_id, address) is None:
        raise DomainError("No address search is configured (GEOCODER_URL): place the pin on the map.",
                          code="no_geocoder", status=409)
    try:
        pin = geocoding.geocode(principal.org_id, address)
    except geocoding.GeocoderUnavailable as exc:
        raise DomainError(f"The address search is unavailable ({exc}); place the pin on the map.",
                          code="geocoder_unavailable", status=503)
    if pin is None:
        return {"found": False}
    return {"found": True, "lat": pin.lat, "lon": pin.lon, "display_name": pin.display_name, "source": pin.source}
