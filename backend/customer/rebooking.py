"""Rebooking from the tracking link: the customer picks a new day and window, or how to leave the parcel.

Business rules
- Who may rebook: an order that failed (as long as its link lives), or one still to be delivered (created,
  planned, dispatched, rescheduled) until the cut-off before its delivery day. Not once the driver is on
  the way (out_for_delivery, arrived), nor once it is delivered or cancelled (409).
- The cut-off of a day D is `cutoff_days_before` days before D at `cutoff_time`, in the depot's time zone
  (default: 18:00 the day before). A day whose cut-off has passed can neither be left nor chosen.
- The days offered run from today to today + `horizon_days` (default 14): the days the depot is open
  (its opening_hours; a depot with none set is open every day) on which at least one window fits.
- The windows offered on a day are the organization's (`windows`, default 09:00-12:00 and 13:00-17:00)
  that lie inside one of the depot's opening spans that day.
- The organization sets these in settings["rebooking"]; a value missing or unreadable takes its default.
- Drop-off: in person (default), at the door, or with a neighbour (who, required). It is written into the
  delivery instructions in the customer's language: they read it back on the page, the driver sees it.
- What a rebooking does, in one transaction: a pending stop is taken off its route (the route's version is
  bumped and its driver told); a planned or dispatched order goes back to created, a failed one to
  rescheduled, so it is planned again for the new day; the day and window are replaced; a "rebooked"
  lifecycle event (actor: customer) is recorded; the dispatchers get an alert (customer_rebooked); the
  customer gets one confirmation (message kind "rebooked") on their channels.
- Refusals answer 422 with a code: in_the_past, beyond_horizon, day_closed, after_cutoff (the new day's,
  or the current delivery's), window_not_offered, neighbour_required.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from backend.auth.models import Organization
from backend.database import utcnow
from backend.dispatch import service as dispatch_service
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.errors import Conflict, InvalidInput
from backend.extensions import db
from backend.fleet.models import Depot
from backend.notify import service as notify_service
from backend.notify.models import MessageKind
from backend.orders import lifecycle
from backend.orders.enums import ActorType, OrderStatus
from backend.orders.models import Order, OrderTimeWindow
from backend.realtime import emit, rooms
from backend.unit_of_work import on_commit, transactional

DEFAULTS = {"windows": [["09:00", "12:00"], ["13:00", "17:00"]], "horizon_days": 14, "cutoff_days_before": 1,
            "cutoff_time": "18:00"}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BEFORE_DELIVERY = {OrderStatus.created, OrderStatus.planned, OrderStatus.dispatched, OrderStatus.rescheduled}
DROP_OFFS = ("in_person", "door", "neighbour")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

DROP_OFF_TEXT = {
    "en": {"door": "Leave the parcel at the door.", "neighbour": "Leave the parcel with a neighbour: {who}"},
    "fr": {"door": "Laisser le colis devant la porte.", "neighbour": "Laisser le colis chez un voisin : {who}"},
}


class RebookRefused(InvalidInput):
    """422: the day or window asked for cannot be booked; `code` says why."""


def _clock(text) -> time | None:
    match = _HHMM.match(text) if isinstance(text, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class RebookingRules:
    windows: list[tuple[time, time]]
    horizon_days: int
    cutoff_days_before: int
    cutoff_time: time

    def as_settings(self) -> dict:
        return {"windows": [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in self.windows],
                "horizon_days": self.horizon_days, "cutoff_days_before": self.cutoff_days_before,
                "cutoff_time": self.cutoff_time.strftime("%H:%M")}


def _windows_of(value) -> list[tuple[time, time]] | None:
    if not isinstance(value, list) or not value:
        return None
    windows = []
    for item in value:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            return None
        start, end = _clock(item[0]), _clock(item[1])
        if start is None or end is None or start >= end:
            return None
        windows.append((start, end))
    return sorted(set(windows))


def rules_for(org: Organization) -> RebookingRules:
    """The organization's rebooking rules, each value falling back to its default when missing or broken."""
    own = (org.settings or {}).get("rebooking") if org is not None else None
    own = own if isinstance(own, dict) else {}

    def number(name, low, high):
        value = own.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high \
            else DEFAULTS[name]

    return RebookingRules(
        windows=_windows_of(own.get("windows")) or _windows_of(DEFAULTS["windows"]),
        horizon_days=number("horizon_days", 1, 90), cutoff_days_before=number("cutoff_days_before", 0, 14),
        cutoff_time=_clock(own.get("cutoff_time")) or _clock(DEFAULTS["cutoff_time"]))


def org_rules(org_id: int) -> RebookingRules:
    return rules_for(db.session.get(Organization, org_id))


def _depot_of(order: Order) -> Depot | None:
    return db.session.get(Depot, order.depot_id) if order.depot_id else None


