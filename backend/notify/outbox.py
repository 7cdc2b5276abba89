"""Writing the outbox: order events become outbox rows in the event's own transaction (never commits).

Business rules
- Which events speak to the customer (message_kinds_for): dispatched -> "scheduled", out_for_delivery ->
  "out_for_delivery", next_stop -> "approaching", eta_changed -> "delayed" (see is_delay), delivered ->
  "delivered", failed -> "failed". Nothing else does. The sender of a return or a pickup-delivery pair hears
  of the collection at their address instead: "pickup_scheduled", "pickup_approaching" (the next stop is the
  pickup), "picked_up" (a pair's picked_up event, a return delivered) and "pickup_failed".
- Channels per recipient: SMS when they have a phone and did not opt out, web push for each browser that
  subscribed through the tracking link (unless opted out of push), email when they have an address, did
  not opt out and an SMTP server is configured. Opt-outs are checked again just before sending.
- Dedupe: one row per (order, delivery attempt, message kind, channel, destination) — a unique key, so a
  listener that runs twice for the same fact writes nothing new, and a customer hears at most one
  "approaching" and one "delayed" per delivery attempt: later changes update the tracking page only.
  The delivery attempt counts reschedules, so a failed order re-delivered another day is announced again.
- What a row says is decided again when it is sent (backend/notify/freshness.py): re-worded for that moment,
  dropped when its ETA has passed, capped per order and day, spaced per person.
- Practice organizations never send anything outside: rows are written as `suppressed` (the trainee sees
  what would have gone out) and the sender refuses them again at send time.
- A customer message due inside quiet hours waits until they end (backend/notify/quiet_hours.py), except the
  answer to what the customer just did (a rebooking's confirmation).
- A commit that wrote rows wakes a drain job (backend/notify/jobs.py); a periodic sweep catches the rest.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from backend.auth.models import Organization
from backend.database import insert_ignoring_conflict, utcnow
from backend.errors import Conflict
from backend.extensions import db
from backend.notify import freshness, templates, webhooks
from backend.notify.channels import available
from backend.notify.models import Channel, MessageKind, OutboxMessage, OutboxStatus, PushSubscription, WebhookEndpoint
from backend.notify.quiet_hours import after_quiet_hours, quiet_hours_for
from backend.notify.rendering import depot_timezone, parse_time, person_for, render_message, tracking_url
from backend.notify.schemas import LoginLockedAlertSchema
from backend.notify.webhooks import WEBHOOK_EVENTS, webhook_payload
from backend.orders.enums import OrderStatus, OrderType
from backend.orders.models import Order, OrderEvent, Recipient
from backend.unit_of_work import transactional

log = logging.getLogger(__name__)

_WAKE = "notify_wake"
FINISHED_ORDER = {OrderStatus.delivered, OrderStatus.failed, OrderStatus.cancelled}
# Kinds that are about something still to come: pointless once the order is over.
TIME_SENSITIVE = {MessageKind.scheduled.value, MessageKind.out_for_delivery.value, MessageKind.approaching.value,
                  MessageKind.delayed.value}


def _last_told_eta(order_id: int) -> datetime | None:
    """The latest ETA a customer was given (an "approaching" or "delayed" message), on any channel."""
    rows = db.session.scalars(select(OutboxMessage.payload).where(
        OutboxMessage.order_id == order_id,
        OutboxMessage.kind.in_([MessageKind.approaching.value, MessageKind.delayed.value]),
        OutboxMessage.channel != Channel.webhook).order_by(OutboxMessage.id.desc()).limit(1))
    payload = next(iter(rows), None)
    return parse_time((payload or {}).get("eta"))


def _window_end(order: Order, details: dict) -> datetime | None:
    given = parse_time(details.get("window_end"))
    if given is not None:
        return given
    return order.time_windows[-1].end_at if order.time_windows else None


def is_delay(order: Order, details: dict) -> bool:
    """A customer hears of a delay when the new ETA first crosses the end of their window, or when it moved
    later than the last ETA they were told by more than NOTIFY_DELAY_THRESHOLD_S."""
    eta = parse_time(details.get("eta"))
    if eta is None:
        return False
    told = _last_told_eta(order.id)
    threshold = timedelta(seconds=current_app.config["NOTIFY_DELAY_THRESHOLD_S"])
    if told is not None and eta - told > threshold:
        return True
    window_end = _window_end(order, details)
    return window_end is not None and eta > window_end and (told is None or told <= window_end)


def message_kinds_for(order: Order, event: OrderEvent) -> list[MessageKind]:
    """What the event tells whom: the recipient hears of the delivery, the sender (returns and pairs) of the
    collection at their address. A return's delivery is the depot's: its "delivered" means collected."""
    collects, delivers = order.type is not OrderType.delivery, order.type is not OrderType.return_
    details = event.details or {}
    at_pickup = details.get("stop_kind") == "pickup"
    if event.type == "status":
        to_status = event.to_status or ""
        if to_status == "dispatched":
            return [kind for kind, wanted in ((MessageKind.pickup_scheduled, collects),
                                              (MessageKind.scheduled, delivers)) if wanted]
        if to_status == "out_for_delivery":
            return [MessageKind.out_for_delivery] if delivers else []
        if to_status == "delivered":
            return [MessageKind.delivered if delivers else MessageKind.picked_up]
        if to_status == "failed":
            return [MessageKind.pickup_failed if (at_pickup or not delivers) else MessageKind.failed]
        return []
    if order.status in FINISHED_ORDER:
        return []
    if event.type == "picked_up":
        return [MessageKind.picked_up]
    if event.type == "next_stop":
        return [MessageKind.pickup_approaching if at_pickup else MessageKind.approaching]
    if event.type == "eta_changed" and delivers and not at_pickup and is_delay(order, details):
        return [MessageKind.delayed]
    return []


def message_kind_for(order: Order, event: OrderEvent) -> MessageKind | None:
    """The delivery's message of this event (the last of message_kinds_for), or None."""
    kinds = message_kinds_for(order, event)
    return kinds[-1] if kinds else None


