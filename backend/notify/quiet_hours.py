"""Quiet hours: when a customer may be texted, in the depot's time zone.

NOTIFY_QUIET_HOURS (e.g. "21:00-08:00") applies unless an organization sets settings["quiet_hours"] ("" or
null meaning none). A customer message due inside them waits until they end — all kinds, "delivered" and
"failed" included (news of a delivery can wait for the morning; a text at 23:00 is what people complain
about). Webhooks ignore quiet hours.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from backend.auth.models import Organization


def parse_quiet_hours(text) -> tuple[time, time] | None:
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
        return parse_quiet_hours(settings.get("quiet_hours"))
    return parse_quiet_hours(current_app.config.get("NOTIFY_QUIET_HOURS"))


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
