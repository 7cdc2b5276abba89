"""The order lifecycle: the one place where an order's status changes.

    created -> planned -> dispatched -> out_for_delivery -> arrived -> delivered | failed(reason)
    failed -> rescheduled -> planned ...
    every state before delivered -> cancelled (a failed parcel may still be cancelled: returned to sender)

Two moves the forward path implies: an order taken off a route before it is driven goes back to
`created` (planned/dispatched -> created), and a driver may fail a stop without reaching it
(out_for_delivery -> failed: wrong address, no access). Every transition appends an OrderEvent in
the caller's transaction; the caller's service commits.
"""
from __future__ import annotations

from datetime import datetime

from backend.database import utcnow
from backend.errors import Conflict, InvalidInput
from backend.extensions import db
from backend.orders.enums import ActorType, FailureReason, OrderStatus as S
from backend.orders.models import Order, OrderEvent

TRANSITIONS: dict[S, frozenset[S]] = {
    S.created: frozenset({S.planned, S.cancelled}),
    S.planned: frozenset({S.dispatched, S.created, S.cancelled}),
    S.dispatched: frozenset({S.out_for_delivery, S.planned, S.created, S.cancelled}),
    S.out_for_delivery: frozenset({S.arrived, S.failed, S.cancelled}),
    S.arrived: frozenset({S.delivered, S.failed, S.cancelled}),
    S.failed: frozenset({S.rescheduled, S.cancelled}),
    S.rescheduled: frozenset({S.planned, S.cancelled}),
    S.delivered: frozenset(),
    S.cancelled: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)

# Called with (order, event) in the same transaction as every event logged here, after a flush (so
# the event has its id): how notifications write their outbox rows atomically with the cause.
EVENT_LISTENERS: list = []


def _added(order: Order, event: OrderEvent) -> OrderEvent:
    db.session.add(event)
    if EVENT_LISTENERS:
        db.session.flush()
        for listener in EVENT_LISTENERS:
            listener(order, event)
    return event


def record_many(orders: list[Order], event_type: str, *, actor_type: ActorType, actor_id: int | None = None,
                details: dict | None = None) -> list[OrderEvent]:
    """`record` for a batch of orders (already flushed): one flush for all the events, then the listeners."""
    now = utcnow()
    events = [OrderEvent(org_id=order.org_id, order_id=order.id, type=event_type, at=now, recorded_at=now,
                         actor_type=actor_type, actor_id=actor_id, details=dict(details or {})) for order in orders]
    db.session.add_all(events)
    if EVENT_LISTENERS:
        db.session.flush()
        for order, event in zip(orders, events):
            for listener in EVENT_LISTENERS:
                listener(order, event)
    return events


def can_transition(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def transition(order: Order, target: S, *, actor_type: ActorType, actor_id: int | None = None,
               at: datetime | None = None, lat: float | None = None, lon: float | None = None,
               reason: FailureReason | None = None, details: dict | None = None) -> OrderEvent:
    """Move an order to `target` and log it, or raise 409 naming the allowed moves."""
    current = order.status
    if not can_transition(current, target):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final state)"
        raise Conflict(f"An order that is {current.value} cannot become {target.value}; allowed: {allowed}.",
                       code="illegal_transition",
                       extra={"from": current.value, "to": target.value})
    if target is S.failed and reason is None:
        raise InvalidInput("A failed delivery needs a reason.", fields={"reason": ["Required."]})
    order.status = target
    order.failure_reason = reason if target is S.failed else (None if target is S.rescheduled else order.failure_reason)
    event_details = dict(details or {})
    if reason is not None:
        event_details["reason"] = reason.value
    event = OrderEvent(org_id=order.org_id, order_id=order.id, type="status", from_status=current.value,
                       to_status=target.value, at=at or utcnow(), recorded_at=utcnow(), actor_type=actor_type,
                       actor_id=actor_id, lat=lat, lon=lon, details=event_details)
    return _added(order, event)


def record(order: Order, event_type: str, *, actor_type: ActorType, actor_id: int | None = None,
           at: datetime | None = None, details: dict | None = None, lat: float | None = None,
           lon: float | None = None) -> OrderEvent:
    """Log something that happened to an order without changing its status (created, pin moved...)."""
    event = OrderEvent(org_id=order.org_id, order_id=order.id, type=event_type, at=at or utcnow(),
                       recorded_at=utcnow(), actor_type=actor_type, actor_id=actor_id, lat=lat, lon=lon,
                       details=details or {})
    return _added(order, event)
