"""The notification outbox and what feeds it: push subscriptions, webhook endpoints, templates, replies."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db


class Channel(str, enum.Enum):
    sms = "sms"
    push = "push"
    email = "email"
    webhook = "webhook"


class MessageKind(str, enum.Enum):
    """What a customer is told; webhook rows carry their event type (order.status_changed...) instead."""

    scheduled = "scheduled"
    out_for_delivery = "out_for_delivery"
    approaching = "approaching"
    delayed = "delayed"
    delivered = "delivered"
    failed = "failed"
    rebooked = "rebooked"  # the customer chose a new day (or drop-off) on the tracking page: the confirmation
    # To the sender of a return or a pickup-delivery pair, about the collection at their address.
    pickup_scheduled = "pickup_scheduled"
    pickup_approaching = "pickup_approaching"
    picked_up = "picked_up"
    pickup_failed = "pickup_failed"


PICKUP_KINDS = frozenset({MessageKind.pickup_scheduled, MessageKind.pickup_approaching, MessageKind.picked_up,
                          MessageKind.pickup_failed})


# A dispatcher's own words to a customer (the order's conversation): not a template, so not a MessageKind.
REPLY_KIND = "dispatcher_reply"


class OutboxStatus(str, enum.Enum):
    pending = "pending"        # waiting for its time (next_attempt_at): first try, quiet hours or a retry
    sending = "sending"        # claimed by a worker until lease_until; taken again once the lease expires
    sent = "sent"              # the provider accepted it
    delivered = "delivered"    # the provider confirmed delivery (SMS status callback)
    failed = "failed"          # gave up: a permanent error, or retries exhausted
    cancelled = "cancelled"    # not sent on purpose: opted out meanwhile, superseded, subscription gone
    suppressed = "suppressed"  # a practice organization: written for the record, never sent


class OutboxMessage(OrgScoped, TimestampMixin, db.Model):
    """One message to one destination on one channel, written in the transaction of the event behind it.

    The unique dedupe key is the promise that nobody gets the same message twice: the listener may run
    again for the same fact (a retried request, a re-sent event) and the insert is then ignored.
    """

    __tablename__ = "notify_outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_notify_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_notify_outbox_org_created", "org_id", "created_at"),
        Index("ix_notify_outbox_order", "order_id"),
        Index("ix_notify_outbox_webhook", "webhook_id", "created_at"),
        Index("ix_notify_outbox_provider_ref", "provider_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("order_events.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id", ondelete="SET NULL"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="SET NULL"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(Enum(Channel, name="notify_channel", native_enum=False, length=20))
    # A MessageKind value for customers, the event type for webhooks.
    kind: Mapped[str] = mapped_column(String(40))
    destination: Mapped[str] = mapped_column(String(1000), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", native_enum=False, length=20), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    provider_status: Mapped[str | None] = mapped_column(String(40))
    response_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SMS segments the body costs (notify.sms_segments), counted when the row is written; 0 elsewhere.
    sms_segments: Mapped[int] = mapped_column(default=0, server_default="0")


class PushSubscription(OrgScoped, TimestampMixin, db.Model):
    """A browser's push endpoint, owned by a tracking link (a customer) or by a user (staff, drivers)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_endpoint", "endpoint_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    # SHA-256 of the endpoint: endpoints are long, an index on them is not.
    endpoint_hash: Mapped[str] = mapped_column(String(64))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(300))


class WebhookEndpoint(OrgScoped, TimestampMixin, db.Model):
    """An integration's URL, told about the order events it subscribed to, each POST signed with `secret`."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MessageTemplate(OrgScoped, TimestampMixin, db.Model):
    """An organization's own wording of one message in one language; the built-in text otherwise."""

    __tablename__ = "notify_templates"
    __table_args__ = (UniqueConstraint("org_id", "kind", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)


class InboundMessage(OrgScoped, db.Model):
    """A customer's SMS reply, kept for the dispatchers it was forwarded to (the order's conversation)."""

    __tablename__ = "notify_inbound"
    __table_args__ = (Index("ix_notify_inbound_org_at", "org_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnmatchedInboundMessage(db.Model):
    """A text to our number from a phone no organization knows (no recipient, never texted): kept, never lost.

    The SMS number belongs to the installation, not to one organization, so such a text belongs to nobody
    yet; the staff of every (non-practice) organization see the list and can recognise a customer."""

    __tablename__ = "notify_inbound_unmatched"
    __table_args__ = (Index("ix_notify_inbound_unmatched_received", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
