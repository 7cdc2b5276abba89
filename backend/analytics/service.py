"""Analytics use cases: roll-ups as days close, KPI series and breakdowns, goals and their alerts.

Reads the operational tables (routes, stops, orders, order events, breadcrumbs, vehicles, ratings,
the notification outbox) and writes only the analytics tables. Each use case that writes commits once.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, select

from backend.analytics import kpis
from backend.analytics.models import (GRAIN_DEPOT, GRAIN_ROUTE, SOURCE_OPERATIONS, ClosedDay, DailyRollup,
                                      FailedDelivery,
                                      KpiAlert, KpiGoal)
from backend.analytics.schemas import KpiAlertEventSchema
from backend.database import utcnow
from backend.geo.sphere import path_length_m
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders.models import Order, OrderEvent, OrderTimeWindow
from backend.tracking.models import LocationFix
from backend.unit_of_work import transactional

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 400
GRAINS = ("day", "week", "month")
BREAKDOWNS = ("driver", "depot", "vehicle", "reason", "day")


def _parse_iso(text) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- operational facts for one day ------------------------------------------------------------------

def operational_route_days(org_id: int, day: date) -> list[tuple]:
    """Every non-draft route of the day with its components and its failed stops (for the map)."""
    # Columns, not Route entities: loading entities would pull every stop and order through their
    # eager relationships, which is most of the time of an open day.
    routes = db.session.execute(
        select(Route.id, Route.depot_id, Route.driver_id, Route.vehicle_id, Route.started_at, Route.completed_at,
               Route.planned_distance_m, Route.planned_duration_s)
        .where(Route.org_id == org_id, Route.date == day, Route.status != RouteStatus.draft).order_by(Route.id)).all()
    if not routes:
        return []
    day_routes = select(Route.id).where(Route.org_id == org_id, Route.date == day, Route.status != RouteStatus.draft)
    stop_rows = db.session.execute(
        select(Stop.route_id, Stop.order_id, Stop.sequence, Stop.status, Stop.actual_arrival_at,
               Stop.actual_departure_at, Order.failure_reason, Order.lat, Order.lon, Order.external_ref, Order.address)
        .join(Order, Order.id == Stop.order_id).where(Stop.route_id.in_(day_routes))).all()
    # The day's orders as a subquery: one query per kind of fact, whatever the size of the day.
    day_orders = select(Stop.order_id).where(Stop.route_id.in_(day_routes))
    windows: dict[int, list] = defaultdict(list)
    failed_before: dict[int, list] = defaultdict(list)
    eta_events: dict[int, list] = defaultdict(list)
    reasons: dict[tuple, str] = {}
    for row in db.session.execute(select(OrderTimeWindow.order_id, OrderTimeWindow.start_at, OrderTimeWindow.end_at)
                                  .where(OrderTimeWindow.order_id.in_(day_orders))):
        windows[row.order_id].append((row.start_at, row.end_at))
    # Only the two keys needed, extracted by the database (parsing whole JSON documents in Python is slow).
    for row in db.session.execute(select(OrderEvent.order_id, OrderEvent.type, OrderEvent.at,
                                         OrderEvent.details["eta"].as_string().label("eta"),
                                         OrderEvent.details["reason"].as_string().label("reason"))
                                  .where(OrderEvent.order_id.in_(day_orders),
                                         (OrderEvent.type == "eta_changed") | (OrderEvent.to_status == "failed"))):
        if row.type == "eta_changed":
            eta_events[row.order_id].append((row.at, _parse_iso(row.eta)))
        else:
            failed_before[row.order_id].append(row.at)
            reasons[(row.order_id, row.at)] = row.reason
    ratings = _ratings_of(day_orders)
    breadcrumbs = _breadcrumb_distances(day_routes)
    vehicles = {v.id: v for v in db.session.scalars(
        select(Vehicle).where(Vehicle.id.in_({r.vehicle_id for r in routes if r.vehicle_id})))}
    stops_by_route: dict[int, list] = defaultdict(list)
    for row in stop_rows:
        stops_by_route[row.route_id].append(row)
    result = []
    for route in routes:
        vehicle = vehicles.get(route.vehicle_id)
        route_fact = kpis.RouteFact(
            started_at=route.started_at, ended_at=route.completed_at, breadcrumb_distance_m=breadcrumbs.get(route.id),
            planned_distance_m=route.planned_distance_m or 0, planned_duration_s=route.planned_duration_s or 0,
            cost_fixed_cents=vehicle.cost_fixed_cents if vehicle else 0,
            cost_per_hour_cents=vehicle.cost_per_hour_cents if vehicle else 0,
            cost_per_km_cents=vehicle.cost_per_km_cents if vehicle else 0,
            co2_g_per_km=vehicle.co2_g_per_km if vehicle else 0)
        facts, failures = [], []
        for row in stops_by_route[route.id]:
            outcome = {StopStatus.completed: "delivered", StopStatus.failed: "failed"}.get(row.status)
            fact = kpis.StopFact(planned_sequence=row.sequence, outcome=outcome, arrived_at=row.actual_arrival_at,
                                 departed_at=row.actual_departure_at, windows=windows.get(row.order_id, []),
                                 eta_events=eta_events.get(row.order_id, []),
                                 rating=ratings.get(row.order_id) if outcome == "delivered" else None)
            moment = kpis.attempt_moment(fact)
            earlier = [at for at in failed_before.get(row.order_id, []) if moment is not None and at < moment]
            fact.first_attempt = not earlier
            if outcome == "failed":
                fact.reason = (row.failure_reason.value if row.failure_reason else None) or \
                    reasons.get((row.order_id, moment)) or "other"
                failures.append({"at": moment, "order_id": row.order_id, "external_ref": row.external_ref,
                                 "address": row.address, "lat": row.lat, "lon": row.lon, "reason": fact.reason})
            facts.append(fact)
        result.append((route, kpis.route_day_components(route_fact, facts), failures))
    return result


def _ratings_of(order_ids) -> dict[int, int]:
    from backend.customer.models import Rating

    return dict(db.session.execute(select(Rating.order_id, Rating.score).where(Rating.order_id.in_(order_ids))).all())


def _breadcrumb_distances(route_ids) -> dict[int, int]:
    """Distance driven per route, summed along its breadcrumbs in time order."""
    points: dict[int, list] = defaultdict(list)
    for row in db.session.execute(select(LocationFix.route_id, LocationFix.lat, LocationFix.lon)
                                  .where(LocationFix.route_id.in_(route_ids))
                                  .order_by(LocationFix.route_id, LocationFix.at)):
        points[row.route_id].append((row.lat, row.lon))
    return {route_id: path_length_m(track) for route_id, track in points.items() if len(track) > 1}


def _rollup_row(org_id: int, day: date, route, components: dict, **extra) -> dict:
    return {"org_id": org_id, "source": SOURCE_OPERATIONS, "grain": GRAIN_ROUTE, "import_id": None, "day": day,
            "depot_id": route.depot_id, "driver_id": route.driver_id, "vehicle_id": route.vehicle_id,
            "route_id": route.id, "driver_label": "", **components, **extra}


def depot_rows(route_rows: list[dict]) -> list[dict]:
    """Route-day rows summed per depot and day (same source and import): the depot grain."""
    groups: dict[tuple, dict] = {}
    for row in route_rows:
        key = (row["org_id"], row["source"], row.get("import_id"), row["day"], row["depot_id"])
        if key not in groups:
            groups[key] = {**{name: row[name] for name in ("org_id", "source", "import_id", "day", "depot_id")},
                           "grain": GRAIN_DEPOT, "driver_id": None, "vehicle_id": None, "route_id": None,
                           "driver_label": "", **kpis.empty_totals(),
                           **({"refreshed_at": row["refreshed_at"]} if "refreshed_at" in row else {})}
        kpis.add_into(groups[key], row)
    return list(groups.values())


def _replace_day(org_id: int, day: date) -> int:
    """Close a day: replace its stored roll-up and failure rows with freshly computed ones."""
    computed = operational_route_days(org_id, day)
    db.session.execute(delete(DailyRollup).where(DailyRollup.org_id == org_id, DailyRollup.source == SOURCE_OPERATIONS,
                                                 DailyRollup.day == day))
    db.session.execute(delete(FailedDelivery).where(FailedDelivery.org_id == org_id,
                                                    FailedDelivery.source == SOURCE_OPERATIONS,
                                                    FailedDelivery.day == day))
    now = utcnow()
    rows = [_rollup_row(org_id, day, route, components, refreshed_at=now) for route, components, _ in computed]
    rows += depot_rows(rows)
    failures = [{"org_id": org_id, "source": SOURCE_OPERATIONS, "day": day, "depot_id": route.depot_id,
                 "driver_id": route.driver_id, "route_id": route.id, "driver_label": "", **failure}
                for route, _, route_failures in computed for failure in route_failures]
    if rows:
        db.session.execute(DailyRollup.__table__.insert(), rows)
    if failures:
        db.session.execute(FailedDelivery.__table__.insert(), failures)
    closed = db.session.scalar(select(ClosedDay).where(ClosedDay.org_id == org_id, ClosedDay.day == day))
    if closed is None:
        db.session.add(ClosedDay(org_id=org_id, day=day, refreshed_at=now))
    else:
        closed.refreshed_at = now
    return len(rows)


refresh_day = transactional(_replace_day)


@transactional
def refresh_period(org_id: int, start: date, end: date) -> list[date]:
    """Recompute the stored roll-ups of every day of a period, all or nothing."""
    day, refreshed = start, []
    while day <= end:
        _replace_day(org_id, day)
        refreshed.append(day)
        day += timedelta(days=1)
    return refreshed


def days_to_close(org_id: int, until: date, lookback_days: int = 40) -> list[date]:
    """Days up to `until` that have routes and no stored roll-up yet (a closed day is not recomputed)."""
    closed = select(ClosedDay.day).where(ClosedDay.org_id == org_id)
    statement = (select(Route.date).where(Route.org_id == org_id, Route.date <= until,
                                          Route.date >= until - timedelta(days=lookback_days),
                                          Route.date.not_in(closed)).distinct().order_by(Route.date))
    return list(db.session.scalars(statement))


def close_finished_days(today: date | None = None) -> dict:
    """The nightly job: every organization's days up to yesterday (UTC) that have no roll-up yet are rolled
    up; then the goals are checked. An explicitly chunked job: one transaction per day closed (and per
    summary, and for the goals), so a worker killed midway leaves whole days and the next run goes on
    from the first day without a roll-up."""
    from backend.auth.models import Organization

    today = today or utcnow().date()
    until = today - timedelta(days=1)
    closed, summaries = 0, 0
    for org_id in list(db.session.scalars(select(Organization.id))):
        days = days_to_close(org_id, until)
        for day in days:
            closed += 1
            refresh_day(org_id, day)
        if until in days:
            summaries += send_daily_summary(org_id, until)
    alerts = check_goals(today=today)
    return {"closed_days": closed, "alerts": alerts, "summaries": summaries}


# --- reading roll-ups -----------------------------------------------------------------------------

def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("The period ends before it starts.", fields={"to": ["Before 'from'."]})
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput(f"Ask for at most {MAX_RANGE_DAYS} days at a time.", fields={"to": ["Too long a period."]})


def route_days(org_id: int, start: date, end: date, *, source: str = SOURCE_OPERATIONS, depot_id=None,
               driver_id=None, vehicle_id=None, import_id=None, grain: str | None = None) -> list[dict]:
    """The period's roll-up rows: stored ones for closed days, computed now for open ones.

    Route grain (one row per route-day) when a driver or vehicle is asked for, else depot grain (one row
    per depot-day); both sum to the same KPIs."""
    _check_range(start, end)
    if grain is None:
        grain = GRAIN_ROUTE if driver_id is not None or vehicle_id is not None else GRAIN_DEPOT
    columns = [DailyRollup.org_id, DailyRollup.source, DailyRollup.import_id, DailyRollup.day, DailyRollup.depot_id,
               DailyRollup.driver_id, DailyRollup.vehicle_id, DailyRollup.route_id, DailyRollup.driver_label,
               DailyRollup.failure_reasons, DailyRollup.eta_errors, DailyRollup.rating_scores] + \
        [getattr(DailyRollup, name) for name in kpis.INTEGER_COMPONENTS]
    statement = select(*columns).where(DailyRollup.org_id == org_id, DailyRollup.source == source,
                                       DailyRollup.grain == grain, DailyRollup.day >= start, DailyRollup.day <= end)
    if import_id is not None:
        statement = statement.where(DailyRollup.import_id == import_id)
    for column, value in ((DailyRollup.depot_id, depot_id), (DailyRollup.driver_id, driver_id),
                          (DailyRollup.vehicle_id, vehicle_id)):
        if value is not None:
            statement = statement.where(column == value)
    rows = [dict(row._mapping) for row in db.session.execute(statement)]
    if source == SOURCE_OPERATIONS:
        live = []
        for day in _open_days(org_id, start, end):
            for route, components, _ in operational_route_days(org_id, day):
                if (depot_id is not None and route.depot_id != depot_id) or \
                        (driver_id is not None and route.driver_id != driver_id) or \
                        (vehicle_id is not None and route.vehicle_id != vehicle_id):
                    continue
                live.append(_rollup_row(org_id, day, route, components))
        rows += live if grain == GRAIN_ROUTE else depot_rows(live)
    return rows


def _open_days(org_id: int, start: date, end: date) -> list[date]:
    closed = select(ClosedDay.day).where(ClosedDay.org_id == org_id, ClosedDay.day >= start, ClosedDay.day <= end)
    return list(db.session.scalars(select(Route.date).where(Route.org_id == org_id, Route.date >= start,
                                                            Route.date <= end, Route.date.not_in(closed)).distinct()))


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def series(org_id: int, start: date, end: date, grain: str = "day", **filters) -> list[dict]:
    """KPI values per period (day, ISO week starting Monday, or calendar month), with their components."""
    buckets: dict[date, dict] = {}
    for row in route_days(org_id, start, end, **filters):
        kpis.add_into(buckets.setdefault(period_start(row["day"], grain), kpis.empty_totals()), row)
    return [{"period": period.isoformat(), "kpis": kpis.compute_all(totals), "components": totals}
            for period, totals in sorted(buckets.items())]


def totals_for(org_id: int, start: date, end: date, **filters) -> dict:
    return kpis.sum_rows(route_days(org_id, start, end, **filters))


def breakdown(org_id: int, start: date, end: date, by: str, **filters) -> list[dict]:
    """KPI values per driver, depot, vehicle or day; per failure reason, the count of failures."""
    if by not in BREAKDOWNS:
        raise InvalidInput(f"Break down by one of: {', '.join(BREAKDOWNS)}.", fields={"by": ["Unknown."]})
    rows = route_days(org_id, start, end, grain=GRAIN_ROUTE if by in ("driver", "vehicle") else None, **filters)
    if by == "reason":
        totals = kpis.sum_rows(rows)
        failed = totals["failed"]
        return [{"key": reason, "label": reason, "failed": count, "share": kpis._ratio(count, failed)}
                for reason, count in sorted(totals["failure_reasons"].items(), key=lambda item: -item[1])]
    groups: dict = {}
    labels: dict = {}
    for row in rows:
        key = row["day"].isoformat() if by == "day" else row.get(f"{by}_id")
        if by == "driver" and key is None and row.get("driver_label"):
            key = row["driver_label"]
        kpis.add_into(groups.setdefault(key, kpis.empty_totals()), row)
        labels.setdefault(key, row.get("driver_label") or "")
    names = _names(by, [k for k in groups if isinstance(k, int)])
    return [{"key": key, "label": names.get(key) or labels.get(key) or (str(key) if key is not None else "none"),
             "kpis": kpis.compute_all(totals), "components": totals}
            for key, totals in sorted(groups.items(), key=lambda item: str(item[0]))]


def _names(by: str, ids: list[int]) -> dict:
    if not ids:
        return {}
    if by == "driver":
        from backend.auth.models import User

        return dict(db.session.execute(select(Driver.id, User.name).join(User, User.id == Driver.user_id)
                                       .where(Driver.id.in_(ids))).all())
    if by == "depot":
        return dict(db.session.execute(select(Depot.id, Depot.name).where(Depot.id.in_(ids))).all())
    if by == "vehicle":
        return dict(db.session.execute(select(Vehicle.id, Vehicle.name).where(Vehicle.id.in_(ids))).all())
    return {}


def failures_statement(org_id: int, start: date, end: date, *, source: str = SOURCE_OPERATIONS, depot_id=None,
                       driver_id=None, reason=None):
    _check_range(start, end)
    statement = select(FailedDelivery).where(FailedDelivery.org_id == org_id, FailedDelivery.source == source,
                                             FailedDelivery.day >= start, FailedDelivery.day <= end)
    if depot_id is not None:
        statement = statement.where(FailedDelivery.depot_id == depot_id)
    if driver_id is not None:
        statement = statement.where(FailedDelivery.driver_id == driver_id)
    if reason:
        statement = statement.where(FailedDelivery.reason == reason)
    return statement.order_by(FailedDelivery.day, FailedDelivery.id)


def failed_deliveries(org_id: int, start: date, end: date, *, page: int = 1, per_page: int = 500, **filters) -> dict:
    """Failed attempts with coordinates: stored for closed days, computed for open ones (open days come first
    in no particular page; they are few)."""
    statement = failures_statement(org_id, start, end, **filters)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = [_failure_dict(f) for f in db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page))]
    if filters.get("source", SOURCE_OPERATIONS) == SOURCE_OPERATIONS and page == 1:
        for day in _open_days(org_id, start, end):
            for route, _, failures in operational_route_days(org_id, day):
                for failure in failures:
                    if filters.get("depot_id") not in (None, route.depot_id) or \
                            filters.get("driver_id") not in (None, route.driver_id) or \
                            filters.get("reason") not in (None, "", failure["reason"]):
                        continue
                    total += 1
                    items.append({"day": day.isoformat(), "depot_id": route.depot_id, "driver_id": route.driver_id,
                                  "route_id": route.id, "driver_label": "",
                                  **{**failure, "at": failure["at"].isoformat() if failure["at"] else None}})
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def _failure_dict(row: FailedDelivery) -> dict:
    return {"day": row.day.isoformat(), "at": row.at.isoformat() if row.at else None, "order_id": row.order_id,
            "external_ref": row.external_ref, "address": row.address, "lat": row.lat, "lon": row.lon,
            "reason": row.reason, "depot_id": row.depot_id, "driver_id": row.driver_id, "route_id": row.route_id,
            "driver_label": row.driver_label}


def plan_vs_actual(org_id: int, start: date, end: date, **filters) -> list[dict]:
    """Per route: planned and driven distance and duration, and how often the plan's sequence was left."""
    result = []
    for row in sorted(route_days(org_id, start, end, grain=GRAIN_ROUTE, **filters),
                      key=lambda r: (r["day"], r.get("route_id") or 0, r.get("driver_label") or "")):
        result.append({
            "day": row["day"].isoformat(), "route_id": row.get("route_id"), "driver_id": row.get("driver_id"),
            "driver_label": row.get("driver_label") or "", "depot_id": row.get("depot_id"),
            "vehicle_id": row.get("vehicle_id"), "stops": row["stops"], "attempted": row["attempted"],
            "planned_distance_m": row["planned_distance_m"], "distance_m": row["distance_m"],
            "distance_delta_m": row["distance_m"] - row["planned_distance_m"],
            "planned_duration_s": row["planned_duration_s"], "duration_s": row["route_s"],
            "duration_delta_s": row["route_s"] - row["planned_duration_s"],
            "sequenced_stops": row["sequenced_stops"], "out_of_sequence": row["out_of_sequence"],
            "out_of_sequence_rate": kpis._ratio(row["out_of_sequence"], row["sequenced_stops"]),
            "cost_cents": row["cost_cents"], "co2_g": row["co2_g"]})
    return result


