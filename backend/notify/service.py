"""Notifications: order events become outbox rows in the event's own transaction; workers send them.

Business rules
- Which events speak to the customer (message_kind_for): dispatched -> "scheduled", out_for_delivery ->
  "out_for_delivery", next_stop -> "approaching", eta_changed -> "delayed" (see is_delay), delivered ->
  "delivered", failed -> "failed". Nothing else does.
- Channels per recipient: SMS when they have a phone and did not opt out, web push for each browser that
  subscribed through the tracking link (unless opted out of push), email when they have an address, did
  not opt out and an SMTP server is configured. Opt-outs are checked again just before sending.
- Dedupe: one row per (order, delivery attempt, message kind, channel, destination) — a unique key, so a
  listener that runs twice for the same fact writes nothing new. A "delayed" key also names the new ETA
  (to the minute): a second, genuinely new delay is a new message; the same delay reported twice is not.
  The delivery attempt counts reschedules, so a failed order re-delivered another day is announced again.
- Practice organizations never send anything outside: rows are written as `suppressed` (the trainee sees
  what would have gone out) and the sender refuses them again at send time.
- Quiet hours (NOTIFY_QUIET_HOURS, e.g. "21:00-08:00" in the depot's time zone; an organization may set
  settings["quiet_hours"], "" or null meaning none): a customer message due inside them waits until they
  end — all kinds, "delivered" and "failed" included (news of a delivery can wait for the morning; a text
  at 23:00 is what people complain about). A time-sensitive message that waited and is overtaken by
  events is cancelled, not sent late: "approaching", "delayed", "out_for_delivery" and "scheduled" are
  dropped once the order is delivered, failed or cancelled. Webhooks ignore quiet hours.
- Sending is at least once. A worker claims a row (pending -> sending with a lease), sends, then records
  it as sent in the same UPDATE that releases the lease. A worker that dies between the provider's accept
  and that UPDATE leaves the row to be taken again when the lease expires, so in that one window a message
  can go out twice; we accept it rather than risk losing a message. Providers help where they can: web
  push carries a Topic (the push service replaces, not stacks, an undelivered copy), webhooks a stable
  X-Lastmile-Delivery id, emails a stable Message-ID. Twilio has no idempotency key; the window there is
  one HTTP round trip. The lease (NOTIFY_LEASE_S) is far longer than any send's timeout, so a live worker
  never loses its row to another one. Every claim counts as an attempt, so a message that kills its
  worker cannot loop forever.
- Retries: a transient failure (network, 5xx, 429) waits NOTIFY_RETRY_BASE_S * 2^(attempt-1), capped at
  NOTIFY_RETRY_MAX_S, up to NOTIFY_MAX_ATTEMPTS; a permanent one (bad number, 4xx) fails at once; a push
  subscription the service says is gone (404/410) is deleted.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from backend.auth.models import Organization
from backend.database import insert_ignoring_conflict, utcnow
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.fleet.models import Depot
from backend.notify import templates
from backend.notify.channels import (OutgoingMessage, PermanentError, SendError, TransientError, available,
                                     sender_for)
from backend.notify.models import (Channel, InboundMessage, MessageKind, MessageTemplate, OutboxMessage,
                                   OutboxStatus, PushSubscription, WebhookEndpoint)
from backend.orders.enums import OrderStatus
from backend.orders.models import Order, OrderEvent, Recipient

log = logging.getLogger(__name__)

_WAKE = "notify_wake"
CUSTOMER_CHANNELS = (Channel.sms, Channel.push, Channel.email)
FINISHED_ORDER = {OrderStatus.delivered, OrderStatus.failed, OrderStatus.cancelled}
# Kinds that are about something still to come: pointless once the order is over.
TIME_SENSITIVE = {MessageKind.scheduled.value, MessageKind.out_for_delivery.value, MessageKind.approaching.value,
                  MessageKind.delayed.value}

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


# --- writing the outbox (inside the caller's transaction; never commits) ---------------------------

def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _last_told_eta(order_id: int) -> datetime | None:
    """The latest ETA a customer was given (an "approaching" or "delayed" message), on any channel."""
    rows = db.session.scalars(select(OutboxMessage.payload).where(
        OutboxMessage.order_id == order_id,
        OutboxMessage.kind.in_([MessageKind.approaching.value, MessageKind.delayed.value]),
        OutboxMessage.channel != Channel.webhook).order_by(OutboxMessage.id.desc()).limit(1))
    payload = next(iter(rows), None)
    return _parse_time((payload or {}).get("eta"))


def _window_end(order: Order, details: dict) -> datetime | None:
    given = _parse_time(details.get("window_end"))
    if given is not None:
        return given
    return order.time_windows[-1].end_at if order.time_windows else None


def is_delay(order: Order, details: dict) -> bool:
    """A customer hears of a delay when the new ETA first crosses the end of their window, or when it moved
    later than the last ETA they were told by more than NOTIFY_DELAY_THRESHOLD_S."""
    eta = _parse_time(details.get("eta"))
    if eta is None:
        return False
    told = _last_told_eta(order.id)
    threshold = timedelta(seconds=current_app.config["NOTIFY_DELAY_THRESHOLD_S"])
    if told is not None and eta - told > threshold:
        return True
    window_end = _window_end(order, details)
    return window_end is not None and eta > window_end and (told is None or told <= window_end)


def message_kind_for(order: Order, event: OrderEvent) -> MessageKind | None:
    if event.type == "status":
        return {"dispatched": MessageKind.scheduled, "out_for_delivery": MessageKind.out_for_delivery,
                "delivered": MessageKind.delivered, "failed": MessageKind.failed}.get(event.to_status or "")
    if order.status in FINISHED_ORDER:
        return None
    if event.type == "next_stop":
        return MessageKind.approaching
    if event.type == "eta_changed" and is_delay(order, event.details or {}):
        return MessageKind.delayed
    return None


def _timezone(order: Order) -> ZoneInfo:
    depot = db.session.get(Depot, order.depot_id) if order.depot_id else None
    try:
        return ZoneInfo(depot.timezone if depot else current_app.config["TIMEZONE"])
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def tracking_url(order: Order) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/t/{order.tracking_token}"


def _parse_quiet_hours(text) -> tuple[time, time] | None:
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        return None
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        return None
    return time(h1, m1), time(h2, m2)


def quiet_hours_for(org: Organization) -> tuple[time, time] | None:
    settings = org.settings or {}
    if "quiet_hours" in settings:
        return _parse_quiet_hours(settings.get("quiet_hours"))
    return _parse_quiet_hours(current_app.config.get("NOTIFY_QUIET_HOURS"))


def after_quiet_hours(moment: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """`moment` itself when it is outside the quiet hours, else the moment they end (in the depot's zone)."""
    if quiet is None:
        return moment
    start, end = quiet
    local = moment.astimezone(tz)
    clock = local.time()
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return moment
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tz).astimezone(moment.tzinfo)


