"""A day half done: one route finished, one still on the road. The figures count only what has happened and
say they are partial; no "-100 %" against the plan nor "0 s" of driving for the route not finished."""
from __future__ import annotations

from tests.analytics.helpers import DAY, at, build_day
from tests.support import commit


def _get(api, path, **params):
    response = api.get(path, query_string={"from": DAY.isoformat(), "to": DAY.isoformat(), **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _half_done(org) -> dict:
    """build_day's day, with driver one's route (six stops, four attempted) still on the road."""
    from backend.dispatch.models import Route, RouteStatus
    from backend.extensions import db

    built = build_day(org)
    with org.app.app_context():
        route = db.session.get(Route, built["route_id"])
        route.status, route.completed_at = RouteStatus.in_progress, None
        commit()
    return built


def test_a_day_in_progress_counts_only_the_finished_route_and_says_it_is_partial(org, admin):
    built = _half_done(org)
    day = _get(admin, "/api/v1/analytics/kpis")
    assert day["in_progress_routes"] == 1
    (period,) = day["items"]
    values, components = period["kpis"], period["components"]
    # What happened at route one's stops counts (five attempts, two failures); its time, distance and plan
    # wait for its end: route two alone (13:00-14:00, planned 1 h, one stop 13:30-13:35) gives those.
    assert components["attempted"] == 6 and components["failed"] == 2
    assert components["routes"] == 1 and components["route_attempted"] == 1
    assert values["duration_over_plan"] == 0.0                          # 3600 s against 3600 s planned
    assert values["driving_s_per_route"] == 3_600 - 300
    assert values["stops_per_route_hour"] == 1.0                        # one attempt in one hour

    plan = _get(admin, "/api/v1/analytics/plan-vs-actual")
    assert plan["in_progress_routes"] == 1
    assert [row["route_id"] for row in plan["items"]] == [built["other_route_id"]]
    assert all(row["duration_s"] > 0 for row in plan["items"])

    mine = _get(admin, "/api/v1/analytics/kpis", driver_id=org.driver_id)
    assert mine["in_progress_routes"] == 1
    values = mine["items"][0]["kpis"]
    assert values["delivery_success_rate"] == 0.6                       # 3 delivered of 5 attempts so far
    for name in ("duration_over_plan", "distance_over_plan", "driving_s_per_route", "stops_per_route_hour",
                 "cost_cents_per_stop"):
        assert values[name] is None, name                               # not -100 %, not 0 s: not yet known
    by_driver = _get(admin, "/api/v1/analytics/breakdown", by="driver")
    assert by_driver["in_progress_routes"] == 1
    still_driving = next(item for item in by_driver["items"] if item["key"] == org.driver_id)
    assert still_driving["kpis"]["driving_s_per_route"] is None


def test_once_the_route_ends_it_counts_and_nothing_is_partial(org, admin):
    from backend.dispatch.models import Route, RouteStatus
    from backend.extensions import db

    built = _half_done(org)
    with org.app.app_context():
        route = db.session.get(Route, built["route_id"])
        route.status, route.completed_at = RouteStatus.completed, at(17)
        commit()
    day = _get(admin, "/api/v1/analytics/kpis")
    assert day["in_progress_routes"] == 0 and day["items"][0]["components"]["routes"] == 2
    assert _get(admin, "/api/v1/analytics/scorecard", period="day", end=DAY.isoformat())["in_progress_routes"] == 0