# --- ratings and notifications -------------------------------------------------------------------------

def _orders_in_period(org_id: int, start: date, end: date, depot_id=None):
    statement = select(Order.id).where(Order.org_id == org_id, Order.delivery_date >= start,
                                       Order.delivery_date <= end)
    if depot_id is not None:
        statement = statement.where(Order.depot_id == depot_id)
    return statement


def ratings(org_id: int, start: date, end: date, *, depot_id=None, driver_id=None, comments_limit: int = 100) -> dict:
    """Customer ratings of orders due in the period: mean, distribution 1-5 and the latest comments."""
    _check_range(start, end)
    try:
        from backend.customer.models import Rating
    except ImportError:  # the customer domain is optional in a stripped build
        return {"available": False, "count": 0, "mean": None, "distribution": {}, "comments": []}
    base = select(Rating).where(Rating.org_id == org_id, Rating.order_id.in_(_orders_in_period(org_id, start, end,
                                                                                                depot_id)))
    if driver_id is not None:
        base = base.where(Rating.driver_id == driver_id)
    subquery = base.subquery()
    counts = {int(score): n for score, n in db.session.execute(
        select(subquery.c.score, func.count()).group_by(subquery.c.score)).all()}
    total = sum(counts.values())
    mean = round(sum(score * n for score, n in counts.items()) / total, 2) if total else None
    comments = [{"order_id": r.order_id, "score": r.score, "comment": r.comment, "driver_id": r.driver_id,
                 "at": r.created_at.isoformat()}
                for r in db.session.scalars(base.where(Rating.comment != "").order_by(Rating.created_at.desc())
                                            .limit(comments_limit))]
    return {"available": True, "count": total, "mean": mean,
            "distribution": {str(score): counts.get(score, 0) for score in range(1, 6)}, "comments": comments}