def _delivery_attempt(order_id: int) -> int:
    return 1 + db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order_id, OrderEvent.type == "status", OrderEvent.to_status == "rescheduled"))


def _template(org_id: int, kind: str, language: str) -> tuple[str, str]:
    own = db.session.scalar(select(MessageTemplate).where(
        MessageTemplate.org_id == org_id, MessageTemplate.kind == kind, MessageTemplate.language == language))
    default_subject, default_body = templates.DEFAULTS[kind][language]
    if own is None:
        return default_subject, default_body
    return own.subject or default_subject, own.body


def render_message(order: Order, org: Organization, kind: MessageKind, language: str, *,
                   eta: datetime | None, reason: str | None) -> tuple[str, str]:
    tz = _timezone(order)
    window = order.time_windows[0] if order.time_windows else None
    recipient = order.recipient
    name = recipient.name if recipient else ""
    values = {
        "recipient_name": name, "first_name": name.split()[0] if name.split() else name, "org_name": org.name,
        "order_ref": order.external_ref,
        "window": templates.format_window(window.start_at if window else None, window.end_at if window else None,
                                          tz, language),
        "eta": templates.format_eta(eta, tz, language), "tracking_url": tracking_url(order),
        "reason": templates.reason_text(reason, language),
    }
    subject, body = _template(org.id, kind.value, language)
    return templates.render(subject, values), templates.render(body, values)


