"""What the analytics dashboard reads: KPI series and totals over a period, breakdowns, failed
deliveries, plan against actual, ratings and notifications. Closed days come from the stored roll-ups;
days not closed yet are computed from the operational facts on the fly (backend/analytics/facts.py).
Reads only.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from backend.analytics import kpis
from backend.analytics.facts import depot_rows, operational_route_days, rollup_row
from backend.analytics.models import GRAIN_DEPOT, GRAIN_ROUTE, SOURCE_OPERATIONS, ClosedDay, DailyRollup, FailedDelivery
from backend.dispatch.models import Route, RouteStatus
from backend.errors import InvalidInput
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders.models import Order

MAX_RANGE_DAYS = 400
GRAINS = ("day", "week", "month")
BREAKDOWNS = ("driver", "depot", "vehicle", "reason", "day")


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("The period ends before it starts.", fields={"to": ["Before 'from'."]})
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput(f"Ask for at most {MAX_RANGE_DAYS} days at a time.", fields={"to": ["Too long a period."]})


def route_days(org_id: int, start: date, end: date, *, source: str = SOURCE_OPERATIONS, depot_id=None,
               driver_id=None, vehicle_id=None, import_id=None, grain: str | None = None) -> list[dict]:
    """The period's roll-up rows: stored ones for closed days, computed now for open ones.

    A day in progress counts only what has happened (kpis.route_day_components: a route not ended adds its
    stops' outcomes, not its time, distance or plan); in_progress_routes() says how many routes are not
    counted whole yet, so the figures are shown as partial.

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
                live.append(rollup_row(org_id, day, route, components))
        rows += live if grain == GRAIN_ROUTE else depot_rows(live)
    return rows


def in_progress_routes(org_id: int, start: date, end: date, *, source: str = SOURCE_OPERATIONS, depot_id=None,
                       driver_id=None, vehicle_id=None, **_ignored) -> int:
    """Routes of the period's open days not finished yet (published or on the road): left out of the figures."""
    if source != SOURCE_OPERATIONS:
        return 0
    _check_range(start, end)
    closed = select(ClosedDay.day).where(ClosedDay.org_id == org_id, ClosedDay.day >= start, ClosedDay.day <= end)
    statement = select(func.count(Route.id)).where(
        Route.org_id == org_id, Route.date >= start, Route.date <= end, Route.date.not_in(closed),
        Route.status.in_([RouteStatus.published, RouteStatus.in_progress]))
    for column, value in ((Route.depot_id, depot_id), (Route.driver_id, driver_id), (Route.vehicle_id, vehicle_id)):
        if value is not None:
            statement = statement.where(column == value)
    return db.session.scalar(statement) or 0


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
        return [{"key": reason, "label": reason, "failed": count, "share": kpis.ratio(count, failed)}
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
    ended = [row for row in route_days(org_id, start, end, grain=GRAIN_ROUTE, **filters) if row["routes"]]
    for row in sorted(ended,  # a route still on the road has no actual to hold against its plan yet
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
            "out_of_sequence_rate": kpis.ratio(row["out_of_sequence"], row["sequenced_stops"]),
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