def notifications(org_id: int, start: date, end: date, *, depot_id=None) -> dict:
    """Messages per channel for orders due in the period: sent (accepted by the provider, including those
    later confirmed delivered), delivered (confirmed), failed, and suppressed (practice). SMS segments are
    those of the messages sent (what providers bill), and their cost is segments × SMS_SEGMENT_COST_CENTS
    (a decimal number of cents per segment), rounded to a whole cent."""
    _check_range(start, end)
    try:
        from backend.notify.models import OutboxMessage
    except ImportError:
        return {"available": False, "channels": {}, "sms_cost_available": False}
    rows = db.session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count(), func.sum(OutboxMessage.sms_segments))
        .where(OutboxMessage.org_id == org_id, OutboxMessage.order_id.in_(_orders_in_period(org_id, start, end,
                                                                                           depot_id)))
        .group_by(OutboxMessage.channel, OutboxMessage.status)).all()
    channels: dict[str, dict] = {}
    from decimal import ROUND_HALF_UP, Decimal

    from flask import current_app

    cost_per_segment = Decimal(str(current_app.config["SMS_SEGMENT_COST_CENTS"]))
    for channel, status, count, segment_total in rows:
        entry = channels.setdefault(channel.value, {"total": 0, "sent": 0, "delivered": 0, "failed": 0,
                                                    "suppressed": 0, "sms_segments": 0, "sms_cost_cents": 0})
        entry["total"] += count
        if status.value in ("sent", "delivered"):
            entry["sent"] += count
            if channel.value == "sms":
                entry["sms_segments"] += int(segment_total or 0)
        if status.value in ("delivered", "failed", "suppressed"):
            entry[status.value] += count
    for entry in channels.values():
        entry["sms_cost_cents"] = int((entry["sms_segments"] * cost_per_segment).quantize(Decimal(1), ROUND_HALF_UP))
    return {"available": True, "channels": channels, "sms_cost_available": True}