def _insert(rows: list[dict]) -> None:
    from backend.notify.sms_segments import segments

    for row in rows:
        row["sms_segments"] = segments(row.get("body") or "") if row.get("channel") is Channel.sms else 0
    if rows:
        db.session.execute(insert_ignoring_conflict(OutboxMessage, ["dedupe_key"]), rows)
        db.session.info[_WAKE] = True


def _row(org: Organization, order: Order, event: OrderEvent, channel: Channel, kind: str, dedupe_key: str,
         *, now: datetime, not_before: datetime, **fields) -> dict:
    return {"org_id": org.id, "order_id": order.id, "event_id": event.id, "channel": channel, "kind": kind,
            "dedupe_key": dedupe_key[:200],
            "status": OutboxStatus.suppressed if org.is_practice else OutboxStatus.pending,
            "attempts": 0, "next_attempt_at": not_before, "created_at": now, "updated_at": now,
            "destination": "", "language": "en", "subject": "", "body": "", "payload": {}, "recipient_id": None,
            "subscription_id": None, "webhook_id": None, **fields}


def _customer_rows(org: Organization, order: Order, event: OrderEvent, now: datetime) -> list[dict]:
    kind = message_kind_for(order, event)
    recipient: Recipient | None = order.recipient
    if kind is None or recipient is None:
        return []
    details = event.details or {}
    eta = _parse_time(details.get("eta")) if kind in (MessageKind.approaching, MessageKind.delayed) else None
    language = templates.language_of(recipient.language)
    subject, body = render_message(order, org, kind, language, eta=eta, reason=details.get("reason"))
    key = f"order:{order.id}:{_delivery_attempt(order.id)}:{kind.value}"
    if kind is MessageKind.delayed and eta is not None:
        key += "@" + eta.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    tz = _timezone(order)
    not_before = after_quiet_hours(now, quiet_hours_for(org), tz)
    payload = {"url": tracking_url(order), "kind": kind.value}
    if eta is not None:
        payload["eta"] = eta.isoformat()
    common = dict(recipient_id=recipient.id, language=language, subject=subject, body=body, payload=payload,
                  now=now, not_before=not_before)
    rows = []
    config = current_app.config
    if recipient.phone and not recipient.opt_out_sms and available("sms", config):
        rows.append(_row(org, order, event, Channel.sms, kind.value, f"{key}:sms", destination=recipient.phone,
                         **common))
    if recipient.email and not recipient.opt_out_email and available("email", config):
        rows.append(_row(org, order, event, Channel.email, kind.value, f"{key}:email",
                         destination=recipient.email, **common))
    if not recipient.opt_out_push:
        for subscription in db.session.scalars(select(PushSubscription).where(
                PushSubscription.order_id == order.id).order_by(PushSubscription.id)):
            rows.append(_row(org, order, event, Channel.push, kind.value, f"{key}:push:{subscription.id}",
                             destination=subscription.endpoint, subscription_id=subscription.id, **common))
    return rows


def webhook_payload(order: Order, event: OrderEvent, event_type: str) -> dict:
    """The body integrations receive: stable ids and business fields, no internal actor details."""
    return {
        "id": f"evt_{event.id}", "type": event_type, "created_at": (event.recorded_at or utcnow()).isoformat(),
        "data": {"order_id": order.id, "external_ref": order.external_ref, "status": order.status.value,
                 "event": {"type": event.type, "from_status": event.from_status, "to_status": event.to_status,
                           "at": event.at.isoformat() if event.at else None, "details": event.details or {}},
                 "tracking_url": tracking_url(order)},
    }