def _delivery_attempt(order_id: int) -> int:
    return 1 + db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order_id, OrderEvent.type == "status", OrderEvent.to_status == "rescheduled"))


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


def _customer_rows(org: Organization, order: Order, event: OrderEvent, now: datetime, *,
                   kind: MessageKind | None = None, key: str | None = None) -> list[dict]:
    if kind is None:
        return [row for each in message_kinds_for(order, event)
                for row in _customer_rows(org, order, event, now, kind=each)]
    recipient: Recipient | None = person_for(order, kind)
    if recipient is None:
        return []
    details = event.details or {}
    eta = parse_time(details.get("eta")) if kind in (MessageKind.approaching, MessageKind.delayed,
                                                     MessageKind.pickup_approaching) else None
    language = templates.language_of(recipient.language)
    subject, body = render_message(order, org, kind, language, eta=eta, reason=details.get("reason"), now=now)
    # One message of each kind per delivery attempt: a second delay, or a new ETA after "approaching", updates
    # the tracking page, not the phone. A caller may name its own key (a confirmation per rebooking).
    key = key or f"order:{order.id}:{_delivery_attempt(order.id)}:{kind.value}"
    # What the customer just asked for (a rebooking's confirmation) is not held by quiet hours: they are waiting.
    asked_for = kind.value in freshness.ASKED_FOR
    not_before = now if asked_for else after_quiet_hours(now, quiet_hours_for(org), depot_timezone(order))
    payload = {"url": tracking_url(order), "kind": kind.value}
    if eta is not None:
        payload["eta"] = eta.isoformat()
    if details.get("reason"):
        payload["reason"] = details["reason"]
    common = dict(recipient_id=recipient.id, language=language, subject=subject, body=body, payload=payload,
                  now=now, not_before=not_before)
    rows = []
    for channel, destinations in _customer_destinations(order, recipient).items():
        for destination, subscription in destinations:
            suffix = f"push:{subscription.id}" if subscription is not None else channel.value
            rows.append(_row(org, order, event, channel, kind.value, f"{key}:{suffix}", destination=destination,
                             subscription_id=subscription.id if subscription is not None else None, **common))
    return rows