# --- goals and alerts ---------------------------------------------------------------------------

def _check_goal_fields(org_id: int, data: dict) -> None:
    if "kpi" in data and data["kpi"] not in kpis.KPIS:
        raise InvalidInput("Unknown KPI.", fields={"kpi": [f"One of: {', '.join(kpis.KPIS)}."]})
    if data.get("depot_id") is not None and db.session.scalar(
            select(Depot.id).where(Depot.org_id == org_id, Depot.id == data["depot_id"])) is None:
        raise InvalidInput("No such depot.", fields={"depot_id": ["Not found."]})


@transactional
def create_goal(org_id: int, data: dict) -> KpiGoal:
    _check_goal_fields(org_id, data)
    data = dict(data)
    data.setdefault("comparison", ">=" if kpis.KPIS[data["kpi"]].better == "higher" else "<=")
    goal = KpiGoal(org_id=org_id, **data)
    db.session.add(goal)
    return goal


def get_goal(org_id: int, goal_id: int) -> KpiGoal:
    goal = db.session.scalar(select(KpiGoal).where(KpiGoal.org_id == org_id, KpiGoal.id == goal_id))
    if goal is None:
        raise NotFound("No such goal.")
    return goal


@transactional
def update_goal(org_id: int, goal_id: int, data: dict) -> KpiGoal:
    goal = get_goal(org_id, goal_id)
    _check_goal_fields(org_id, data)
    for key, value in data.items():
        setattr(goal, key, value)
    return goal


