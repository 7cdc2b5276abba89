"""An order's SMS conversation: what we texted the customer, what they answered, and a dispatcher's answers.

Business rules
- The conversation of an order is its SMS outbox rows (every kind, the dispatchers' answers included) and the
  customer's replies forwarded to it (inbound.py), in time order.
- A dispatcher answers through the outbox like any other text (retries, delivery reports, opt-out checked
  again at send time), at once: the customer is waiting for it, so quiet hours do not hold it back.
- No answer to a recipient without a phone, who replied STOP, or when no SMS provider is configured (409,
  saying which); a practice organization's answer is written as suppressed, never sent.
"""
from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import select

from backend.auth.models import Organization
from backend.database import utcnow
from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.notify import templates
from backend.notify.channels import available
from backend.notify.models import REPLY_KIND, Channel, InboundMessage, OutboxMessage, OutboxStatus
from backend.notify.outbox import _insert
from backend.orders.models import Order
from backend.unit_of_work import transactional


def _order(org_id: int, order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.org_id == org_id, Order.id == order_id))
    if order is None:
        raise NotFound("No such order.")
    return order


def why_no_reply(order: Order) -> tuple[str, str] | None:
    recipient = order.recipient
    if recipient is None or not recipient.phone:
        return "no_phone", "The recipient has no phone number."
    if recipient.opt_out_sms:
        return "opted_out", "The recipient replied STOP: they receive no more texts until they reply START."
    if not available("sms", current_app.config):
        return "sms_unavailable", "No SMS provider is configured (SMS_PROVIDER)."
    return None


def conversation(org_id: int, order_id: int) -> dict:
    order = _order(org_id, order_id)
    messages = []
    for row in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.org_id == org_id, OutboxMessage.order_id == order.id, OutboxMessage.channel == Channel.sms)):
        messages.append({"id": f"out-{row.id}", "direction": "out", "kind": row.kind, "body": row.body,
                         "at": row.sent_at or row.created_at, "status": row.status.value,
                         "by": (row.payload or {}).get("by") if row.kind == REPLY_KIND else None,
                         "phone": row.destination})
    for row in db.session.scalars(select(InboundMessage).where(
            InboundMessage.org_id == org_id, InboundMessage.order_id == order.id)):
        messages.append({"id": f"in-{row.id}", "direction": "in", "kind": "customer_reply", "body": row.body,
                         "at": row.received_at, "status": None, "by": None, "phone": row.from_phone})
    messages.sort(key=lambda m: (m["at"], m["id"]))
    refusal = why_no_reply(order)
    return {"order_id": order.id, "external_ref": order.external_ref,
            "phone": order.recipient.phone if order.recipient else None,
            "can_reply": refusal is None, "cannot_reply": refusal[1] if refusal else None, "messages": messages}


def queue_reply(org_id: int, order_id: int, text: str, *, by: str, user_id: int | None) -> OutboxMessage:
    """A dispatcher's answer to the order's customer, written in the caller's transaction (sent after it)."""
    order = _order(org_id, order_id)
    refusal = why_no_reply(order)
    if refusal is not None:
        raise Conflict(refusal[1], code=refusal[0])
    org = db.session.get(Organization, org_id)
    now = utcnow()
    key = f"reply:{order.id}:{uuid.uuid4().hex}"
    _insert([{"org_id": org_id, "order_id": order.id, "event_id": None, "recipient_id": order.recipient.id,
              "subscription_id": None, "webhook_id": None, "channel": Channel.sms, "kind": REPLY_KIND,
              "dedupe_key": key, "status": OutboxStatus.suppressed if org.is_practice else OutboxStatus.pending,
              "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
              "destination": order.recipient.phone, "language": templates.language_of(order.recipient.language),
              "subject": "", "body": text, "payload": {"by": by, "user_id": user_id}}])
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


send_reply = transactional(queue_reply)
