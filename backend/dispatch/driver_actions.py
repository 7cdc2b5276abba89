"""What a driver does on the road, applied once per idempotency key, at the time the driver acted.

Conflict rule (offline phones sync late):
1. A dispatcher's re-sequencing never conflicts: the action applies to its stop wherever it now is.
2. When the order was cancelled, or its stop was moved to another driver, before the phone synced,
   the driver's action is NOT applied to the order. It is kept as an order event of type
   "conflict" (with everything the driver recorded), dispatchers get an `alert`, and the phone's
   answer is status "conflict" with a message — so both sides see it and a person decides.
3. Anything else the lifecycle refuses is a conflict of the same kind.
Each conflict also names its `reason` (CONFLICT_REASONS): the phone words it in the driver's language.

Pickup stops: collecting a return finishes it (delivered: it is on its way back to the depot); collecting
a pair's parcel leaves the order out for delivery (a `picked_up` event; its delivery stop is next), and a
failed collection fails the order and skips its delivery stop. A pair is never delivered before it is
collected. ID checks and cash on delivery are asked at the delivery end only.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.auth.principal import Principal
from backend.database import insert_ignoring_conflict, utcnow
from backend.dispatch.event_schemas import DriverConflictAlertSchema
from backend.dispatch.models import DriverAction, Route, RouteStatus, Stop, StopStatus
from backend.dispatch.service import FINISHED_STOP, bump, get_route
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.orders import lifecycle
from backend.orders.enums import FailureReason, OrderStatus, OrderType, StopKind
from backend.orders.models import OrderEvent, Parcel
from backend.orders.service import actor_of
from backend.pod import service as pod_service
from backend.pod.models import DeliveryProof
from backend.realtime import emit, rooms
from backend.unit_of_work import unit_of_work

ACTION_TYPES = ("route.start", "route.end", "break.start", "break.end", "parcel.load", "stop.arrive",
                "stop.complete", "stop.fail")
FUTURE_TOLERANCE = timedelta(minutes=5)
ORDER_CANCELLED = ("Dispatch cancelled this order before your action synced; it was not recorded as done. Keep the "
                   "parcel and tell dispatch.")
CONFLICT_REASONS = ("stop_moved", "order_cancelled", "stop_finished", "route_not_startable", "refused")


class ActionConflict(Exception):
    """The driver's action cannot apply as recorded; `stop_id` names the stop it was about, once checked
    to be this driver's (on the route, or moved away from it by dispatch)."""

    def __init__(self, message: str, *, reason: str = "refused", stop_id: int | None = None):
        super().__init__(message)
        assert reason in CONFLICT_REASONS, reason
        self.message = message
        self.reason = reason
        self.stop_id = stop_id


def apply(principal: Principal, data: dict) -> dict:
    """Apply one action from the driver's outbox; a key seen before answers as it did the first time: a
    conflict again as a conflict with its reason (the phone may never have heard the first answer), an
    applied action as 'duplicate'."""
    try:
        with unit_of_work():
            return _apply(principal, data)
    except IntegrityError:
        # The same key arrived twice at once (two tabs, a retry racing the original): the first won.
        route = get_route(principal, data["route_id"])
        return _replayed(_stored_action(principal, data["idempotency_key"]), route)


def _stored_action(principal: Principal, key: str) -> DriverAction | None:
    return db.session.scalar(select(DriverAction).where(DriverAction.driver_id == principal.driver_id,
                                                        DriverAction.idempotency_key == key))


def _replayed(existing: DriverAction | None, route: Route) -> dict:
    if existing is not None and existing.outcome == "conflict":
        return {"status": "conflict", "message": existing.message, "reason": existing.reason or "refused",
                "route": route}
    return {"status": "duplicate", "message": existing.message if existing is not None else "", "reason": None,
            "route": route}


