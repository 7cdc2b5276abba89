"""Web push subscriptions: a customer's browser (through the tracking link) or a staff member's.

Any URL kept here (or as a webhook) for the server to POST to later must pass the outbound guard when it
is registered, and passes it again at every send (backend/outbound.py)."""
from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from backend import outbound
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.notify.models import PushSubscription
from backend.unit_of_work import transactional


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def refuse_unreachable_url(url: str, field: str) -> None:
    """A push endpoint or webhook at 127.0.0.1 or 169.254.169.254 is refused when registered (422 naming
    the field), not found out when sending."""
    try:
        outbound.check_url(url, outbound.Policy.from_config(current_app.config))
    except outbound.OutboundRefused as refused:
        raise InvalidInput("The server will not send to this URL.", fields={field: [refused.message]},
                           code="url_refused")


@transactional
def subscribe(org_id: int, endpoint: str, p256dh: str, auth: str, *, order_id: int | None = None,
              user_id: int | None = None) -> PushSubscription:
    """A browser subscribes once per owner; subscribing again refreshes its keys.

    Anyone with a tracking link or a driver's login can register an endpoint: it must pass the guard."""
    refuse_unreachable_url(endpoint, "endpoint")
    digest = _endpoint_hash(endpoint)
    existing = db.session.scalar(select(PushSubscription).where(
        PushSubscription.org_id == org_id, PushSubscription.endpoint_hash == digest,
        PushSubscription.order_id.is_(None) if order_id is None else PushSubscription.order_id == order_id,
        PushSubscription.user_id.is_(None) if user_id is None else PushSubscription.user_id == user_id))
    if existing is None:
        existing = PushSubscription(org_id=org_id, order_id=order_id, user_id=user_id, endpoint=endpoint,
                                    endpoint_hash=digest, p256dh=p256dh, auth=auth)
        db.session.add(existing)
    else:
        existing.p256dh, existing.auth = p256dh, auth
    return existing


@transactional
def unsubscribe_user(org_id: int, user_id: int, endpoint: str) -> None:
    found = db.session.scalars(select(PushSubscription).where(
        PushSubscription.org_id == org_id, PushSubscription.user_id == user_id,
        PushSubscription.endpoint_hash == _endpoint_hash(endpoint))).all()
    if not found:
        raise NotFound("No such subscription.")
    for subscription in found:
        db.session.delete(subscription)


def vapid_public_key() -> str:
    from backend.notify.channels import webpush

    return webpush.public_key_b64(webpush.load_or_create_key(current_app.config["INSTANCE_PATH"]))