def _webhook_rows(org: Organization, order: Order, event: OrderEvent, now: datetime) -> list[dict]:
    event_type = WEBHOOK_EVENTS.get(event.type)
    if event_type is None:
        return []
    rows = []
    for hook in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id,
                                                                 WebhookEndpoint.active.is_(True))):
        if event_type in (hook.event_types or []) or "*" in (hook.event_types or []):
            rows.append(_row(org, order, event, Channel.webhook, event_type, f"webhook:{hook.id}:{event.id}",
                             now=now, not_before=now, webhook_id=hook.id, destination=hook.url,
                             payload=webhook_payload(order, event, event_type)))
    return rows


def queue_user_push(org_id: int, user_id: int, kind: str, title: str, body: str, dedupe_key: str, *,
                    url: str | None = None) -> int:
    """Push a message to every browser a staff member or driver subscribed (e.g. "your route was published").

    For other domains' services: written in the caller's transaction (no commit), sent after it commits;
    `dedupe_key` names the fact ("route:12:published") so the same fact never pushes twice. Practice
    organizations send nothing. Returns how many browsers it will go to.
    """
    org = db.session.get(Organization, org_id)
    if org is None:
        return 0
    now = utcnow()
    rows = [{"org_id": org_id, "order_id": None, "event_id": None, "recipient_id": None, "webhook_id": None,
             "subscription_id": subscription.id, "channel": Channel.push, "kind": kind[:40],
             "dedupe_key": f"user:{user_id}:{dedupe_key}:push:{subscription.id}"[:200],
             "status": OutboxStatus.suppressed if org.is_practice else OutboxStatus.pending, "attempts": 0,
             "next_attempt_at": now, "created_at": now, "updated_at": now, "destination": subscription.endpoint,
             "language": "en", "subject": title[:300], "body": body, "payload": {"url": url} if url else {}}
            for subscription in db.session.scalars(select(PushSubscription).where(
                PushSubscription.org_id == org_id, PushSubscription.user_id == user_id).order_by(PushSubscription.id))]
    _insert(rows)
    return len(rows)


def on_order_event(order: Order, event: OrderEvent) -> None:
    """The lifecycle listener: write what this event says to customers and integrations (no commit)."""
    org = db.session.get(Organization, order.org_id)
    if org is None:
        return
    now = utcnow()
    _insert(_customer_rows(org, order, event, now) + _webhook_rows(org, order, event, now))


def install() -> None:
    """Hook the outbox into the order lifecycle (idempotent)."""
    from backend.orders import lifecycle

    if on_order_event not in lifecycle.EVENT_LISTENERS:
        lifecycle.EVENT_LISTENERS.append(on_order_event)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_WAKE, False):
        try:
            from backend.notify.jobs import drain_outbox

            drain_outbox()
        except Exception:  # the periodic drain picks the rows up anyway
            log.exception("could not queue the notification drain")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WAKE, None)


# --- sending (job workers only) ------------------------------------------------------------------

def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = min(config["NOTIFY_RETRY_BASE_S"] * (2 ** max(attempts - 1, 0)), config["NOTIFY_RETRY_MAX_S"])
    return timedelta(seconds=seconds)


def _due_clause(now: datetime):
    return or_(and_(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.lease_until < now))


