"""What a message says: the organization's wording (or the built-in one) filled for one order.

Times are shown in the depot's time zone; links point at the order's tracking page. An organization words
a message its own way per kind and language; an empty body goes back to the built-in text.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from backend.auth.models import Organization
from backend.errors import InvalidInput
from backend.extensions import db
from backend.fleet.models import Depot
from backend.notify import templates
from backend.notify.models import PICKUP_KINDS, MessageKind, MessageTemplate
from backend.orders.models import Order
from backend.public_url import public_base_url
from backend.unit_of_work import transactional


def parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def depot_timezone(order: Order) -> ZoneInfo:
    depot = db.session.get(Depot, order.depot_id) if order.depot_id else None
    try:
        return ZoneInfo(depot.timezone if depot else current_app.config["TIMEZONE"])
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def tracking_url(order: Order) -> str:
    return f"{public_base_url()}/t/{order.tracking_token}"


def person_for(order: Order, kind: MessageKind):
    """Who a message of this kind is to: the sender for the collection, the recipient for the delivery."""
    return order.sender if kind in PICKUP_KINDS else order.recipient


def _template(org_id: int, kind: str, language: str) -> tuple[str, str]:
    own = db.session.scalar(select(MessageTemplate).where(
        MessageTemplate.org_id == org_id, MessageTemplate.kind == kind, MessageTemplate.language == language))
    default_subject, default_body = templates.DEFAULTS[kind][language]
    if own is None:
        return default_subject, default_body
    return own.subject or default_subject, own.body


def render_message(order: Order, org: Organization, kind: MessageKind, language: str, *,
                   eta: datetime | None, reason: str | None, now: datetime) -> tuple[str, str]:
    """The message as it reads at `now`: a window that has already ended is told as missed ("today, later
    than your 10:00 AM–12:00 PM window") and an ETA after the window as late ("arriving around 2:30 PM, later
    than your 10:00 AM–12:00 PM window"), never as a promise. Callers pass the moment the text goes out."""
    tz = depot_timezone(order)
    pickup = kind in PICKUP_KINDS  # to the sender, about the collection: the pickup's windows
    windows = sorted(order.pickup_windows if pickup else order.time_windows, key=lambda w: w.start_at)
    upcoming = next((w for w in windows if w.end_at > now), None)
    last = windows[-1] if windows else None
    if upcoming is not None:
        window_text = templates.format_window(upcoming.start_at, upcoming.end_at, tz, language)
    elif last is not None:
        window_text = templates.format_missed_window(last.start_at, last.end_at, now, tz, language)
    else:
        window_text = templates.format_window(None, None, tz, language)
    recipient = person_for(order, kind)
    name = (recipient.name if recipient else "") or ""
    values = {
        "recipient_name": name, "first_name": name.split()[0] if name.split() else name, "org_name": org.name,
        "order_ref": order.external_ref, "window": window_text,
        "eta": templates.format_eta(eta, tz, language, window=(last.start_at, last.end_at) if last else None,
                                    now=now),
        "tracking_url": tracking_url(order), "reason": templates.reason_text(reason, language),
    }
    subject, body = _template(org.id, kind.value, language)
    return templates.render(subject, values), templates.render(body, values)


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


@transactional
def set_template(org_id: int, kind: str, language: str, body: str | None, subject: str | None) -> list[dict]:
    """An organization words a message its own way; an empty body goes back to the built-in text."""
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
    return effective_templates(org_id)
