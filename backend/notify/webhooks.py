"""Webhooks: the order events integrations subscribe to, the body they receive, and their endpoints.

Deliveries go through the outbox like every message (see backend/notify/sending.py) and ignore quiet hours.
"""
from __future__ import annotations

from sqlalchemy import select

from backend.database import utcnow
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.notify.channels import webhook as webhook_channel
from backend.notify.models import Channel, OutboxMessage, WebhookEndpoint
from backend.notify.rendering import tracking_url
from backend.notify.subscriptions import refuse_unreachable_url
from backend.orders.models import Order, OrderEvent
from backend.unit_of_work import transactional


# Order event type -> the webhook event integrations subscribe to.
WEBHOOK_EVENTS = {
    "created": "order.created",
    "updated": "order.updated",
    "status": "order.status_changed",
    "next_stop": "order.approaching",
    "eta_changed": "order.eta_changed",
    "instructions_updated": "order.instructions_updated",
    "rated": "order.rated",
}
WEBHOOK_EVENT_TYPES = tuple(sorted(set(WEBHOOK_EVENTS.values())))
# Sent only when an admin presses "Send test": every endpoint gets it, whatever it subscribed to.
TEST_EVENT = "webhook.test"


def webhook_payload(order: Order, event: OrderEvent, event_type: str) -> dict:
    """The body integrations receive: stable ids and business fields, no internal actor details."""
    return {
        "id": f"evt_{event.id}", "type": event_type, "created_at": (event.recorded_at or utcnow()).isoformat(),
        "data": {"order_id": order.id, "external_ref": order.external_ref, "status": order.status.value,
                 "event": {"type": event.type, "from_status": event.from_status, "to_status": event.to_status,
                           "at": event.at.isoformat() if event.at else None, "details": event.details or {}},
                 "tracking_url": tracking_url(order)},
    }


def _check_event_types(event_types: list[str]) -> None:
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENT_TYPES) - {"*"})
    if unknown:
        raise InvalidInput("Unknown event types.", fields={"event_types": [
            f"Unknown: {', '.join(unknown)}. Known: {', '.join(WEBHOOK_EVENT_TYPES)} or *."]})


@transactional
def create_webhook(org_id: int, data: dict) -> WebhookEndpoint:
    _check_event_types(data["event_types"])
    refuse_unreachable_url(data["url"], "url")
    hook = WebhookEndpoint(org_id=org_id, url=data["url"], description=data.get("description", ""),
                           event_types=sorted(set(data["event_types"])), active=data.get("active", True),
                           secret=webhook_channel.new_secret())
    db.session.add(hook)
    return hook


def get_webhook(org_id: int, webhook_id: int) -> WebhookEndpoint:
    hook = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id,
                                                           WebhookEndpoint.id == webhook_id))
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def list_webhooks(org_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id)
                                   .order_by(WebhookEndpoint.id)))


@transactional
def update_webhook(org_id: int, webhook_id: int, data: dict) -> WebhookEndpoint:
    hook = get_webhook(org_id, webhook_id)
    if "event_types" in data:
        _check_event_types(data["event_types"])
        hook.event_types = sorted(set(data["event_types"]))
    if "url" in data:
        refuse_unreachable_url(data["url"], "url")
    for name in ("url", "description", "active"):
        if name in data:
            setattr(hook, name, data[name])
    if data.get("rotate_secret"):
        hook.secret = webhook_channel.new_secret()
    return hook


@transactional
def delete_webhook(org_id: int, webhook_id: int) -> None:
    db.session.delete(get_webhook(org_id, webhook_id))


def deliveries_statement(org_id: int, webhook_id: int, status=None):
    get_webhook(org_id, webhook_id)
    statement = select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.webhook_id == webhook_id,
                                            OutboxMessage.channel == Channel.webhook).order_by(OutboxMessage.id.desc())
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return statement
