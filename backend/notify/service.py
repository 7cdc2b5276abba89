"""Notifications, the domain's face: what other domains and the views call.

Where each part lives
- outbox.py: order events become outbox rows in the event's own transaction (which events speak to
  customers, on which channels, dedupe, practice organizations), and pushes to staff browsers.
- sending.py: workers claim and send rows, retries, the delivery promise (at least once; see its docstring).
- rendering.py: the wording of a message and the organization's own templates; quiet_hours.py: when a
  customer may be texted.
- subscriptions.py (web push), inbound.py (SMS delivery reports, replies, STOP/START), webhooks.py.
"""
from __future__ import annotations

from sqlalchemy import select

from backend.errors import NotFound
from backend.extensions import db
from backend.notify.models import Channel, OutboxMessage
from backend.notify.outbox import queue_customer_message, queue_staff_message, queue_user_push, reach
from backend.notify.subscriptions import subscribe
from backend.orders.models import Order

__all__ = ["notifications_statement", "order_notifications", "queue_customer_message", "queue_staff_message",
           "queue_user_push",
           "reach", "subscribe"]


def order_notifications(org_id: int, order_id: int) -> list[OutboxMessage]:
    if db.session.scalar(select(Order.id).where(Order.org_id == org_id, Order.id == order_id)) is None:
        raise NotFound("No such order.")
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.order_id == order_id,
        OutboxMessage.channel != Channel.webhook).order_by(OutboxMessage.id)))


def notifications_statement(org_id: int, *, status=None, channel=None, kind=None, order_id=None, since=None,
                            until=None):
    # Customer messages only: a staff message (a test to oneself, an invitation with its one-time link) is not
    # a dispatcher's business.
    statement = select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.order_id.is_not(None)) \
        .order_by(OutboxMessage.id.desc())
    if channel is not None:
        statement = statement.where(OutboxMessage.channel == channel)
    else:
        statement = statement.where(OutboxMessage.channel != Channel.webhook)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    if order_id is not None:
        statement = statement.where(OutboxMessage.order_id == order_id)
    if since is not None:
        statement = statement.where(OutboxMessage.created_at >= since)
    if until is not None:
        statement = statement.where(OutboxMessage.created_at < until)
    return statement
