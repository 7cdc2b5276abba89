"""Every KPI on a small day computed by hand (tests/analytics/helpers.build_day has the times).

Route 1 (driver one; van: 2000 c fixed, 3000 c/h, 50 c/km, 200 g CO2/km), 13:00-17:00 UTC = 14,400 s,
planned 40,000 m and 12,600 s; breadcrumbs (0,0) -> (0,0.1) -> (0,0.2): 2 x 6,371,000 x 0.1 x pi/180
= 22,238.98 -> 22,239 m.

  stop  window        arrived  left   outcome            service  waiting  on time
  S1    13:00-15:00   13:20    13:25  delivered          300      0        yes
  S2    14:30-16:00   14:10    14:40  delivered          600      1200     yes (14:40)
  S3    13:00-14:00   13:50    14:05  delivered          900      0        no (14:05)
  S4    -             15:00    15:05  failed not_home    300      0        (2nd attempt: failed yesterday)
  S5    -             16:00    16:02  failed wrong_addr  120      0
  S6    -             -        -      not attempted

Route 2 (driver two, no vehicle): 13:00-14:00, planned 10,000 m / 3,600 s, no breadcrumbs; S7 delivered
13:30-13:35 without a window. A draft route is not counted.
"""
from __future__ import annotations

import math

import pytest

from tests.analytics.helpers import DAY, build_day

ROUTE_ONE = {
    "routes": 1, "stops": 6, "attempted": 5, "delivered": 3, "failed": 2, "windowed_deliveries": 3, "on_time": 2,
    "first_attempts": 4, "first_attempt_delivered": 3, "route_s": 14_400, "service_s": 2_220, "waiting_s": 1_200,
    "driving_s": 14_400 - 2_220 - 1_200, "distance_m": 22_239, "planned_distance_m": 40_000,
    "planned_duration_s": 12_600, "cost_cents": 2_000 + 3_000 * 4 + 1_112, "co2_g": 4_448,
    "sequenced_stops": 5, "out_of_sequence": 1, "rating_count": 2, "rating_sum": 8,
}