def claim_due(limit: int | None = None, *, owner: str | None = None) -> tuple[str, list[int]]:
    """Take up to `limit` due rows for this worker: pending and due, or sending with an expired lease.

    Each row is taken by a conditional UPDATE that re-checks the condition, so two workers never both
    take one row (PostgreSQL re-evaluates it after the other's commit; SQLite has one writer). Commits.
    """
    owner = owner or uuid.uuid4().hex
    now = utcnow()
    limit = limit or current_app.config["NOTIFY_BATCH_SIZE"]
    lease = timedelta(seconds=current_app.config["NOTIFY_LEASE_S"])
    candidates = list(db.session.scalars(select(OutboxMessage.id).where(_due_clause(now))
                                         .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    claimed = []
    for row_id in candidates:
        result = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, _due_clause(now))
            .values(status=OutboxStatus.sending, lease_until=now + lease, lease_owner=owner,
                    attempts=OutboxMessage.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(row_id)
    db.session.commit()
    return owner, claimed


def _finish(row_id: int, owner: str, **values) -> bool:
    """Record the outcome and release the lease in one UPDATE, only while this worker still holds it."""
    values.setdefault("lease_until", None)
    values.setdefault("lease_owner", None)
    values["updated_at"] = utcnow()
    result = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id,
                                                            OutboxMessage.lease_owner == owner)
                                .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox row %s: lease lost before its outcome was recorded", row_id)
    return result.rowcount == 1


def _why_not_send(row: OutboxMessage, org: Organization | None) -> tuple[OutboxStatus, str] | None:
    """Checks made again at send time: the world may have changed since the row was written."""
    if org is None or org.is_practice:
        return OutboxStatus.suppressed, "Practice organization: nothing leaves the system."
    if row.channel is Channel.webhook:
        hook = db.session.get(WebhookEndpoint, row.webhook_id) if row.webhook_id else None
        if hook is None or not hook.active:
            return OutboxStatus.cancelled, "The webhook endpoint was disabled or deleted."
        return None
    if row.channel is Channel.push and row.recipient_id is None:  # a message to staff (a user's browser)
        if row.subscription_id is None or db.session.get(PushSubscription, row.subscription_id) is None:
            return OutboxStatus.cancelled, "The push subscription was removed."
        return None
    order = db.session.get(Order, row.order_id) if row.order_id else None
    if order is None:
        return OutboxStatus.cancelled, "The order no longer exists."
    if row.kind in TIME_SENSITIVE and order.status in FINISHED_ORDER:
        return OutboxStatus.cancelled, f"Superseded: the order is already {order.status.value}."
    if order.status is OrderStatus.cancelled and row.kind != MessageKind.failed.value:
        return OutboxStatus.cancelled, "The order was cancelled."
    recipient = db.session.get(Recipient, row.recipient_id) if row.recipient_id else None
    if recipient is None:
        return OutboxStatus.cancelled, "The recipient no longer exists."
    opted_out = {Channel.sms: recipient.opt_out_sms, Channel.email: recipient.opt_out_email,
                 Channel.push: recipient.opt_out_push}[row.channel]
    if opted_out:
        return OutboxStatus.cancelled, f"The recipient opted out of {row.channel.value}."
    if row.channel is Channel.push:
        subscription = db.session.get(PushSubscription, row.subscription_id) if row.subscription_id else None
        if subscription is None:
            return OutboxStatus.cancelled, "The push subscription was removed."
    return None


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    extra = {}
    if row.channel is Channel.push:
        subscription = db.session.get(PushSubscription, row.subscription_id)
        extra = {"p256dh": subscription.p256dh, "auth": subscription.auth}
        destination = subscription.endpoint
    elif row.channel is Channel.webhook:
        hook = db.session.get(WebhookEndpoint, row.webhook_id)
        extra = {"secret": hook.secret}
        destination = hook.url
    else:
        destination = row.destination
    return OutgoingMessage(id=row.id, channel=row.channel.value, kind=row.kind, dedupe_key=row.dedupe_key,
                           destination=destination, subject=row.subject, body=row.body, payload=dict(row.payload or {}),
                           extra=extra)


def _retry_time(row: OutboxMessage, org: Organization) -> datetime:
    moment = utcnow() + _backoff(row.attempts)
    if row.channel is Channel.webhook or row.order_id is None:
        return moment
    order = db.session.get(Order, row.order_id)
    return after_quiet_hours(moment, quiet_hours_for(org), _timezone(order)) if order else moment


def send_one(row_id: int, owner: str) -> OutboxStatus | None:
    """Send one claimed row and record the outcome. Returns the row's new status."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None or row.lease_owner != owner:
        return None
    org = db.session.get(Organization, row.org_id)
    refused = _why_not_send(row, org)
    if refused is not None:
        status, why = refused
        _finish(row_id, owner, status=status, last_error=why)
        return status
    message = _outgoing(row)
    channel, attempts, max_attempts = row.channel, row.attempts, current_app.config["NOTIFY_MAX_ATTEMPTS"]
    retry_at = _retry_time(row, org)
    subscription_id = row.subscription_id
    # Nothing may be held open while a provider is called: end the read transaction first.
    db.session.commit()
    try:
        sender = sender_for(channel.value, current_app.config)
        if sender is None:
            raise PermanentError(f"The {channel.value} channel is not configured.")
        result = sender.send(message)
    except TransientError as exc:
        if attempts >= max_attempts:
            _finish(row_id, owner, status=OutboxStatus.failed, last_error=f"Gave up after {attempts} attempts: {exc}"[:500],
                    response_code=exc.response_code)
            return OutboxStatus.failed
        _finish(row_id, owner, status=OutboxStatus.pending, next_attempt_at=retry_at, last_error=str(exc)[:500],
                response_code=exc.response_code)
        return OutboxStatus.pending
    except (PermanentError, SendError) as exc:
        _finish(row_id, owner, status=OutboxStatus.failed, last_error=str(exc)[:500], response_code=exc.response_code)
        if isinstance(exc, PermanentError) and exc.gone and channel is Channel.push and subscription_id:
            _remove_subscription(subscription_id)
        return OutboxStatus.failed
    except Exception as exc:  # a bug in a sender: keep the row retrying, and the trace in the log
        log.exception("sending outbox row %s failed unexpectedly", row_id)
        status = OutboxStatus.failed if attempts >= max_attempts else OutboxStatus.pending
        _finish(row_id, owner, status=status, next_attempt_at=retry_at, last_error=f"internal: {exc}"[:500])
        return status
    _finish(row_id, owner, status=OutboxStatus.sent, sent_at=utcnow(), provider_ref=result.provider_ref,
            response_code=result.response_code, last_error=None)
    return OutboxStatus.sent


def _remove_subscription(subscription_id: int) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.subscription_id == subscription_id,
                                                   OutboxMessage.status == OutboxStatus.pending)
                       .values(status=OutboxStatus.cancelled, last_error="The push subscription is gone.",
                               updated_at=utcnow()).execution_options(synchronize_session=False))
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is not None:
        db.session.delete(subscription)
    db.session.commit()


def deliver_due(limit: int | None = None) -> dict:
    """One pass of a worker: claim what is due and send it. Returns counts per outcome."""
    owner, claimed = claim_due(limit)
    counts: dict[str, int] = {}
    for row_id in claimed:
        status = send_one(row_id, owner)
        if status is not None:
            counts[status.value] = counts.get(status.value, 0) + 1
    counts["claimed"] = len(claimed)
    return counts


def next_due_in() -> float | None:
    """Seconds until the next pending row (or expired lease) is due, None when nothing waits."""
    now = utcnow()
    pending = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                                .where(OutboxMessage.status == OutboxStatus.pending))
    leased = db.session.scalar(select(func.min(OutboxMessage.lease_until))
                               .where(OutboxMessage.status == OutboxStatus.sending))
    moments = [m for m in (pending, leased) if m is not None]
    db.session.commit()
    if not moments:
        return None
    return max((min(moments) - now).total_seconds(), 0.0)


# --- push subscriptions --------------------------------------------------------------------------

def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(org_id: int, endpoint: str, p256dh: str, auth: str, *, order_id: int | None = None,
              user_id: int | None = None) -> PushSubscription:
    """A browser subscribes once per owner; subscribing again refreshes its keys. Commits."""
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
    db.session.commit()
    return existing


def unsubscribe_user(org_id: int, user_id: int, endpoint: str) -> None:
    found = db.session.scalars(select(PushSubscription).where(
        PushSubscription.org_id == org_id, PushSubscription.user_id == user_id,
        PushSubscription.endpoint_hash == _endpoint_hash(endpoint))).all()
    if not found:
        raise NotFound("No such subscription.")
    for subscription in found:
        db.session.delete(subscription)
    db.session.commit()


def vapid_public_key() -> str:
    from backend.notify.channels import webpush

    return webpush.public_key_b64(webpush.load_or_create_key(current_app.config["INSTANCE_PATH"]))


# --- SMS provider callbacks ----------------------------------------------------------------------

_TWILIO_FINAL = {"delivered": OutboxStatus.delivered, "undelivered": OutboxStatus.failed,
                 "failed": OutboxStatus.failed}


def record_sms_status(message_sid: str, provider_status: str, error_code: str | None = None) -> OutboxMessage | None:
    """Twilio's delivery report. Callbacks may arrive out of order: a final state is never undone. Commits."""
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_ref == message_sid,
                                                        OutboxMessage.channel == Channel.sms))
    if row is None:
        return None
    if row.status in (OutboxStatus.delivered, OutboxStatus.failed):
        return row
    row.provider_status = provider_status[:40]
    final = _TWILIO_FINAL.get(provider_status)
    if final is OutboxStatus.delivered:
        row.status, row.delivered_at = final, utcnow()
    elif final is OutboxStatus.failed:
        row.status = final
        row.last_error = f"The carrier did not deliver it (Twilio error {error_code or 'unknown'})."
    db.session.commit()
    return row


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
START_WORDS = {"START", "YES", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO", "AIDE"}


def _recipients_with_phone(phone: str) -> list[Recipient]:
    return list(db.session.scalars(select(Recipient).where(Recipient.phone == phone).order_by(Recipient.id)))


def handle_inbound_sms(from_phone: str, body: str, message_sid: str | None) -> tuple[str, str | None]:
    """A customer's text to our number. STOP/START change the SMS opt-out of every recipient with that phone
    (the number is shared by the whole installation, and STOP means "no more texts from this number");
    HELP answers; anything else goes to the dispatchers of the organization that last texted them.
    Returns (what happened, the reply to send or None). Commits."""
    word = (body or "").strip().split()[0].upper() if (body or "").strip() else ""
    recipients = _recipients_with_phone(from_phone)
    if word in STOP_WORDS or word in START_WORDS:
        opt_out = word in STOP_WORDS
        for recipient in recipients:
            recipient.opt_out_sms = opt_out
        if opt_out:
            ids = [r.id for r in recipients]
            if ids:
                db.session.execute(update(OutboxMessage).where(
                    OutboxMessage.recipient_id.in_(ids), OutboxMessage.channel == Channel.sms,
                    OutboxMessage.status == OutboxStatus.pending).values(
                        status=OutboxStatus.cancelled, last_error="The recipient replied STOP.", updated_at=utcnow())
                    .execution_options(synchronize_session=False))
        db.session.commit()
        if opt_out:
            return "opted_out", "You will receive no more delivery texts. Reply START to receive them again."
        return "opted_in", "Delivery texts are back on. Reply STOP to stop them."
    if word in HELP_WORDS:
        return "help", ("Delivery updates. Reply STOP to stop texts, START to resume. For your delivery, use the "
                        "tracking link we sent you.")
    last = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == Channel.sms,
                                                         OutboxMessage.destination == from_phone)
                             .order_by(OutboxMessage.id.desc()).limit(1))
    targets = [(last.org_id, last.recipient_id, last.order_id)] if last is not None else \
        [(r.org_id, r.id, None) for r in recipients]
    from backend.realtime import emit, rooms

    for org_id, recipient_id, order_id in dict.fromkeys(targets):
        record = InboundMessage(org_id=org_id, from_phone=from_phone, body=(body or "")[:2000],
                                recipient_id=recipient_id, order_id=order_id, provider_ref=message_sid)
        db.session.add(record)
        db.session.flush()
        emit.queue_emit(db.session, "alert", inbound_alert_payload(record), rooms.dispatch(org_id))
    db.session.commit()
    return ("forwarded" if targets else "unmatched"), None