def _zone(depot: Depot | None) -> ZoneInfo:
    try:
        return ZoneInfo(depot.timezone if depot else current_app.config["TIMEZONE"])
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _open_spans(depot: Depot | None, day: date) -> list[tuple[time, time]] | None:
    """The depot's opening spans that day; None when the depot never said (open all day)."""
    hours = (depot.opening_hours if depot else None) or {}
    if not hours:
        return None
    spans = []
    for span in hours.get(DAY_NAMES[day.weekday()]) or []:
        start, end = (_clock(span[0]), _clock(span[1])) if isinstance(span, list) and len(span) == 2 else (None, None)
        if start is not None and end is not None and start < end:
            spans.append((start, end))
    return spans


def windows_on(rules: RebookingRules, depot: Depot | None, day: date) -> list[tuple[time, time]]:
    spans = _open_spans(depot, day)
    if spans is None:
        return list(rules.windows)
    return [(start, end) for start, end in rules.windows
            if any(open_at <= start and end <= close_at for open_at, close_at in spans)]


def cutoff_of(rules: RebookingRules, day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day - timedelta(days=rules.cutoff_days_before), rules.cutoff_time, zone)


def _current_cutoff(order: Order, rules: RebookingRules, zone: ZoneInfo) -> datetime | None:
    """Until when the delivery already booked may still change; None when nothing binds (failed, no day)."""
    if order.status not in BEFORE_DELIVERY or order.delivery_date is None:
        return None
    return cutoff_of(rules, order.delivery_date, zone)


def rebook_refusal(order: Order, now: datetime | None = None) -> tuple[str, str] | None:
    """Why this order cannot be rebooked now (code, message), or None when it can."""
    if order.status in (OrderStatus.out_for_delivery, OrderStatus.arrived):
        return "on_the_way", "The driver is already on the way: the delivery can no longer be moved."
    if order.status not in BEFORE_DELIVERY and order.status is not OrderStatus.failed:
        return "order_closed", f"The order is already {order.status.value}; there is nothing left to rebook."
    depot = _depot_of(order)
    rules = rules_for(db.session.get(Organization, order.org_id))
    cutoff = _current_cutoff(order, rules, _zone(depot))
    if cutoff is not None and (now or utcnow()) >= cutoff:
        return "after_cutoff", "The delivery is too close to change now (the cut-off has passed)."
    return None


def options(order: Order, now: datetime | None = None) -> dict:
    """What the tracking page offers: the bookable days, each with its windows (local HH:MM, and UTC)."""
    now = now or utcnow()
    depot = _depot_of(order)
    zone = _zone(depot)
    rules = rules_for(db.session.get(Organization, order.org_id))
    refusal = rebook_refusal(order, now)
    today = now.astimezone(zone).date()
    days = []
    if refusal is None:
        for offset in range(rules.horizon_days + 1):
            day = today + timedelta(days=offset)
            if now >= cutoff_of(rules, day, zone):
                continue
            windows = windows_on(rules, depot, day)
            if windows:
                days.append({"date": day, "windows": [_window_out(day, start, end, zone) for start, end in windows]})
    cutoff = _current_cutoff(order, rules, zone)
    return {"can_rebook": refusal is None, "reason": refusal[0] if refusal else None,
            "message": refusal[1] if refusal else None, "timezone": zone.key, "days": days,
            "change_until": cutoff if refusal is None else None,
            "drop_offs": list(DROP_OFFS), "delivery_date": order.delivery_date}


def _window_out(day: date, start: time, end: time, zone: ZoneInfo) -> dict:
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"),
            "start_at": datetime.combine(day, start, zone), "end_at": datetime.combine(day, end, zone)}


def _check_day(order: Order, day: date, window_start: str, now: datetime) -> tuple[datetime, datetime]:
    depot = _depot_of(order)
    zone = _zone(depot)
    rules = rules_for(db.session.get(Organization, order.org_id))
    today = now.astimezone(zone).date()
    if day < today:
        raise RebookRefused("That day has already passed.", code="in_the_past", fields={"date": ["In the past."]})
    last = today + timedelta(days=rules.horizon_days)
    if day > last:
        raise RebookRefused(f"Deliveries can be booked up to {rules.horizon_days} days ahead (until "
                            f"{last.isoformat()}).", code="beyond_horizon", fields={"date": ["Too far ahead."]},
                            extra={"last_day": last.isoformat()})
    windows = windows_on(rules, depot, day)
    if not windows:
        raise RebookRefused("The depot does not deliver that day.", code="day_closed",
                            fields={"date": ["No delivery that day."]})
    cutoff = cutoff_of(rules, day, zone)
    if now >= cutoff:
        raise RebookRefused(f"That day can no longer be booked: its cut-off was {cutoff.isoformat()}.",
                            code="after_cutoff", fields={"date": ["Too soon."]}, extra={"cutoff": cutoff.isoformat()})
    chosen = next(((s, e) for s, e in windows if s.strftime("%H:%M") == window_start), None)
    if chosen is None:
        offered = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in windows)
        raise RebookRefused(f"That window is not offered on {day.isoformat()}; choose one of: {offered}.",
                            code="window_not_offered", fields={"window_start": ["Not offered that day."]})
    return datetime.combine(day, chosen[0], zone), datetime.combine(day, chosen[1], zone)