def arrive_by_geofence(principal: Principal, route: Route, stop: Stop, at: datetime) -> None:
    """The geofence found the driver at the next stop: it arrives in the caller's unit of work (the one
    that stored the fixes), as if the driver had tapped "arrived", under one idempotency key per stop.

    The key is claimed first, by an insert that skips a key already taken (and waits for a concurrent
    claim to commit), so two fix batches racing neither arrive twice nor lose their fixes. Only a pending
    stop of a started route arrives this way, and there the lifecycle refuses before anything changed: a
    refusal needs no rollback; it is kept as a conflict, as a tap's would be.
    """
    if route.status is not RouteStatus.in_progress or stop.route_id != route.id or stop.status is not StopStatus.pending:
        return
    data = {"idempotency_key": f"geofence-arrive-{stop.id}", "type": "stop.arrive", "at": at, "route_id": route.id,
            "stop_id": stop.id, "data": {}}
    claim = insert_ignoring_conflict(DriverAction, ["driver_id", "idempotency_key"]).values(
        org_id=principal.org_id, driver_id=principal.driver_id, idempotency_key=data["idempotency_key"],
        type=data["type"], route_id=route.id, stop_id=stop.id, at=at, received_at=utcnow(), outcome="applied",
        message="")
    if db.session.execute(claim).rowcount == 0:
        return
    try:
        change = _arrive(principal, route, stop, data)
    except ActionConflict as conflict:
        _record_conflict(principal, route, stop.id, data, conflict.message)
        db.session.execute(update(DriverAction).where(
            DriverAction.driver_id == principal.driver_id, DriverAction.idempotency_key == data["idempotency_key"])
            .values(outcome="conflict", message=conflict.message, reason=conflict.reason))
        return
    bump(route, change)


def _apply(principal: Principal, data: dict) -> dict:
    existing = _stored_action(principal, data["idempotency_key"])
    route = get_route(principal, data["route_id"])
    if existing is not None:
        return _replayed(existing, route)
    at = data["at"]
    if at > utcnow() + FUTURE_TOLERANCE:
        raise InvalidInput("The action's time is in the future; check the phone's clock.", fields={"at": ["In the future."]})
    stop_id = None  # only ever a stop checked to be this driver's
    outcome, message, reason = "applied", "", None
    try:
        stop = _stop_of(principal, route, data.get("stop_id")) if data["type"].startswith("stop.") else None
        stop_id = stop.id if stop is not None else None
        change = _HANDLERS[data["type"]](principal, route, stop, data)
    except ActionConflict as conflict:
        db.session.rollback()
        route = get_route(principal, data["route_id"])
        outcome, message, reason, change = "conflict", conflict.message, conflict.reason, None
        stop_id = conflict.stop_id or stop_id
        _record_conflict(principal, route, stop_id, data, conflict.message)
    db.session.add(DriverAction(org_id=principal.org_id, driver_id=principal.driver_id,
                                idempotency_key=data["idempotency_key"], type=data["type"], route_id=route.id,
                                stop_id=stop_id, at=at, received_at=utcnow(), outcome=outcome,
                                message=message, reason=reason))
    if outcome == "applied":
        bump(route, change)
    db.session.flush()
    return {"status": outcome, "message": message, "reason": reason, "route": route}


def _moved_away_from(stop: Stop, route: Route) -> bool:
    """Whether dispatch moved this stop off `route` (its order's log says so): the driver once had it."""
    moves = db.session.scalars(select(OrderEvent.details).where(
        OrderEvent.org_id == stop.org_id, OrderEvent.order_id == stop.order_id, OrderEvent.type == "reassigned"))
    return any((details or {}).get("from_route_id") == route.id for details in moves)


def _stop_of(principal: Principal, route: Route, stop_id: int | None) -> Stop:
    """The stop of a stop action: on the driver's route; moved away from it since (a conflict: the phone
    was offline while dispatch gave it to another driver); or, for any other stop, not found."""
    if stop_id is None:
        raise InvalidInput("This action needs a stop.", fields={"stop_id": ["Required."]})
    stop = db.session.scalar(select(Stop).where(Stop.org_id == principal.org_id, Stop.id == stop_id))
    if stop is None:
        raise NotFound("No such stop.")
    if stop.route_id == route.id:
        return stop
    if _moved_away_from(stop, route):
        raise ActionConflict("Dispatch moved this stop to another route before your action synced; it was not "
                             "applied. Dispatch has been told.", reason="stop_moved", stop_id=stop.id)
    raise NotFound("No such stop on your route.")


def _record_conflict(principal: Principal, route: Route, stop_id: int | None, data: dict, message: str) -> None:
    """Keep what the driver recorded on the order's log and tell dispatch. `stop_id` was checked to be this
    driver's; a stop id the phone merely sent is never trusted here (another organization's, another route's)."""
    stop = db.session.scalar(select(Stop).where(Stop.org_id == principal.org_id, Stop.id == stop_id)) \
        if stop_id is not None else None
    if stop is not None:
        lifecycle.record(stop.order, "conflict", at=data["at"], lat=data.get("lat"), lon=data.get("lon"),
                         details={"action": data["type"], "data": data.get("data") or {}, "message": message,
                                  "driver_id": principal.driver_id, "route_id": route.id},
                         **actor_of(principal))
    alert = DriverConflictAlertSchema().dump({
        "message": message, "route_id": route.id, "driver_id": principal.driver_id,
        "stop_id": stop.id if stop is not None else None, "order_id": stop.order_id if stop is not None else None,
        "action": data["type"], "at": data["at"]})
    emit.queue_emit(db.session, "alert", alert, rooms.dispatch(principal.org_id))


