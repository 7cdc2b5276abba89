"""When a route's stops are served if it is (re)planned now: never before now, from where the driver is.

- A route (re)planned after its day has begun starts at the later of now and the driver's shift start,
  so no planned time and no ETA lies in the past.
- It starts from the driver's last known position when the driver is on duty: the route is on the road,
  or the phone reported a fix lately (within POSITION_STALE_AFTER_S); otherwise from the driver's start
  address or the depot.
- Stops already visited (arrived or finished) keep their times; only the stops still to do are timed.
- A time window that cannot be met any more stays in the problem: plan mode times the stop after it and
  reports a `delay` violation, so the stop is planned late and said so (:func:`planned_late`), never
  moved silently nor dropped.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from backend.database import utcnow
from backend.dispatch import problems
from backend.dispatch.models import Route, RouteStatus, StopStatus
from backend.dispatch.summaries import window_end
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.tracking.models import DriverPosition

TO_DO = (StopStatus.pending,)


def still_to_do(item) -> bool:
    """A stop still to visit (a preview's stand-in for an order not on a route yet counts as one)."""
    return getattr(item, "status", StopStatus.pending) in TO_DO


def plan_moment(day, depot: Depot, now: datetime) -> datetime | None:
    """`now` while the route's day is under way or ahead (the solver keeps the later of it and the shift
    start); None once the day is over, when a route is only re-timed as it was planned."""
    day_end = problems.day_origin(day, depot.timezone) + timedelta(days=1)
    return now if now < day_end else None


def on_duty_position(route: Route | None, driver_id: int | None, now: datetime) -> tuple[float, float] | None:
    """The driver's last fix when on duty: on the road with this route, or reporting lately."""
    if driver_id is None:
        return None
    position = db.session.get(DriverPosition, driver_id)
    if position is None:
        return None
    if route is not None and route.status is RouteStatus.in_progress:
        return position.lat, position.lon
    fresh = (now - position.at).total_seconds() <= current_app.config["POSITION_STALE_AFTER_S"]
    return (position.lat, position.lon) if fresh else None


def time_route(route: Route, items: list, *, pace: float = 1.0) -> dict:
    """Time `items` (the route's stops, in this order) as if planned now.

    Returns the plan of the stops still to do (problems.evaluate_sequence's answer) plus "timed":
    {id(item): (arrival, departure, violations)} for those stops, "from_position" (the driver's position
    it starts from, or None) and "not_before" (now, or None for a day already over).
    """
    depot = db.session.get(Depot, route.depot_id)
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    now = utcnow()
    start_at = plan_moment(route.date, depot, now)
    start = on_duty_position(route, route.driver_id, now) if start_at is not None else None
    to_time = [item for item in items if still_to_do(item)]
    plan = problems.evaluate_sequence(depot, driver, vehicle, route.date, [(item.order, getattr(item, "kind", None)) for item in to_time],
                                      start=start, start_at=start_at, pace=pace)
    plan["timed"] = {id(item): (arrival, departure, violations) for item, (arrival, departure), violations
                     in zip(to_time, plan["arrivals"], plan["violations"])}
    plan["from_position"], plan["not_before"] = start, start_at
    return plan


def planned_late(stop) -> dict | None:
    """Why a stop still to do is planned after its window: None when it is not (the plan's word; the
    ETA on the road is the summary's `at_risk`).

    `window_passed`: the window had already ended when the route's remaining work was planned to start;
    otherwise the stop cannot be reached in time. Finished stops are history and are never flagged."""
    if not still_to_do(stop):
        return None
    end = window_end(stop.order, getattr(stop, "kind", None))
    expected = stop.planned_arrival_at
    if end is None or expected is None or expected <= end:
        return None
    route = stop.route
    started = route.planned_start_at if route is not None else None
    return {"late_by_s": int((expected - end).total_seconds()), "window_end": end,
            "window_passed": bool(started and end <= started)}
