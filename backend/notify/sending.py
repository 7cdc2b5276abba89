"""Sending the outbox (job workers only): claim a due row, send it, record the outcome; one row at a time.

The delivery promise
- **At least once.** A row is claimed (pending -> sending) with a lease of its own, sent, and recorded as
  sent by the same UPDATE that releases the lease. A row is never lost: a worker that dies leaves its row
  to be taken again when the lease (NOTIFY_LEASE_S) runs out.
- **Exactly once while the workers live**, however slow the provider: the worker renews its row's lease
  every NOTIFY_LEASE_S / 3 seconds while the provider call is in flight, so no other worker can take a
  row that is being sent, and each worker holds one row at a time (no batch of leases left to expire
  while the rows before them are sent).
- **At most one extra send per worker death.** A worker killed after the provider accepted a message and
  before the outcome was recorded leaves a row that another worker sends again: that message goes out
  twice. Providers soften it where they can: web push carries a Topic (the push service replaces, not
  stacks, an undelivered copy), webhooks a stable X-Lastmile-Delivery id, emails a stable Message-ID.
  Twilio has no idempotency key.
- **Attempts are capped, reclaims included.** Every claim counts as an attempt, and a row is claimed only
  while its attempts are under NOTIFY_MAX_ATTEMPTS: a message whose worker keeps dying (or that keeps
  failing) is marked failed instead of looping.

Other rules
- Retries: a transient failure (network, 5xx, 429) waits NOTIFY_RETRY_BASE_S * 2^(attempt-1), capped at
  NOTIFY_RETRY_MAX_S, up to NOTIFY_MAX_ATTEMPTS; a permanent one (bad number, 4xx) fails at once; a push
  subscription the service says is gone (404/410) is deleted.
- Checks made again at send time (_why_not_send): practice organizations, opt-outs, removed endpoints, and
  time-sensitive kinds ("approaching", "delayed", "out_for_delivery", "scheduled") overtaken by the order
  being delivered, failed or cancelled are cancelled, not sent late.
- Customer messages are then worded for the moment they go out, capped per order and day and spaced per
  person (backend/notify/freshness.py: what is re-worded, what is dropped, what waits).
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from backend.auth.models import Organization
from backend.database import utcnow
from backend.extensions import db
from backend.notify import freshness, receipts
from backend.notify.channels import OutgoingMessage, PermanentError, SendError, TransientError, sender_for
from backend.notify.models import REPLY_KIND, Channel, MessageKind, OutboxMessage, OutboxStatus, PushSubscription, WebhookEndpoint
from backend.notify.outbox import FINISHED_ORDER, TIME_SENSITIVE
from backend.notify.quiet_hours import after_quiet_hours, quiet_hours_for
from backend.notify.rendering import depot_timezone
from backend.orders.enums import OrderStatus
from backend.orders.models import Order, Recipient
from backend.unit_of_work import transactional, unit_of_work

log = logging.getLogger(__name__)


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = min(config["NOTIFY_RETRY_BASE_S"] * (2 ** max(attempts - 1, 0)), config["NOTIFY_RETRY_MAX_S"])
    return timedelta(seconds=seconds)


def _due_clause(now: datetime, max_attempts: int):
    """Due: pending and its time has come, or sending with a lease that ran out (its worker died) — either
    way with attempts left."""
    return and_(OutboxMessage.attempts < max_attempts,
                or_(and_(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now),
                    and_(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.lease_until < now)))


@transactional
def claim_next(owner: str) -> int | None:
    """Take the next due row for this worker, or None when nothing is due.

    The row is taken by a conditional UPDATE that re-checks the condition, so two workers never both
    take one row (PostgreSQL re-evaluates it after the other's commit; SQLite has one writer).
    """
    now = utcnow()
    config = current_app.config
    max_attempts = config["NOTIFY_MAX_ATTEMPTS"]
    lease = timedelta(seconds=config["NOTIFY_LEASE_S"])
    candidates = list(db.session.scalars(select(OutboxMessage.id).where(_due_clause(now, max_attempts))
                                         .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(8)))
    for row_id in candidates:
        result = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, _due_clause(now, max_attempts))
            .values(status=OutboxStatus.sending, lease_until=now + lease, lease_owner=owner,
                    attempts=OutboxMessage.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            return row_id
    return None


@transactional
def give_up_exhausted() -> int:
    """Rows that ran out of attempts without an outcome — their last worker died while sending — fail."""
    now = utcnow()
    max_attempts = current_app.config["NOTIFY_MAX_ATTEMPTS"]
    result = db.session.execute(
        update(OutboxMessage).where(
            OutboxMessage.attempts >= max_attempts,
            or_(OutboxMessage.status == OutboxStatus.pending,
                and_(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.lease_until < now)))
        .values(status=OutboxStatus.failed, lease_until=None, lease_owner=None, updated_at=now,
                last_error=f"Gave up after {max_attempts} attempts: the worker sending it stopped each time.")
        .execution_options(synchronize_session=False))
    if result.rowcount:
        log.warning("outbox: %s message(s) gave up after %s attempts", result.rowcount, max_attempts)
    return result.rowcount


@contextmanager
def _lease_renewed(row_id: int, owner: str):
    """Keep this worker's lease on the row alive while the provider is being called (a real thread with its
    own connection: the sending thread is blocked in the call)."""
    engine = db.engine
    seconds = float(current_app.config["NOTIFY_LEASE_S"])
    table = OutboxMessage.__table__
    done = threading.Event()

    def renew():
        while not done.wait(seconds / 3):
            try:
                with engine.begin() as connection:
                    kept = connection.execute(table.update().where(
                        table.c.id == row_id, table.c.lease_owner == owner, table.c.status == OutboxStatus.sending)
                        .values(lease_until=utcnow() + timedelta(seconds=seconds)))
                if kept.rowcount != 1:
                    return
            except Exception:  # the next renewal may get through; the lease is three renewals long
                log.exception("outbox row %s: could not renew its lease", row_id)

    keeper = threading.Thread(target=renew, name=f"outbox-lease-{row_id}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join(timeout=5)


@transactional
def _finish(row_id: int, owner: str, **values) -> bool:
    """Record the outcome and release the lease in one UPDATE, only while this worker still holds it."""
    values.setdefault("lease_until", None)
    values.setdefault("lease_owner", None)
    values["updated_at"] = utcnow()
    result = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id,
                                                            OutboxMessage.lease_owner == owner)
                                .values(**values).execution_options(synchronize_session=False))
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
    if row.order_id is None and row.recipient_id is None:  # to a person of the organization (queue_staff_message)
        return None
    order = db.session.get(Order, row.order_id) if row.order_id else None
    if order is None:
        return OutboxStatus.cancelled, "The order no longer exists."
    if row.kind in TIME_SENSITIVE and order.status in FINISHED_ORDER:
        return OutboxStatus.cancelled, f"Superseded: the order is already {order.status.value}."
    if order.status is OrderStatus.cancelled and row.kind not in (MessageKind.failed.value, REPLY_KIND):
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


def _attachments(row: OutboxMessage, org: Organization) -> tuple:
    """The receipt rides with the "delivered" email when the organization asks for it (backend/notify/receipts.py);
    a receipt that cannot be drawn is logged and the email still goes."""
    if row.channel is not Channel.email or row.kind != MessageKind.delivered.value or not receipts.wanted_in_email(org):
        return ()
    order = db.session.get(Order, row.order_id) if row.order_id else None
    if order is None or order.status is not OrderStatus.delivered:
        return ()
    try:
        return ((receipts.file_name(order), "application/pdf", receipts.receipt(order)),)
    except Exception:
        log.exception("outbox row %s: the receipt could not be drawn; the email goes without it", row.id)
        return ()


def _outgoing(row: OutboxMessage, org: Organization) -> OutgoingMessage:
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
                           extra=extra, attachments=_attachments(row, org))


def _retry_time(row: OutboxMessage, org: Organization) -> datetime:
    moment = utcnow() + _backoff(row.attempts)
    if row.channel is Channel.webhook or row.order_id is None or row.kind in freshness.ASKED_FOR:
        return moment
    order = db.session.get(Order, row.order_id)
    return after_quiet_hours(moment, quiet_hours_for(org), depot_timezone(order)) if order else moment


def send_one(row_id: int, owner: str) -> OutboxStatus | None:
    """Send one claimed row and record the outcome. Returns the row's new status."""
    # Nothing may be held open while a provider is called: what sending needs is read in a transaction
    # of its own, ended before the call.
    waiting = None
    with unit_of_work():
        row = db.session.get(OutboxMessage, row_id)
        if row is None or row.lease_owner != owner:
            return None
        org = db.session.get(Organization, row.org_id)
        refused = _why_not_send(row, org)
        if refused is None and row.recipient_id is not None and row.order_id is not None:
            verdict = freshness.decide(row, db.session.get(Order, row.order_id), org, utcnow())
            if verdict.action == "cancel":
                refused = OutboxStatus.cancelled, verdict.why
            elif verdict.action == "wait":
                waiting = verdict
        if refused is None and waiting is None:
            message = _outgoing(row, org)
            channel, attempts, max_attempts = row.channel, row.attempts, current_app.config["NOTIFY_MAX_ATTEMPTS"]
            retry_at = _retry_time(row, org)
            subscription_id = row.subscription_id
    if refused is not None:
        status, why = refused
        _finish(row_id, owner, status=status, last_error=why)
        return status
    if waiting is not None:  # a postponement, not an attempt
        _finish(row_id, owner, status=OutboxStatus.pending, next_attempt_at=waiting.until, last_error=waiting.why,
                attempts=OutboxMessage.attempts - 1)
        return OutboxStatus.pending
    try:
        sender = sender_for(channel.value, current_app.config)
        if sender is None:
            raise PermanentError(f"The {channel.value} channel is not configured.")
        with _lease_renewed(row_id, owner):
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