def _take_off_route(order: Order) -> Route | None:
    """The order's stop still to do on an active route goes; the route is re-timed and its driver told."""
    found = db.session.execute(
        select(Stop, Route).join(Route, Stop.route_id == Route.id).where(
            Stop.order_id == order.id, Stop.org_id == order.org_id, Stop.status == StopStatus.pending,
            Route.status.in_([RouteStatus.draft, RouteStatus.published, RouteStatus.in_progress]))).first()
    if found is None:
        return None
    stop, route = found
    stop_id, address = stop.id, order.address
    db.session.delete(stop)
    db.session.flush()
    db.session.refresh(route, ["stops"])
    for sequence, remaining in enumerate(sorted(route.stops, key=lambda s: s.sequence), start=1):
        remaining.sequence = sequence
    dispatch_service.replan(route)
    dispatch_service.bump(route, {"kind": "removed", "stop_id": stop_id, "address": address, "by": "customer"})
    if route.status is RouteStatus.in_progress:
        from backend.dispatch.jobs import request_eta_refresh

        route_id = route.id
        on_commit(lambda: request_eta_refresh(route_id, 0))
    return route


def _drop_off_text(drop_off: str, neighbour: str, language: str) -> str:
    texts = DROP_OFF_TEXT.get(language, DROP_OFF_TEXT["en"])
    if drop_off == "door":
        return texts["door"]
    if drop_off == "neighbour":
        return texts["neighbour"].format(who=neighbour)
    return ""


def _instructions_with(current: str, line: str) -> str:
    """The customer's other instructions stay; an earlier drop-off line is replaced by the new one."""
    known = {text.split(":")[0].strip() for texts in DROP_OFF_TEXT.values() for text in texts.values()}
    kept = [row for row in (current or "").splitlines() if row.split(":")[0].strip() not in known]
    return "\n".join([line] + kept if line else kept).strip()[:2000]


def alert_payload(order: Order, event_details: dict, route_id: int | None) -> dict:
    from backend.customer.schemas import CustomerRebookedAlertSchema

    return CustomerRebookedAlertSchema().dump({
        "order_id": order.id, "external_ref": order.external_ref, "address": order.address,
        "date": order.delivery_date, "window_start": event_details["window_start"],
        "window_end": event_details["window_end"], "drop_off": event_details["drop_off"],
        "removed_from_route_id": route_id, "at": utcnow()})


@transactional
def rebook(order: Order, day: date, window_start: str, drop_off: str = "in_person", neighbour: str = "") -> Order:
    """The customer's new day, window and drop-off (see the module's rules)."""
    now = utcnow()
    refusal = rebook_refusal(order, now)
    if refusal is not None:
        code, message = refusal
        if code == "after_cutoff":
            raise RebookRefused(message, code=code)
        raise Conflict(message, code=code)
    neighbour = (neighbour or "").strip()
    if drop_off == "neighbour" and not neighbour:
        raise RebookRefused("Say which neighbour (name and door) may take the parcel.", code="neighbour_required",
                            fields={"neighbour": ["Required to leave the parcel with a neighbour."]})
    start_at, end_at = _check_day(order, day, window_start, now)
    previous = {"date": order.delivery_date.isoformat() if order.delivery_date else None,
                "status": order.status.value}
    route = _take_off_route(order)
    actor = {"actor_type": ActorType.customer}
    if order.status is OrderStatus.failed:
        lifecycle.transition(order, OrderStatus.rescheduled, details={"by": "customer"}, **actor)
    elif order.status in (OrderStatus.planned, OrderStatus.dispatched):
        lifecycle.transition(order, OrderStatus.created, details={"rebooked": True}, **actor)
    order.delivery_date = day
    order.time_windows = [OrderTimeWindow(start_at=start_at, end_at=end_at)]
    language = order.recipient.language if order.recipient else "en"
    order.delivery_instructions = _instructions_with(order.delivery_instructions,
                                                     _drop_off_text(drop_off, neighbour, language))
    details = {"date": day.isoformat(), "window_start": start_at.isoformat(), "window_end": end_at.isoformat(),
               "drop_off": drop_off, "previous": previous, "route_id": route.id if route else None}
    event = lifecycle.record(order, "rebooked", details=details, **actor)
    db.session.flush()
    notify_service.queue_customer_message(order, event, MessageKind.rebooked)
    emit.queue_emit(db.session, "alert", alert_payload(order, details, route.id if route else None),
                    rooms.dispatch(order.org_id))
    return order


@transactional
def set_rules(org_id: int, values: dict) -> RebookingRules:
    """An admin changes the organization's rebooking rules (validated by the schema)."""
    org = db.session.get(Organization, org_id)
    current = rules_for(org).as_settings()
    current.update(values)
    settings = dict(org.settings or {})
    settings["rebooking"] = current
    org.settings = settings
    return rules_for(org)
