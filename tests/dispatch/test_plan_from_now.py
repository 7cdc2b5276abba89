"""Planning and re-planning start from now: a plan made mid-day or at night, and a route re-planned on the road.

The server's clock (backend.clock) is set to a local time of the depot's day; the shift is 08:00–17:00.
"""
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest

from backend import clock
from backend.dispatch import planning
from backend.dispatch.models import Route
from backend.extensions import db
from backend.fleet.models import Driver
from tests.dispatch.helpers import action, make_orders
from tests.support import TZ, commit, tomorrow


@contextmanager
def local_time(day, hour: int, minute: int = 0):
    """The server's clock reads this local time of `day` in the depot's zone (and runs on from there)."""
    clock.use(clock.starting_at(datetime.combine(day, time(hour, minute), TZ), 1.0))
    try:
        yield datetime.combine(day, time(hour, minute), TZ)
    finally:
        clock.use(None)


def _shift(app, org, start: time, end: time) -> None:
    with app.app_context():
        for driver_id in (org.driver_id, org.other_driver_id):
            driver = db.session.get(Driver, driver_id)
            driver.shift_start, driver.shift_end = start, end
        commit()


def _plan(app, org, day, driver_ids=None) -> dict:
    with app.app_context():
        return planning.plan_day(org.org_id, day, org.depot_id, driver_ids=driver_ids or [org.driver_id],
                                 time_limit=1)


def _routes(dispatcher, ids):
    return [dispatcher.get(f"/api/v1/routes/{route_id}").get_json() for route_id in ids]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_a_plan_made_at_1pm_starts_at_1pm_with_no_time_in_the_past(app, org, dispatcher):
    day = tomorrow()
    _shift(app, org, time(8, 0), time(17, 0))
    ids = make_orders(dispatcher, 6, day=day)  # windows 9–11, 10–12, ..., 14–16
    with local_time(day, 13) as now:
        plan = _plan(app, org, day)
        routes = _routes(dispatcher, plan["route_ids"])
    stops = [stop for route in routes for stop in route["stops"]]
    assert sorted(stop["order"]["id"] for stop in stops) == sorted(ids) and plan["unassigned"] == []
    assert min(_at(route["planned_start_at"]) for route in routes) >= now
    for stop in stops:
        assert _at(stop["planned_arrival_at"]) >= now and _at(stop["eta_at"]) >= now, stop
    # The windows over by 13:00 (9–11, 10–12, 11–13) are planned late and say why.
    passed = {stop["order"]["external_ref"] for stop in stops if (stop["planned_late"] or {}).get("window_passed")}
    assert passed == {"R-1", "R-2", "R-3"}
    assert {item["external_ref"] for item in plan["late"]} >= passed
    for stop in stops:
        end = max(_at(w["end"]) for w in stop["order"]["time_windows"])
        assert (stop["planned_late"] is not None) == (_at(stop["planned_arrival_at"]) > end), stop


def test_a_plan_made_at_10pm_plans_every_stop_late_and_says_so(app, org, dispatcher):
    """At 22:00 every window and the 08:00–17:00 shift are over: the route starts at 22:00 (flagged as after
    the shift), every stop is planned late with its window marked as passed; only a hard rule (here a
    skill no driver has) leaves an order out, with its reason."""
    day = tomorrow()
    _shift(app, org, time(8, 0), time(17, 0))
    ids = make_orders(dispatcher, 4, day=day)
    fridge = make_orders(dispatcher, 1, prefix="COLD", day=day, required_skills=["fridge"])
    with local_time(day, 22) as now:
        plan = _plan(app, org, day)
        routes = _routes(dispatcher, plan["route_ids"])
    stops = [stop for route in routes for stop in route["stops"]]
    assert sorted(stop["order"]["id"] for stop in stops) == sorted(ids)
    assert plan["unassigned"] == [{"order_id": fridge[0], "external_ref": "COLD-1", "reason": "skills"}]
    assert plan["after_shift_driver_ids"] == [org.driver_id]
    assert all(_at(stop["planned_arrival_at"]) >= now and _at(stop["eta_at"]) >= now for stop in stops)
    assert all(stop["planned_late"] and stop["planned_late"]["window_passed"] for stop in stops)
    assert sorted(item["order_id"] for item in plan["late"]) == sorted(ids)


def test_a_plan_made_the_evening_before_is_unchanged_by_the_clock(app, org, dispatcher):
    day = tomorrow()
    _shift(app, org, time(8, 0), time(17, 0))
    make_orders(dispatcher, 3, day=day)
    with local_time(day - timedelta(days=1), 20):
        plan = _plan(app, org, day)
        route = _routes(dispatcher, plan["route_ids"])[0]
    assert _at(route["planned_start_at"]) >= datetime.combine(day, time(8, 0), TZ)
    assert all(stop["planned_late"] is None for stop in route["stops"])


def test_a_route_re_planned_on_the_road_keeps_its_done_stops_and_starts_from_the_driver(app, org, dispatcher):
    day = tomorrow()
    _shift(app, org, time(8, 0), time(17, 0))
    make_orders(dispatcher, 5, day=day)
    with local_time(day, 7):
        route = _routes(dispatcher, _plan(app, org, day)["route_ids"])[0]
    assert dispatcher.post(f"/api/v1/routes/{route['id']}/publish").status_code == 200
    driver = org.as_role("driver")
    with local_time(day, 11, 30) as now:
        assert action(driver, route, "route.start", at=now).status_code == 200
        first = sorted(route["stops"], key=lambda s: s["sequence"])[0]
        assert action(driver, route, "stop.arrive", stop=first, at=now).status_code == 200
        assert action(driver, route, "stop.complete", stop=first, at=now + timedelta(minutes=3),
                      recipient_name="Camille").status_code == 200
        done = dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()
        kept = next(s for s in done["stops"] if s["id"] == first["id"])
        # The driver is now far east of the depot: the re-plan starts there, at the clock's time.
        far = {"lat": 45.60, "lon": -73.50, "at": clock.now().isoformat()}
        answer = driver.post("/api/v1/driver/locations", json={"fixes": [far]})
        assert answer.status_code == 200 and answer.get_json()["accepted"] == 1, answer.get_json()
    with local_time(day, 12) as later:
        suggestion = dispatcher.post(f"/api/v1/routes/{route['id']}/reoptimization")
        assert suggestion.status_code == 200, suggestion.get_json()
        body = suggestion.get_json()
        assert body["stop_ids"][0] == first["id"]
        saved = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence",
                               json={"stop_ids": body["stop_ids"], "version": body["version"]})
        assert saved.status_code == 200, saved.get_json()
        with app.app_context():
            origin = db.session.get(Route, route["id"])
            remaining = [s for s in origin.stops if s.status.value == "pending"]
            from backend.dispatch import timing

            plan = timing.time_route(origin, sorted(origin.stops, key=lambda s: s.sequence))
            assert plan["from_position"] == (45.60, -73.50)
    after = saved.get_json()
    visited = next(s for s in after["stops"] if s["id"] == first["id"])
    assert visited["status"] == "completed" and visited["planned_arrival_at"] == kept["planned_arrival_at"]
    assert visited["planned_late"] is None
    pending = [s for s in after["stops"] if s["status"] == "pending"]
    assert len(pending) == len(remaining) == 4
    first_next = min(_at(s["planned_arrival_at"]) for s in pending)
    # From the driver's position (about 10 km from the depot) at 12:00: never before now.
    assert first_next >= later
    for stop in body["preview"]["stops"][1:]:
        assert _at(stop["eta"]) >= later
