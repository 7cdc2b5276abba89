""""Send a test message to yourself": an admin checks that texts, emails or push notifications really leave the
installation and reach a person, before the first customer depends on it.

The message goes through the real path (an outbox row, the job worker, the configured provider), so what it
proves is what customers will get. It is about no order: a staff message (notify.queue_staff_message) to the
admin's own phone or email, or a push to the admin's own browsers. The checklist item is done once one of
them was accepted by a provider; the console SMS provider (it only writes to the server's log) does not count.
"""
from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy import and_, func, or_, select

from backend.auth.models import Organization, User
from backend.errors import InvalidInput
from backend.extensions import db
from backend.notify.channels import available
from backend.notify.models import Channel, OutboxMessage, OutboxStatus, PushSubscription
from backend.notify.service import queue_staff_message, queue_user_push
from backend.unit_of_work import transactional

SELF_TEST = "self_test"
CHANNELS = ("sms", "email", "push")
REACHED = (OutboxStatus.sent, OutboxStatus.delivered)

TEXT = {
    "en": {"subject": "Lastmile test message",
           "body": "This is a test from Lastmile ({org}): messages from your delivery platform reach you. "
                   "Customers' messages go out the same way. Nothing to do."},
    "fr": {"subject": "Message d’essai de Lastmile",
           "body": "Ceci est un essai de Lastmile ({org}) : les messages de votre plateforme de livraison vous "
                   "parviennent. Ceux des clients partent par le même chemin. Rien à faire."},
}


def _user(org_id: int, user_id: int) -> User:
    return db.session.scalar(select(User).where(User.org_id == org_id, User.id == user_id))


def _push_count(org_id: int, user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.org_id == org_id, PushSubscription.user_id == user_id))


def channels(org_id: int, user_id: int) -> list[dict]:
    """Where a test to this person can go now, and why not where it cannot (a machine-readable reason)."""
    user = _user(org_id, user_id)
    config = current_app.config
    sms_reason = None if user.phone else "no_phone"
    if sms_reason is None and not available("sms", config):
        sms_reason = "not_configured"
    email_reason = None if user.email else "no_email"
    if email_reason is None and not available("email", config):
        email_reason = "not_configured"
    browsers = _push_count(org_id, user_id)
    return [
        {"channel": "sms", "ready": sms_reason is None, "reason": sms_reason, "destination": user.phone or "",
         "log_only": config.get("SMS_PROVIDER") == "console"},
        {"channel": "email", "ready": email_reason is None, "reason": email_reason, "destination": user.email or "",
         "log_only": False},
        {"channel": "push", "ready": browsers > 0, "reason": None if browsers else "no_browser",
         "destination": str(browsers), "log_only": False},
    ]


def recent(org_id: int, limit: int = 10) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.kind == SELF_TEST).order_by(OutboxMessage.id.desc()).limit(limit)))


def overview(org_id: int, user_id: int) -> dict:
    return {"channels": channels(org_id, user_id), "recent": recent(org_id), "reached": reached(org_id)}


REFUSALS = {
    "no_phone": "Add your mobile number to your user (Users) to get a test text.",
    "no_email": "Add your email address to your user (Users) to get a test email.",
    "not_configured": "This channel is not configured on the server (see README, Configuration).",
    "no_browser": "Turn on notifications in this browser first.",
}


@transactional
def send_test_message(org_id: int, user_id: int, channel: str) -> list[OutboxMessage]:
    """Write the test message (one row, or one per subscribed browser for push); sent after the commit."""
    found = {item["channel"]: item for item in channels(org_id, user_id)}[channel]
    if not found["ready"]:
        raise InvalidInput(REFUSALS[found["reason"]], code=found["reason"],
                           fields={"channel": [REFUSALS[found["reason"]]]})
    user = _user(org_id, user_id)
    org = db.session.get(Organization, org_id)
    text = TEXT.get(user.language, TEXT["en"])
    body = text["body"].format(org=org.name)
    stamp = uuid.uuid4().hex[:16]
    fact = f"self-test:{user.id}:{stamp}"
    if channel == "push":
        queue_user_push(org_id, user.id, SELF_TEST, text["subject"], body, fact, url="/admin#setup")
    else:
        queue_staff_message(org_id, Channel(channel), found["destination"], SELF_TEST, text["subject"], body, fact,
                            language=user.language)
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.kind == SELF_TEST,
        OutboxMessage.dedupe_key.contains(stamp)).order_by(OutboxMessage.id)))


def reached(org_id: int) -> bool:
    """A test message was accepted by a real provider (the console SMS provider only logs: it does not count)."""
    not_console = or_(OutboxMessage.channel != Channel.sms,
                      ~func.coalesce(OutboxMessage.provider_ref, "").startswith("console-"))
    return db.session.scalar(select(OutboxMessage.id).where(and_(
        OutboxMessage.org_id == org_id, OutboxMessage.kind == SELF_TEST, OutboxMessage.status.in_(REACHED),
        not_console)).limit(1)) is not None