def _customer_destinations(order: Order, person: Recipient | None = None
                           ) -> dict[Channel, list[tuple[str, PushSubscription | None]]]:
    """Where a message to this order's customer (or `person`, the sender of a collection) goes now: the channel
    rules of this module's docstring. The tracking page's browsers are the recipient's."""
    recipient: Recipient | None = person or order.recipient
    if recipient is None:
        return {}
    config = current_app.config
    found: dict[Channel, list[tuple[str, PushSubscription | None]]] = {}
    if recipient.phone and not recipient.opt_out_sms and available("sms", config):
        found[Channel.sms] = [(recipient.phone, None)]
    if recipient.email and not recipient.opt_out_email and available("email", config):
        found[Channel.email] = [(recipient.email, None)]
    if not recipient.opt_out_push and recipient is order.recipient:
        subscriptions = list(db.session.scalars(select(PushSubscription).where(
            PushSubscription.order_id == order.id).order_by(PushSubscription.id)))
        if subscriptions:
            found[Channel.push] = [(s.endpoint, s) for s in subscriptions]
    return found


def reach(org: Organization, orders: list[Order]) -> dict:
    """Who a message to each of these orders' customers would reach, before anything is sent: the number of
    distinct customers, per channel, and those with no channel at all. Practice organizations reach nobody."""
    people: dict[str, set] = {channel.value: set() for channel in (Channel.sms, Channel.email, Channel.push)}
    reached, unreachable = set(), set()
    for order, contact in ((order, contact) for order in orders for contact in (order.recipient, order.sender)):
        if contact is None:
            continue
        person = contact.id
        if org.is_practice:
            unreachable.add(person)
            continue
        destinations = _customer_destinations(order, contact)
        for channel in destinations:
            people[channel.value].add(person)
        (reached if destinations else unreachable).add(person)
    return {"practice": org.is_practice, "customers": len(reached), "by_channel": {channel: len(ids) for channel, ids in people.items()},
            "without_channel": len(unreachable - reached)}


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


@transactional
def send_webhook_test(org_id: int, webhook_id: int) -> OutboxMessage:
    """A signed test event to the endpoint through the same outbox, signing and retries as real events, so
    its delivery log shows whether the integration receives and accepts what we send."""
    hook = webhooks.get_webhook(org_id, webhook_id)
    if not hook.active:
        raise Conflict("The webhook is switched off: switch it on to send it a test.", code="webhook_inactive")
    org = db.session.get(Organization, org_id)
    now = utcnow()
    test_id = uuid.uuid4().hex[:16]
    key = f"webhook:{hook.id}:test:{test_id}"
    payload = {"id": f"evt_test_{test_id}", "type": webhooks.TEST_EVENT, "created_at": now.isoformat(),
               "data": {"organization": org.name, "webhook_id": hook.id,
                        "message": "A test event sent from Lastmile's admin screen; it is about no order."}}
    _insert([{"org_id": org_id, "order_id": None, "event_id": None, "recipient_id": None, "subscription_id": None,
              "webhook_id": hook.id, "channel": Channel.webhook, "kind": webhooks.TEST_EVENT, "dedupe_key": key,
              "status": OutboxStatus.suppressed if org.is_practice else OutboxStatus.pending, "attempts": 0,
              "next_attempt_at": now, "created_at": now, "updated_at": now, "destination": hook.url,
              "language": "en", "subject": "", "body": "", "payload": payload}])
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