def _transition(principal, order, target, data, **kwargs):
    try:
        lifecycle.transition(order, target, at=data["at"], lat=data.get("lat"), lon=data.get("lon"),
                             **actor_of(principal), **kwargs)
    except Conflict as refused:
        if order.status is OrderStatus.cancelled:
            raise ActionConflict(ORDER_CANCELLED, reason="order_cancelled")
        raise ActionConflict(refused.message)


def _ensure_started(principal, route: Route, data) -> None:
    if route.status is RouteStatus.published:
        _start(principal, route, None, data)


def _start(principal, route: Route, stop, data):
    if route.status is RouteStatus.in_progress:
        return None
    if route.status is not RouteStatus.published:
        raise ActionConflict(f"The route is {route.status.value}; it cannot start.", reason="route_not_startable")
    route.status = RouteStatus.in_progress
    route.started_at = data["at"]
    for each in route.stops:
        if each.order.status is OrderStatus.dispatched:
            _transition(principal, each.order, OrderStatus.out_for_delivery, data)
    _announce_next_stop(principal, route, data["at"])
    return {"kind": "started"}


def _next_pending(route: Route) -> Stop | None:
    pending = [s for s in route.stops if s.status is StopStatus.pending]
    return min(pending, key=lambda s: s.sequence) if pending else None


def _announce_next_stop(principal, route: Route, at: datetime) -> None:
    """The customer of the next stop learns the driver is on the way (notifications hang off this event)."""
    upcoming = _next_pending(route)
    if upcoming is not None and upcoming.order.status is OrderStatus.out_for_delivery:
        lifecycle.record(upcoming.order, "next_stop", at=at,
                         details={"eta": upcoming.eta_at.isoformat() if upcoming.eta_at else None,
                                  "route_id": route.id, "driver_id": route.driver_id,
                                  "stop_kind": upcoming.kind.value}, **actor_of(principal))


def _refuse_finished(stop: Stop):
    """A finished stop takes no more actions; one closed because its order was cancelled says so."""
    if stop.order.status is OrderStatus.cancelled:
        raise ActionConflict(ORDER_CANCELLED, reason="order_cancelled")
    raise ActionConflict("This stop is already finished.", reason="stop_finished")


def _arrive(principal, route: Route, stop: Stop, data):
    _ensure_started(principal, route, data)
    if stop.status is StopStatus.arrived:
        return None
    if stop.status in FINISHED_STOP:
        _refuse_finished(stop)
    if stop.is_last_of_order:  # at a pair's pickup the order stays out for delivery
        _transition(principal, stop.order, OrderStatus.arrived, data)
    stop.status = StopStatus.arrived
    stop.actual_arrival_at = data["at"]
    return {"kind": "updated", "stop_id": stop.id}