def inbound_alert_payload(record: InboundMessage) -> dict:
    return {"type": "customer_reply", "id": record.id, "order_id": record.order_id,
            "recipient_id": record.recipient_id, "from": record.from_phone, "body": record.body,
            "at": record.received_at.isoformat() if record.received_at else None}


def inbound_statement(org_id: int, order_id: int | None = None):
    statement = select(InboundMessage).where(InboundMessage.org_id == org_id).order_by(InboundMessage.id.desc())
    if order_id is not None:
        statement = statement.where(InboundMessage.order_id == order_id)
    return statement


# --- what the dispatcher sees --------------------------------------------------------------------

def order_notifications(org_id: int, order_id: int) -> list[OutboxMessage]:
    if db.session.scalar(select(Order.id).where(Order.org_id == org_id, Order.id == order_id)) is None:
        raise NotFound("No such order.")
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.org_id == org_id, OutboxMessage.order_id == order_id,
        OutboxMessage.channel != Channel.webhook).order_by(OutboxMessage.id)))


def notifications_statement(org_id: int, *, status=None, channel=None, kind=None, order_id=None, since=None,
                            until=None):
    statement = select(OutboxMessage).where(OutboxMessage.org_id == org_id).order_by(OutboxMessage.id.desc())
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


# --- templates -----------------------------------------------------------------------------------