def queue_staff_message(org_id: int, channel: Channel, destination: str, kind: str, subject: str, body: str,
                        dedupe_key: str, *, language: str = "en", payload: dict | None = None) -> OutboxMessage | None:
    """A text or email to a person of the organization (an admin's test message, an invitation), not about an
    order: the caller chose the destination, so no customer rule applies (opt-outs, freshness, quiet hours).

    Written in the caller's transaction and sent after it commits, through the same outbox and providers as
    customer messages; `dedupe_key` names the fact. Practice organizations write it `suppressed`. Returns the
    row, or None when the same fact was already written."""
    org = db.session.get(Organization, org_id)
    if org is None or channel not in (Channel.sms, Channel.email):
        raise ValueError(f"a staff message goes by sms or email, not {channel}")
    now = utcnow()
    key = f"staff:{dedupe_key}"[:200]
    _insert([{"org_id": org_id, "order_id": None, "event_id": None, "recipient_id": None, "webhook_id": None,
              "subscription_id": None, "channel": channel, "kind": kind[:40], "dedupe_key": key,
              "status": OutboxStatus.suppressed if org.is_practice else OutboxStatus.pending, "attempts": 0,
              "next_attempt_at": now, "created_at": now, "updated_at": now, "destination": destination[:1000],
              "language": language, "subject": subject[:300], "body": body, "payload": payload or {}}])
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))


LOGIN_LOCKED_TEXT = {
    "en": {"title": "A login was locked",
           "body": "Too many failed logins for {name} ({role}): the login is locked for {minutes} min. If nobody in "
                   "your team was typing a wrong password, someone is guessing it."},
    "fr": {"title": "Une connexion a été bloquée",
           "body": "Trop d’échecs de connexion pour {name} ({role}) : la connexion est bloquée {minutes} min. Si "
                   "personne de votre équipe ne s’est trompé de mot de passe, quelqu’un essaie de le deviner."},
}


def on_login_locked(user, lock_seconds: int) -> None:
    """Repeated failed logins locked an account: its organization's admins hear of it at once (console alert
    and web push in each admin's language), in the failed login's transaction."""
    from backend.auth.models import Role, User
    from backend.realtime import emit, rooms

    minutes = max(1, round(lock_seconds / 60))
    english = LOGIN_LOCKED_TEXT["en"]["body"].format(name=user.name, role=user.role.value, minutes=minutes)
    alert = LoginLockedAlertSchema().dump({"user_id": user.id, "name": user.name, "role": user.role.value,
                                           "locked_for_s": int(lock_seconds), "message": english, "at": utcnow()})
    emit.queue_emit(db.session, "alert", alert, rooms.admins(user.org_id))
    stamp = int(utcnow().timestamp()) // 60
    for admin in db.session.scalars(select(User).where(User.org_id == user.org_id, User.role == Role.admin,
                                                       User.active.is_(True))).all():
        texts = LOGIN_LOCKED_TEXT.get(admin.language, LOGIN_LOCKED_TEXT["en"])
        queue_user_push(user.org_id, admin.id, "login_locked", texts["title"],
                        texts["body"].format(name=user.name, role=user.role.value, minutes=minutes),
                        f"login-locked:{user.id}:{stamp}", url="/dispatch")


def queue_customer_message(order: Order, event: OrderEvent, kind: MessageKind) -> int:
    """A message a domain decides to send about `event` (e.g. the confirmation of a rebooking), on the
    recipient's channels, in the caller's transaction. Once per event: the event's id is in the dedupe key.
    Returns how many rows were written."""
    org = db.session.get(Organization, order.org_id)
    if org is None:
        return 0
    rows = _customer_rows(org, order, event, utcnow(), kind=kind, key=f"order:{order.id}:{kind.value}:{event.id}")
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
    """Hook the outbox into the order lifecycle and the login lockout (idempotent)."""
    from backend.orders import lifecycle

    if on_order_event not in lifecycle.EVENT_LISTENERS:
        lifecycle.EVENT_LISTENERS.append(on_order_event)
    from backend.auth import service as auth_service

    if on_login_locked not in auth_service.LOCK_LISTENERS:
        auth_service.LOCK_LISTENERS.append(on_login_locked)


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
