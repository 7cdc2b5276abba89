"""What comes back from the SMS provider: delivery reports, and customers' replies (STOP/START opt-outs,
HELP, anything else forwarded to dispatchers).

A reply lands on the order of the last text we sent to that number (else the recipient's latest order):
it is part of that order's conversation (backend/notify/conversation.py) and raises an `alert` (kind
customer_reply) in the console. A reply from a number nobody knows is kept as unmatched and shown to the
dispatchers of every organization (the SMS number is the installation's) — never dropped."""
from __future__ import annotations

from sqlalchemy import false, select, update

from backend.database import utcnow
from backend.extensions import db
from backend.auth.models import Organization
from backend.notify.models import Channel, InboundMessage, OutboxMessage, OutboxStatus, UnmatchedInboundMessage
from backend.notify.schemas import CustomerReplyAlertSchema, UnmatchedReplyAlertSchema
from backend.orders.models import Order, Recipient
from backend.unit_of_work import transactional

_TWILIO_FINAL = {"delivered": OutboxStatus.delivered, "undelivered": OutboxStatus.failed,
                 "failed": OutboxStatus.failed}


@transactional
def record_sms_status(message_sid: str, provider_status: str, error_code: str | None = None) -> OutboxMessage | None:
    """Twilio's delivery report. Callbacks may arrive out of order: a final state is never undone."""
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
    return row


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
START_WORDS = {"START", "YES", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO", "AIDE"}


def _recipients_with_phone(phone: str) -> list[Recipient]:
    return list(db.session.scalars(select(Recipient).where(Recipient.phone == phone).order_by(Recipient.id)))


@transactional
def handle_inbound_sms(from_phone: str, body: str, message_sid: str | None) -> tuple[str, str | None]:
    """A customer's text to our number. STOP/START change the SMS opt-out of every recipient with that phone
    (the number is shared by the whole installation, and STOP means "no more texts from this number");
    HELP answers; anything else goes to the dispatchers of the organization that last texted them.
    Returns (what happened, the reply to send or None)."""
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
        if opt_out:
            return "opted_out", "You will receive no more delivery texts. Reply START to receive them again."
        return "opted_in", "Delivery texts are back on. Reply STOP to stop them."
    if word in HELP_WORDS:
        return "help", ("Delivery updates. Reply STOP to stop texts, START to resume. For your delivery, use the "
                        "tracking link we sent you.")
    last = db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == Channel.sms,
                                                         OutboxMessage.destination == from_phone,
                                                         OutboxMessage.order_id.is_not(None))
                             .order_by(OutboxMessage.id.desc()).limit(1))
    targets = [(last.org_id, last.recipient_id, last.order_id)] if last is not None else \
        [(r.org_id, r.id, _latest_order_of(r)) for r in recipients]
    from backend.realtime import emit, rooms

    if not targets:
        # Nobody knows this number: kept for every organization's dispatchers, never dropped.
        unmatched = UnmatchedInboundMessage(from_phone=from_phone, body=(body or "")[:2000], provider_ref=message_sid)
        db.session.add(unmatched)
        db.session.flush()
        for org_id in db.session.scalars(select(Organization.id).where(Organization.is_practice.is_(False))):
            emit.queue_emit(db.session, "alert", UnmatchedReplyAlertSchema().dump(unmatched), rooms.dispatch(org_id))
        return "unmatched", None
    for org_id, recipient_id, order_id in dict.fromkeys(targets):
        record = InboundMessage(org_id=org_id, from_phone=from_phone, body=(body or "")[:2000],
                                recipient_id=recipient_id, order_id=order_id, provider_ref=message_sid)
        db.session.add(record)
        db.session.flush()
        emit.queue_emit(db.session, "alert", inbound_alert_payload(record), rooms.dispatch(org_id))
    return "forwarded", None


def _latest_order_of(recipient: Recipient) -> int | None:
    """A recipient we never texted: their conversation goes on their latest order."""
    return db.session.scalar(select(Order.id).where(Order.org_id == recipient.org_id,
                                                    Order.recipient_id == recipient.id)
                             .order_by(Order.id.desc()).limit(1))


def inbound_alert_payload(record: InboundMessage) -> dict:
    order = db.session.get(Order, record.order_id) if record.order_id else None
    return CustomerReplyAlertSchema().dump({
        "id": record.id, "order_id": record.order_id, "external_ref": order.external_ref if order else None,
        "recipient_id": record.recipient_id, "from_phone": record.from_phone, "body": record.body,
        "received_at": record.received_at})


def inbound_statement(org_id: int, order_id: int | None = None):
    statement = select(InboundMessage).where(InboundMessage.org_id == org_id).order_by(InboundMessage.id.desc())
    if order_id is not None:
        statement = statement.where(InboundMessage.order_id == order_id)
    return statement


def unmatched_statement(org_id: int):
    """Texts from numbers nobody knows, newest first: the installation's, shown to every organization but
    practice ones (a trainee's sandbox sees nothing of the real world)."""
    statement = select(UnmatchedInboundMessage).order_by(UnmatchedInboundMessage.id.desc())
    org = db.session.get(Organization, org_id)
    return statement.where(false()) if org is None or org.is_practice else statement
