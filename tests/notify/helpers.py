"""Helpers for notification tests: orders moved through the real lifecycle, outbox reads, waiting."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from backend.database import utcnow
from backend.orders.enums import ActorType, FailureReason, OrderStatus as S
from tests.support import order_payload
from tests.support import commit

PATH_TO_DELIVERED = [S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered]


def create_order(api, ref="ORD-1", **recipient) -> dict:
    data = {"name": "Camille Tremblay", "phone": "+15145550999", "language": "fr"}
    data.update(recipient)
    response = api.post("/api/v1/orders", json=order_payload(ref, recipient=data))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def move(app, order_id: int, *targets, reason: FailureReason | None = None) -> None:
    """Walk the order through the lifecycle, one committed transaction per step (like the real services)."""
    from backend.extensions import db
    from backend.orders import lifecycle
    from backend.orders.models import Order

    with app.app_context():
        for target in targets:
            order = db.session.get(Order, order_id)
            lifecycle.transition(order, target, actor_type=ActorType.system,
                                 reason=reason if target is S.failed else None)
            commit()


def record(app, order_id: int, event_type: str, details: dict) -> None:
    from backend.extensions import db
    from backend.orders import lifecycle
    from backend.orders.models import Order

    with app.app_context():
        lifecycle.record(db.session.get(Order, order_id), event_type, actor_type=ActorType.system, details=details)
        commit()


def outbox(app, **filters) -> list[dict]:
    from backend.extensions import db
    from backend.notify.models import OutboxMessage

    with app.app_context():
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in filters.items():
            statement = statement.where(getattr(OutboxMessage, name) == value)
        rows = db.session.scalars(statement).all()
        result = [{c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns} for row in rows]
        db.session.remove()
        return result


def deliver(app) -> dict:
    """One worker pass, in this thread (what the Huey task runs)."""
    from backend.extensions import db
    from backend.notify import sending

    with app.app_context():
        try:
            return sending.deliver_due()
        finally:
            db.session.remove()


def make_due(app) -> None:
    """Let time pass for waiting rows (retries, quiet hours) without sleeping."""
    from backend.extensions import db
    from backend.notify.models import OutboxMessage, OutboxStatus
    from sqlalchemy import update

    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        commit()
        db.session.remove()


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def set_org(app, org_id: int, **values) -> None:
    from backend.auth.models import Organization
    from backend.extensions import db

    with app.app_context():
        org = db.session.get(Organization, org_id)
        for name, value in values.items():
            setattr(org, name, value)
        commit()