def _get(api, path, **params):
    response = api.get(path, query_string={"from": DAY.isoformat(), "to": DAY.isoformat(), **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_hand_computed_day(org, admin):
    built = build_day(org)
    # Haversine of 0.1 degree of longitude on the equator, twice, as the docstring says.
    assert round(2 * 6_371_000 * math.radians(0.1)) == ROUTE_ONE["distance_m"]

    one = _get(admin, "/api/v1/analytics/kpis", driver_id=org.driver_id)["items"]
    assert len(one) == 1 and one[0]["period"] == DAY.isoformat()
    components, values = one[0]["components"], one[0]["kpis"]
    for name, expected in ROUTE_ONE.items():
        assert components[name] == expected, name
    assert components["failure_reasons"] == {"not_home": 1, "wrong_address": 1}
    assert components["rating_scores"] == {"5": 1, "3": 1}
    assert values["on_time_rate"] == round(2 / 3, 4)
    assert values["first_attempt_success_rate"] == 0.75
    assert values["delivery_success_rate"] == 0.6
    assert values["failed_deliveries"] == 2
    assert values["stops_per_route_hour"] == 1.25                      # 5 attempts / 4 h
    assert values["driving_s_per_route"] == 10_980                    # 14400 - 2220 - 1200
    assert values["service_s_per_stop"] == 444                         # 2220 / 5
    assert values["waiting_s_per_route"] == 1_200
    assert values["distance_m_per_stop"] == 4_448                      # 22239 / 5 = 4447.8
    assert values["distance_m_per_route"] == 22_239
    assert values["cost_cents_per_stop"] == 3_022                      # 15112 / 5 = 3022.4
    assert values["cost_cents_per_route"] == 15_112
    assert values["co2_g_per_stop"] == 890                             # 4448 / 5 = 889.6
    assert values["distance_over_plan"] == round((22_239 - 40_000) / 40_000, 4)
    assert values["duration_over_plan"] == round((14_400 - 12_600) / 12_600, 4)
    assert values["out_of_sequence_rate"] == 0.2                       # S3 before S2, 1 of 5 visits
    # ETA shown 60 min before: S1 13:10 vs 13:20, S3 13:40 vs 13:50; S2 had no ETA yet.
    assert (values["eta_mae_s_60"], values["eta_p90_s_60"]) == (600, 600)
    # 30 min: S1 13:28 (480 s), S3 13:52 (120 s): mean 300, p90 = 2nd of 2 = 480.
    assert (values["eta_mae_s_30"], values["eta_p90_s_30"]) == (300, 480)
    # 10 min: S1 13:21 (60), S3 13:52 (120), S2 14:13 (180): mean 120, p90 = 3rd of 3 = 180.
    assert (values["eta_mae_s_10"], values["eta_p90_s_10"]) == (120, 180)
    assert values["rating_mean"] == 4.0

    day = _get(admin, "/api/v1/analytics/kpis")["items"][0]["kpis"]
    assert day["on_time_rate"] == round(2 / 3, 4)                     # S7 had no window
    assert day["first_attempt_success_rate"] == 0.8                   # 4 of 5 first attempts
    assert day["stops_per_route_hour"] == 1.2                         # 6 attempts / 5 h
    assert day["service_s_per_stop"] == 420                           # (2220 + 300) / 6
    assert day["cost_cents_per_stop"] == round(15_112 / 6)
    assert day["distance_over_plan"] == round((22_239 + 10_000 - 50_000) / 50_000, 4)

    by_driver = {row["key"]: row for row in _get(admin, "/api/v1/analytics/breakdown", by="driver")["items"]}
    assert by_driver[org.driver_id]["label"] == "Driver One"
    assert by_driver[org.other_driver_id]["components"]["distance_m"] == 10_000  # no breadcrumbs: the plan's
    reasons = _get(admin, "/api/v1/analytics/breakdown", by="reason")["items"]
    assert {(r["key"], r["failed"]) for r in reasons} == {("not_home", 1), ("wrong_address", 1)}

    failures = _get(admin, "/api/v1/analytics/failed-deliveries")
    assert failures["total"] == 2
    assert {(f["external_ref"], f["reason"], f["lat"]) for f in failures["items"]} == {
        ("S4", "not_home", 45.51), ("S5", "wrong_address", 45.52)}

    routes = {r["route_id"]: r for r in _get(admin, "/api/v1/analytics/plan-vs-actual")["items"]}
    assert set(routes) == {built["route_id"], built["other_route_id"]}
    assert routes[built["route_id"]]["distance_delta_m"] == 22_239 - 40_000
    assert routes[built["route_id"]]["duration_delta_s"] == 1_800

    ratings = _get(admin, "/api/v1/analytics/ratings")
    assert ratings["mean"] == 4.0 and ratings["distribution"]["5"] == 1 and ratings["distribution"]["3"] == 1
    assert [c["comment"] for c in ratings["comments"]] == ["Parfait"]


def test_a_closed_day_reads_the_same_from_its_rollup(org, admin):
    build_day(org)
    live = _get(admin, "/api/v1/analytics/kpis")["items"]
    live_failures = _get(admin, "/api/v1/analytics/failed-deliveries")
    response = admin.post("/api/v1/analytics/rollups/refresh", json={"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert response.status_code == 200, response.get_json()
    with org.app.app_context():
        from sqlalchemy import func, select

        from backend.analytics.models import DailyRollup
        from backend.extensions import db

        grains = dict(db.session.execute(select(DailyRollup.grain, func.count()).group_by(DailyRollup.grain)).all())
        assert grains == {"route": 2, "depot": 1}          # each route-day, and the depot's day as their sum
    assert _get(admin, "/api/v1/analytics/kpis")["items"] == live
    stored = _get(admin, "/api/v1/analytics/failed-deliveries")
    assert stored["total"] == live_failures["total"] == 2
    assert sorted(f["external_ref"] for f in stored["items"]) == ["S4", "S5"]
    weekly = _get(admin, "/api/v1/analytics/kpis", grain="month")["items"]
    assert weekly[0]["period"] == DAY.replace(day=1).isoformat()
    assert weekly[0]["kpis"] == live[0]["kpis"]


def test_every_chart_is_also_csv(org, dispatcher):
    build_day(org)
    for path, params in (("/api/v1/analytics/kpis.csv", {}), ("/api/v1/analytics/kpis", {"format": "csv"}),
                         ("/api/v1/analytics/breakdown.csv", {"by": "driver"}),
                         ("/api/v1/analytics/failed-deliveries.csv", {}), ("/api/v1/analytics/plan-vs-actual.csv", {}),
                         ("/api/v1/analytics/ratings.csv", {})):
        response = dispatcher.get(path, query_string={"from": DAY.isoformat(), "to": DAY.isoformat(), **params})
        assert response.status_code == 200, (path, response.data[:300])
        assert response.mimetype == "text/csv"
        lines = response.data.decode().splitlines()
        assert len(lines) >= 2, path
    import csv
    import io

    empty = dispatcher.get("/api/v1/analytics/notifications.csv", query_string={"from": DAY.isoformat(),
                                                                               "to": DAY.isoformat()})
    assert empty.status_code == 200 and empty.data.decode().splitlines()[0].startswith("channel,total,sent")
    rows = list(csv.DictReader(io.StringIO(dispatcher.get("/api/v1/analytics/kpis.csv", query_string={
        "from": DAY.isoformat(), "to": DAY.isoformat()}).data.decode())))
    assert rows[0]["period"] == DAY.isoformat() and float(rows[0]["on_time_rate"]) == round(2 / 3, 4)


@pytest.mark.parametrize("role", ["driver", "anonymous"])
def test_drivers_and_strangers_see_nothing(org, role):
    build_day(org)
    response = org.as_role(role).get("/api/v1/analytics/kpis", query_string={"from": DAY.isoformat(),
                                                                             "to": DAY.isoformat()})
    assert response.status_code == (403 if role == "driver" else 401)
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_another_organization_never_sees_the_day(org, other_org):
    build_day(org)
    api = other_org.as_role("admin")
    assert _get(api, "/api/v1/analytics/kpis")["items"] == []
    assert _get(api, "/api/v1/analytics/kpis", driver_id=org.driver_id)["items"] == []
    assert _get(api, "/api/v1/analytics/failed-deliveries")["total"] == 0
    assert _get(api, "/api/v1/analytics/ratings")["count"] == 0


@pytest.mark.parametrize("params", [{"from": "2026-11-05", "to": "2026-11-01"}, {"from": "1900-01-01", "to": "2026-01-01"},
                                    {"from": "2020-01-01", "to": "2026-01-01"}, {"from": "nope", "to": "2026-01-01"},
                                    {"from": "2026-11-01", "to": "2026-11-02", "grain": "year"}])
def test_bad_periods_are_refused_with_the_error_shape(admin, params):
    response = admin.get("/api/v1/analytics/kpis", query_string=params)
    assert response.status_code == 422
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