@transactional
def delete_goal(org_id: int, goal_id: int) -> None:
    db.session.delete(get_goal(org_id, goal_id))


def list_goals(org_id: int) -> list[KpiGoal]:
    return list(db.session.scalars(select(KpiGoal).where(KpiGoal.org_id == org_id).order_by(KpiGoal.id)))


PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}


def scorecard(org_id: int, end: date, *, period: str = "week", depot_id=None, source: str = SOURCE_OPERATIONS) -> dict:
    """Every KPI over the period ending `end`, against the previous period of the same length (its trend)
    and against the goal that applies (the depot's own goal first, else the organization's)."""
    days = PERIOD_DAYS.get(period, 7)
    start = end - timedelta(days=days - 1)
    current = kpis.compute_all(totals_for(org_id, start, end, depot_id=depot_id, source=source))
    previous = kpis.compute_all(totals_for(org_id, start - timedelta(days=days), start - timedelta(days=1),
                                           depot_id=depot_id, source=source))
    goals = {}
    for goal in list_goals(org_id):
        if not goal.active or goal.depot_id not in (None, depot_id):
            continue
        if goal.kpi not in goals or goal.depot_id is not None:
            goals[goal.kpi] = goal
    items = []
    for definition in kpis.KPIS.values():
        value, before = current[definition.name], previous[definition.name]
        goal = goals.get(definition.name)
        trend = None if value is None or before is None else round(value - before, 4)
        improving = None if trend is None or trend == 0 else (trend > 0) == (definition.better == "higher")
        items.append({"kpi": definition.name, "unit": definition.unit, "better": definition.better,
                      "definition": definition.definition, "value": value, "previous": before, "trend": trend,
                      "improving": improving,
                      "goal": None if goal is None else {"id": goal.id, "comparison": goal.comparison,
                                                         "target": goal.target, "depot_id": goal.depot_id},
                      "meets_goal": None if goal is None else kpis.meets(value, goal.comparison, goal.target)})
    return {"from": start.isoformat(), "to": end.isoformat(), "period": period, "depot_id": depot_id, "kpis": items}


