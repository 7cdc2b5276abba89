"""What changes on an order reaches the phone of the driver who will deliver it, while the app is open.

A customer who writes "gate code 4521" on the tracking page, or a dispatcher who edits the window or the
notes of an order already on a published route, changes what the driver sees at that stop: the route's
version goes up and `route.updated` carries the change (kind `instructions` or `updated`) after the
commit, so an open stop screen shows it without a reload.

An order cancelled while its stop is on a published or started route is no longer the driver's to deliver:
its stop is closed as skipped in the same transaction (so it is never offered as next, never counted as
pending when the route ends, and the route's ETAs leave it out) and the driver is told (kind `cancelled`).
"""
from __future__ import annotations

from sqlalchemy import select

from backend.dispatch.models import FINISHED_STOP, Route, RouteStatus, Stop, StopStatus
from backend.extensions import db
from backend.orders.enums import ActorType, OrderStatus
from backend.orders.models import Order, OrderEvent

# The order fields the driver's app shows (DriverOrderSchema); an edit of any other field is not news.
DRIVER_VISIBLE_FIELDS = frozenset({"address", "lat", "lon", "time_windows", "notes", "delivery_instructions",
                                   "recipient", "cod_amount_cents", "requires_id_check", "min_age", "parcels",
                                   "pickup"})
ON_THE_ROAD = (RouteStatus.published, RouteStatus.in_progress)


def _open_stop(order: Order) -> Stop | None:
    return db.session.scalar(
        select(Stop).join(Route, Route.id == Stop.route_id)
        .where(Stop.order_id == order.id, Route.status.in_(ON_THE_ROAD), Stop.status.not_in(FINISHED_STOP))
        .order_by(Route.id.desc()))


def _change_for(order: Order, event: OrderEvent) -> dict | None:
    if event.type == "status" and event.to_status == OrderStatus.cancelled.value:
        return {"kind": "cancelled", "by": "dispatch"}
    if event.type == "instructions_updated":
        return {"kind": "instructions", "by": "customer" if event.actor_type is ActorType.customer else "dispatch"}
    if event.type == "updated":
        fields = set((event.details or {}).get("fields") or ())
        if not fields & DRIVER_VISIBLE_FIELDS:
            return None
        if fields <= {"delivery_instructions"}:
            return {"kind": "instructions", "by": "dispatch"}
        return {"kind": "updated", "by": "dispatch"}
    return None


def on_order_event(order: Order, event: OrderEvent) -> None:
    """The lifecycle listener (same transaction, no commit): bump the route that will deliver this order."""
    change = _change_for(order, event)
    if change is None:
        return
    stop = _open_stop(order)
    if stop is None:
        return
    from backend.dispatch.service import bump

    change.update(stop_id=stop.id, address=stop.end.address, sequence=stop.sequence)
    if change["kind"] == "cancelled":  # a pickup-delivery order's two stops go together
        for each in stop.route.stops:
            if each.order_id == order.id and each.status not in FINISHED_STOP:
                each.status = StopStatus.skipped
    bump(stop.route, change)


def install() -> None:
    """Hook into the order lifecycle (idempotent)."""
    from backend.orders import lifecycle

    if on_order_event not in lifecycle.EVENT_LISTENERS:
        lifecycle.EVENT_LISTENERS.append(on_order_event)
