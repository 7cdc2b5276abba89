"""Send-time rules for customer messages: worded for the moment it goes out, and nobody is flooded.

A row may wait in the outbox (quiet hours, a retry, the gap below), so what it says is decided again just
before it goes out (`decide`, called by backend/notify/sending.py with the row claimed):

- **Re-worded, never stale.** Every customer message is rendered again for the moment it is sent: a window
  that ended meanwhile is told as missed ("today, later than your 10:00 AM–12:00 PM window"), an ETA after the
  window as late ("arriving around 2:30 PM, later than your ..."). The row keeps the words actually sent.
- **A passed ETA is replaced or dropped.** An "approaching" or "delayed" message whose ETA has passed by then
  is re-worded with the order's latest ETA (its last next_stop / eta_changed event) when that one is still
  ahead; otherwise it is **dropped** (cancelled as stale): the tracking page shows the live estimate.
- **Cap per order and day.** At most NOTIFY_MAX_PER_ORDER_DAY messages per order, channel and local day
  (organization setting `notify_max_per_order_day`). The last one is kept for the outcome ("delivered" or
  "failed"), so a customer always hears how it ended; a message over the cap is cancelled. The confirmation
  of a rebooking the customer just made is not capped (they are waiting for it).
- **A dispatcher's answer** in an order's conversation (kind dispatcher_reply) goes as written, at once.
- **Gap per person.** Two messages to one destination (a phone, an address, a browser) go out at least
  NOTIFY_MIN_GAP_S apart (organization setting `notify_min_gap_s`), whatever the order: one due sooner waits
  — not counted as an attempt — and is re-worded when it goes. Rows another worker is sending count as sent
  now, so two workers do not both pass the gap.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from backend.auth.models import Organization
from backend.extensions import db
from backend.notify.models import REPLY_KIND, MessageKind, OutboxMessage, OutboxStatus
from backend.notify.rendering import depot_timezone, parse_time, render_message
from backend.notify.sms_segments import segments
from backend.orders.models import Order, OrderEvent

OUTCOMES = {MessageKind.delivered.value, MessageKind.failed.value}
# The answer to something the customer just did (they rebooked): never over the cap, they are waiting for it.
ASKED_FOR = {MessageKind.rebooked.value}
ETA_KINDS = {MessageKind.approaching.value, MessageKind.delayed.value}
_GONE = (OutboxStatus.sent, OutboxStatus.delivered)


@dataclass
class Verdict:
    action: str  # "send", "wait" or "cancel"
    why: str = ""
    until: datetime | None = None


def _setting(org: Organization, name: str, config_name: str) -> int:
    value = (org.settings or {}).get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return int(current_app.config[config_name])


def limits(org: Organization) -> tuple[int, int]:
    """(messages per order, channel and day; seconds between two messages to one destination)."""
    return (_setting(org, "notify_max_per_order_day", "NOTIFY_MAX_PER_ORDER_DAY"),
            _setting(org, "notify_min_gap_s", "NOTIFY_MIN_GAP_S"))


def latest_eta(order_id: int) -> datetime | None:
    """The order's newest estimate, as its last next_stop or eta_changed event gave it."""
    details = db.session.scalar(select(OrderEvent.details).where(
        OrderEvent.order_id == order_id, OrderEvent.type.in_(("next_stop", "eta_changed")))
        .order_by(OrderEvent.id.desc()).limit(1))
    return parse_time((details or {}).get("eta"))


def _others_to(row: OutboxMessage):
    """Customer messages, other than this one, gone or going out on the same channel to the same place."""
    return (OutboxMessage.id != row.id, OutboxMessage.recipient_id.is_not(None),
            OutboxMessage.channel == row.channel, OutboxMessage.destination == row.destination,
            or_(OutboxMessage.status.in_(_GONE), OutboxMessage.status == OutboxStatus.sending))


def _last_sent_to(row: OutboxMessage, now: datetime) -> datetime | None:
    last_sent = db.session.scalar(select(func.max(OutboxMessage.sent_at)).where(
        *_others_to(row), OutboxMessage.status.in_(_GONE)))
    in_flight = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        *_others_to(row), OutboxMessage.status == OutboxStatus.sending))
    return now if in_flight else last_sent


def _sent_today(row: OutboxMessage, order: Order, now: datetime) -> int:
    tz = depot_timezone(order)
    local_day = now.astimezone(tz).date()
    start = datetime.combine(local_day, time(0), tz)
    end = start + timedelta(days=1)
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        *_others_to(row), OutboxMessage.order_id == order.id,
        or_(OutboxMessage.status == OutboxStatus.sending,
            (OutboxMessage.sent_at >= start) & (OutboxMessage.sent_at < end))))


def decide(row: OutboxMessage, order: Order, org: Organization, now: datetime) -> Verdict:
    """Send (the row now carries the words for `now`), wait until a moment, or cancel with the reason."""
    if row.kind == REPLY_KIND:  # a dispatcher's own words in a conversation: sent as written, at once
        return Verdict("send")
    cap, gap = limits(org)
    last = _last_sent_to(row, now)
    if gap and last is not None and now - last < timedelta(seconds=gap):
        return Verdict("wait", f"Waiting {gap} s after the previous message to this person.",
                       until=last + timedelta(seconds=gap))
    allowed = cap if row.kind in OUTCOMES else cap - 1
    if row.kind not in ASKED_FOR and _sent_today(row, order, now) >= allowed:
        return Verdict("cancel", f"Over the cap of {cap} messages per order and day "
                                 f"(the last one is kept for the outcome).")
    payload = dict(row.payload or {})
    eta = parse_time(payload.get("eta")) if row.kind in ETA_KINDS else None
    if row.kind in ETA_KINDS and (eta is None or eta < now):
        fresher = latest_eta(order.id)
        if fresher is None or fresher < now:
            return Verdict("cancel", "Stale: the ETA it quoted had passed when it was due to go out; the tracking "
                                     "page shows the live estimate.")
        eta = fresher
        payload["eta"] = eta.isoformat()
    subject, body = render_message(order, org, MessageKind(row.kind), row.language, eta=eta,
                                   reason=payload.get("reason"), now=now)
    row.subject, row.body, row.payload = subject[:300], body, payload
    if row.channel.value == "sms":
        row.sms_segments = segments(body)
    return Verdict("send")