def alert_payload(alert: KpiAlert) -> dict:
    return KpiAlertEventSchema().dump(alert)


@transactional
def check_goals(today: date | None = None, org_id: int | None = None) -> int:
    """A KPI that missed its goal on each of the goal's last `alert_after_days` days (the days before
    today; days with no value, e.g. no delivery, break the run) raises one alert for that goal and day,
    stored, sent as `alert` to the organization's dispatch room, and pushed to its admins' browsers.
   """
    from backend.auth.models import Role, User
    from backend.notify import service as notify_service
    from backend.realtime import emit, rooms

    today = today or utcnow().date()
    statement = select(KpiGoal).where(KpiGoal.active.is_(True))
    if org_id is not None:
        statement = statement.where(KpiGoal.org_id == org_id)
    raised = []
    for goal in db.session.scalars(statement).all():
        last_day = today - timedelta(days=1)
        if db.session.scalar(select(KpiAlert.id).where(KpiAlert.goal_id == goal.id, KpiAlert.day == last_day)):
            continue
        first_day = last_day - timedelta(days=goal.alert_after_days - 1)
        by_day = {row["period"]: row["kpis"][goal.kpi]
                  for row in series(goal.org_id, first_day, last_day, "day", depot_id=goal.depot_id)}
        values = [by_day.get((first_day + timedelta(days=n)).isoformat()) for n in range(goal.alert_after_days)]
        if any(kpis.meets(value, goal.comparison, goal.target) is not False for value in values):
            continue
        alert = KpiAlert(org_id=goal.org_id, goal_id=goal.id, kpi=goal.kpi, depot_id=goal.depot_id, day=last_day,
                         days_behind=goal.alert_after_days, value=values[-1], target=goal.target,
                         message=(f"{goal.kpi} has missed its goal ({goal.comparison} {goal.target:g}) for "
                                  f"{goal.alert_after_days} days in a row; last value {values[-1]:g}."))
        db.session.add(alert)
        db.session.flush()
        emit.queue_emit(db.session, "alert", alert_payload(alert), rooms.dispatch(goal.org_id))
        for user_id in db.session.scalars(select(User.id).where(User.org_id == goal.org_id, User.role == Role.admin,
                                                                User.active.is_(True))).all():
            notify_service.queue_user_push(goal.org_id, user_id, "kpi_behind_goal", "A KPI is behind its goal",
                                           alert.message, f"kpi-alert:{alert.id}", url="/dispatch/analytics")
        raised.append(alert)
    return len(raised)