def effective_templates(org_id: int) -> list[dict]:
    own = {(t.kind, t.language): t for t in db.session.scalars(
        select(MessageTemplate).where(MessageTemplate.org_id == org_id))}
    result = []
    for kind in MessageKind:
        for language in templates.LANGUAGES:
            default_subject, default_body = templates.DEFAULTS[kind.value][language]
            mine = own.get((kind.value, language))
            result.append({"kind": kind.value, "language": language, "custom": mine is not None,
                           "subject": (mine.subject or default_subject) if mine else default_subject,
                           "body": mine.body if mine else default_body})
    return result


def set_template(org_id: int, kind: str, language: str, body: str | None, subject: str | None) -> list[dict]:
    """An organization words a message its own way; an empty body goes back to the built-in text. Commits."""
    mine = db.session.scalar(select(MessageTemplate).where(
        MessageTemplate.org_id == org_id, MessageTemplate.kind == kind, MessageTemplate.language == language))
    if not body:
        if mine is not None:
            db.session.delete(mine)
    else:
        problems = {name: templates.check_template(text) for name, text in (("body", body), ("subject", subject or ""))}
        problems = {name: found for name, found in problems.items() if found}
        if problems:
            raise InvalidInput("The template uses something it cannot.", fields=problems)
        if mine is None:
            mine = MessageTemplate(org_id=org_id, kind=kind, language=language, body=body)
            db.session.add(mine)
        mine.body, mine.subject = body, subject or ""
    db.session.commit()
    return effective_templates(org_id)


