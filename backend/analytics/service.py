"""Analytics use cases that write: roll-ups as days close (and the nightly job that closes them), goals
and their alerts, the daily summary.

Reads the operational tables through facts.py and the roll-ups through reports.py, and writes only the
analytics tables. Each use case that writes commits once.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import delete, select

from backend.analytics import kpis
from backend.analytics.facts import depot_rows, operational_route_days, rollup_row
from backend.analytics.models import SOURCE_OPERATIONS, ClosedDay, DailyRollup, FailedDelivery, KpiAlert, KpiGoal
from backend.analytics.reports import series, totals_for
from backend.analytics.schemas import KpiAlertEventSchema
from backend.database import utcnow
from backend.dispatch.models import Route
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.fleet.models import Depot
from backend.unit_of_work import transactional

log = logging.getLogger(__name__)


def _replace_day(org_id: int, day: date) -> int:
    """Close a day: replace its stored roll-up and failure rows with freshly computed ones."""
    computed = operational_route_days(org_id, day)
    db.session.execute(delete(DailyRollup).where(DailyRollup.org_id == org_id, DailyRollup.source == SOURCE_OPERATIONS,
                                                 DailyRollup.day == day))
    db.session.execute(delete(FailedDelivery).where(FailedDelivery.org_id == org_id,
                                                    FailedDelivery.source == SOURCE_OPERATIONS,
                                                    FailedDelivery.day == day))
    now = utcnow()
    rows = [rollup_row(org_id, day, route, components, refreshed_at=now) for route, components, _ in computed]
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