def alerts_statement(org_id: int):
    return select(KpiAlert).where(KpiAlert.org_id == org_id).order_by(KpiAlert.created_at.desc(), KpiAlert.id.desc())


def daily_summary(org_id: int, day: date) -> dict:
    """The day's KPIs and the goals missed, for the admins' daily summary."""
    card = scorecard(org_id, day, period="day")
    return {"day": day.isoformat(), "kpis": {item["kpi"]: item["value"] for item in card["kpis"]},
            "missed_goals": [item["kpi"] for item in card["kpis"] if item["meets_goal"] is False]}


SUMMARY_KPIS = ("on_time_rate", "first_attempt_success_rate", "stops_per_route_hour", "cost_cents_per_stop",
                "co2_g_per_stop")


def summary_text(summary: dict) -> str:
    values = summary["kpis"]

    def shown(name):
        value = values.get(name)
        if value is None:
            return "-"
        return f"{value * 100:.1f} %" if kpis.KPIS[name].unit == "ratio" else f"{value:g} {kpis.KPIS[name].unit}"
    parts = [f"{name.replace('_', ' ')}: {shown(name)}" for name in SUMMARY_KPIS]
    missed = summary["missed_goals"]
    return "; ".join(parts) + (f". Behind goal: {', '.join(missed)}." if missed else ". Every goal met.")


@transactional
def send_daily_summary(org_id: int, day: date) -> int:
    """Each active admin of the organization gets the day's summary as a push message, once per day
    (the notification pipeline's dedupe key names the day; practice organizations send nothing)."""
    from backend.auth.models import Role, User
    from backend.notify import service as notify_service

    summary = daily_summary(org_id, day)
    text = summary_text(summary)
    browsers = 0
    for user_id in db.session.scalars(select(User.id).where(User.org_id == org_id, User.role == Role.admin,
                                                            User.active.is_(True))).all():
        browsers += notify_service.queue_user_push(org_id, user_id, "analytics_summary",
                                                   f"Deliveries on {day.isoformat()}", text,
                                                   f"analytics-summary:{day.isoformat()}",
                                                   url="/dispatch/#/analytics")
    return browsers