def _finish(principal, route: Route, stop: Stop, data, *, delivered: bool):
    _ensure_started(principal, route, data)
    details = data.get("data") or {}
    if stop.status in FINISHED_STOP:
        _refuse_finished(stop)
    photos = pod_service.driver_files(principal, details.get("photo_ids") or [])
    signature = pod_service.driver_files(principal, [details["signature_id"]]) if details.get("signature_id") else []
    order = stop.order
    collecting = stop.kind is StopKind.pickup
    if not collecting and order.type is OrderType.pickup_delivery and not _collected(route, stop):
        raise InvalidInput("Collect this parcel at its pickup address first.", fields={"stop_id": ["Not collected yet."]},
                           code="not_collected")
    if delivered and not collecting:
        if order.requires_id_check and not details.get("id_checked"):
            raise InvalidInput("This order needs an ID check before handing it over.", fields={"id_checked": ["Required."]})
        if order.min_age and not details.get("age_verified"):
            raise InvalidInput(f"The recipient must be at least {order.min_age}.", fields={"age_verified": ["Required."]})
        if order.cod_amount_cents and details.get("cod_collected_cents") is None:
            raise InvalidInput("Record the amount collected.", fields={"cod_collected_cents": ["Required."]})
    reason = FailureReason(details["reason"]) if not delivered else None
    note = {"note": details.get("note", "")} if details.get("note") else {}
    if collecting and delivered and not stop.is_last_of_order:
        lifecycle.record(order, "picked_up", at=data["at"], lat=data.get("lat"), lon=data.get("lon"),
                         details={"stop_id": stop.id, **note}, **actor_of(principal))
    else:
        if stop.status is StopStatus.pending and order.status is OrderStatus.out_for_delivery and delivered:
            _transition(principal, order, OrderStatus.arrived, data)
        if collecting:
            note = {**note, "stop_kind": StopKind.pickup.value}
        _transition(principal, order, OrderStatus.delivered if delivered else OrderStatus.failed, data, reason=reason,
                    details=note or None)
        if collecting and not delivered:  # nothing collected: the pair's delivery cannot happen
            for other in route.stops:
                if other.order_id == order.id and other.id != stop.id and other.status is StopStatus.pending:
                    other.status = StopStatus.skipped
    stop.status = StopStatus.completed if delivered else StopStatus.failed
    stop.actual_arrival_at = stop.actual_arrival_at or data["at"]
    stop.actual_departure_at = data["at"]
    for proof_file in photos + signature:
        proof_file.order_id = order.id
    scanned = details.get("barcodes") or []
    if delivered:
        for parcel in order.parcels:
            if not scanned or parcel.barcode in scanned:
                if collecting:
                    parcel.loaded_at = parcel.loaded_at or data["at"]
                else:
                    parcel.delivered_at = data["at"]
    db.session.add(DeliveryProof(
        org_id=order.org_id, order_id=order.id, stop_id=stop.id, driver_id=principal.driver_id,
        outcome=("collected" if collecting else "delivered") if delivered else "failed", failure_reason=reason.value if reason else None,
        recipient_name=details.get("recipient_name", ""), note=details.get("note", ""),
        photo_ids=[f.id for f in photos], signature_id=signature[0].id if signature else None,
        scanned_barcodes=scanned, cod_collected_cents=details.get("cod_collected_cents") or 0,
        id_checked=bool(details.get("id_checked")), age_verified=bool(details.get("age_verified")),
        at=data["at"], lat=data.get("lat"), lon=data.get("lon")))
    _announce_next_stop(principal, route, data["at"])
    return {"kind": "updated", "stop_id": stop.id}


def _collected(route: Route, stop: Stop) -> bool:
    """Whether the pair's parcel was collected: its pickup stop is done (or is not on this route)."""
    pickups = [other for other in route.stops if other.order_id == stop.order_id and other.kind is StopKind.pickup]
    return all(other.status is StopStatus.completed for other in pickups)


def _complete(principal, route, stop, data):
    return _finish(principal, route, stop, data, delivered=True)


def _fail(principal, route, stop, data):
    if not (data.get("data") or {}).get("reason"):
        raise InvalidInput("Give the reason of the failed delivery.", fields={"reason": ["Required."]})
    return _finish(principal, route, stop, data, delivered=False)


def _break_start(principal, route: Route, stop, data):
    if route.break_started_at is None:
        route.break_started_at = data["at"]
    return {"kind": "break", "on_break": True}


def _break_end(principal, route: Route, stop, data):
    route.break_started_at = None
    return {"kind": "break", "on_break": False}


def _parcel_load(principal, route: Route, stop, data):
    barcode = str((data.get("data") or {}).get("barcode", "")).strip()
    order_ids = [s.order_id for s in route.stops]
    parcel = db.session.scalar(select(Parcel).where(Parcel.org_id == principal.org_id, Parcel.barcode == barcode,
                                                    Parcel.order_id.in_(order_ids))) if barcode else None
    if parcel is None:
        raise InvalidInput("This barcode is not on your route.", fields={"barcode": ["Not on this route."]},
                           code="unknown_parcel")
    parcel.loaded_at = parcel.loaded_at or data["at"]
    return {"kind": "loaded", "barcode": barcode}


def _end(principal, route: Route, stop, data):
    """Ending the day: stops never attempted are failed ('other', not attempted) so they can be rescheduled."""
    if route.status is RouteStatus.completed:
        return None
    _ensure_started(principal, route, data)
    for each in route.stops:
        if each.status in (StopStatus.pending, StopStatus.arrived):
            each.status = StopStatus.skipped
            if each.order.status in (OrderStatus.out_for_delivery, OrderStatus.arrived):
                _transition(principal, each.order, OrderStatus.failed, data, reason=FailureReason.other,
                            details={"not_attempted": True})
    route.status = RouteStatus.completed
    route.completed_at = data["at"]
    route.break_started_at = None
    return {"kind": "completed"}


_HANDLERS = {"route.start": _start, "route.end": _end, "break.start": _break_start, "break.end": _break_end,
             "parcel.load": _parcel_load, "stop.arrive": _arrive, "stop.complete": _complete, "stop.fail": _fail}