@transactional
def _remove_subscription(subscription_id: int) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.subscription_id == subscription_id,
                                                   OutboxMessage.status == OutboxStatus.pending)
                       .values(status=OutboxStatus.cancelled, last_error="The push subscription is gone.",
                               updated_at=utcnow()).execution_options(synchronize_session=False))
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is not None:
        db.session.delete(subscription)


def deliver_due(limit: int | None = None) -> dict:
    """One pass of a worker: send what is due, one row at a time, up to `limit` rows (NOTIFY_BATCH_SIZE).
    Returns counts per outcome."""
    owner = uuid.uuid4().hex
    limit = limit or current_app.config["NOTIFY_BATCH_SIZE"]
    counts: dict[str, int] = {}
    gave_up = give_up_exhausted()
    if gave_up:
        counts["gave_up"] = gave_up
    claimed = 0
    while claimed < limit:
        row_id = claim_next(owner)
        if row_id is None:
            break
        claimed += 1
        status = send_one(row_id, owner)
        if status is not None:
            counts[status.value] = counts.get(status.value, 0) + 1
    counts["claimed"] = claimed
    return counts


def next_due_in() -> float | None:
    """Seconds until the next pending row (or expired lease) is due, None when nothing waits."""
    now = utcnow()
    pending = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                                .where(OutboxMessage.status == OutboxStatus.pending))
    leased = db.session.scalar(select(func.min(OutboxMessage.lease_until))
                               .where(OutboxMessage.status == OutboxStatus.sending))
    moments = [m for m in (pending, leased) if m is not None]
    db.session.rollback()  # a query: its read transaction ends here, nothing was written
    if not moments:
        return None
    return max((min(moments) - now).total_seconds(), 0.0)