# --- webhooks ------------------------------------------------------------------------------------

def _check_event_types(event_types: list[str]) -> None:
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENT_TYPES) - {"*"})
    if unknown:
        raise InvalidInput("Unknown event types.", fields={"event_types": [
            f"Unknown: {', '.join(unknown)}. Known: {', '.join(WEBHOOK_EVENT_TYPES)} or *."]})


def create_webhook(org_id: int, data: dict) -> WebhookEndpoint:
    _check_event_types(data["event_types"])
    hook = WebhookEndpoint(org_id=org_id, url=data["url"], description=data.get("description", ""),
                           event_types=sorted(set(data["event_types"])), active=data.get("active", True),
                           secret="whsec_" + secrets.token_urlsafe(32))
    db.session.add(hook)
    db.session.commit()
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


def update_webhook(org_id: int, webhook_id: int, data: dict) -> WebhookEndpoint:
    hook = get_webhook(org_id, webhook_id)
    if "event_types" in data:
        _check_event_types(data["event_types"])
        hook.event_types = sorted(set(data["event_types"]))
    for name in ("url", "description", "active"):
        if name in data:
            setattr(hook, name, data[name])
    if data.get("rotate_secret"):
        hook.secret = "whsec_" + secrets.token_urlsafe(32)
    db.session.commit()
    return hook


def delete_webhook(org_id: int, webhook_id: int) -> None:
    db.session.delete(get_webhook(org_id, webhook_id))
    db.session.commit()


def deliveries_statement(org_id: int, webhook_id: int, status=None):
    get_webhook(org_id, webhook_id)
    statement = select(OutboxMessage).where(OutboxMessage.org_id == org_id, OutboxMessage.webhook_id == webhook_id,
                                            OutboxMessage.channel == Channel.webhook).order_by(OutboxMessage.id.desc())
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return statement
