"""Assess: last month's deliveries imported as a baseline (same KPIs as our own), then replayed by the
optimizer as a job on a real worker."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

HEADER = "date,external_ref,lat,lon,window_start,window_end,delivered_at,driver,vehicle,outcome,failure_reason,planned_sequence"
GOOD_ROWS = [
    "2026-10-05,H1,45.51,-73.60,09:00,11:00,10:00,Alice,Van 1,delivered,,1",
    "2026-10-05,H2,45.53,-73.60,09:00,10:00,10:30,Alice,Van 1,delivered,,2",   # late
    "2026-10-05,H3,45.52,-73.60,,,11:00,Alice,Van 1,failed,not_home,3",
    "2026-10-05,H4,45.515,-73.60,12:00,14:00,12:30,Bob,Van 1,delivered,,1",
    "2026-10-06,H3,45.52,-73.60,09:00,12:00,09:30,Alice,Van 1,delivered,,1",    # second attempt of H3
]
BAD_ROWS = ["2026-10-05,H5,north,-73.60,,,10:45,Alice,Van 1,delivered,,4",
            "2026-10-05,H6,45.50,-73.60,,,10:50,Bob,Van 1,lost,,2"]


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _wait(api, response, timeout=60) -> dict:
    job = _finished(api, response, timeout)
    assert job["status"] == "succeeded", job
    return job["result"]


def _finished(api, response, timeout=60) -> dict:
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").get_json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    pytest.fail("job did not finish")


def _import(api, body, **params):
    query = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in params.items())
    return _wait(api, api.post(f"/api/v1/analytics/history/import?{query}", data=body,
                               headers={"Content-Type": "text/csv"}))


def _history_rows(app) -> int:
    from backend.analytics.models import DailyRollup, HistoryDelivery
    from backend.extensions import db

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(HistoryDelivery))
                + db.session.scalar(select(func.count()).select_from(DailyRollup)))


def test_history_import_previews_rows_then_gives_the_baseline_kpis(org, dispatcher, job_worker):
    body = _csv(*GOOD_ROWS, *BAD_ROWS)
    preview = _import(dispatcher, body, dry_run=True)
    assert preview["imported"] is False and preview["rows"] == 7 and preview["invalid"] == 2
    assert {(e["line"], e["field"]) for e in preview["errors"]} == {(7, "lat"), (8, "outcome")}
    assert all(set(e) == {"line", "field", "message"} for e in preview["errors"])
    refused = _import(dispatcher, body, dry_run=False)
    assert refused["imported"] is False and _history_rows(org.app) == 0
    done = _import(dispatcher, body, dry_run=False, skip_invalid=True, name="October")
    assert done["imported"] is True and done["imported_rows"] == 5
    imports = dispatcher.get("/api/v1/analytics/history/imports").get_json()["items"]
    assert [(i["name"], i["rows"], i["first_day"], i["last_day"]) for i in imports] == [
        ("October", 5, "2026-10-05", "2026-10-06")]

    period = {"from": "2026-10-05", "to": "2026-10-06", "source": "baseline"}
    totals = dispatcher.get("/api/v1/analytics/kpis", query_string={**period, "grain": "month"}).get_json()["items"][0]
    # With a window: H1 (on time), H2 (late), H4 (on time), H3 again (on time): 3 of 4.
    assert totals["kpis"]["on_time_rate"] == 0.75
    # First attempts: H1, H2, H3 (failed), H4 -> 3 delivered of 4; H3's second attempt is not a first.
    assert totals["kpis"]["first_attempt_success_rate"] == 0.75
    assert totals["components"]["failure_reasons"] == {"not_home": 1}
    assert totals["components"]["routes"] == 3                          # Alice twice, Bob once
    assert totals["components"]["route_s"] == 3600                      # Alice's first day: 10:00 -> 11:00
    drivers = dispatcher.get("/api/v1/analytics/breakdown", query_string={**period, "by": "driver"}).get_json()
    assert {row["label"] for row in drivers["items"]} == {"Alice", "Bob"}
    failures = dispatcher.get("/api/v1/analytics/failed-deliveries", query_string=period).get_json()
    assert [(f["external_ref"], f["driver_label"], f["lat"]) for f in failures["items"]] == [("H3", "Alice", 45.52)]
    # The baseline never mixes with our own operation.
    own = dispatcher.get("/api/v1/analytics/kpis", query_string={**period, "source": "operations"}).get_json()
    assert own["items"] == []


def test_replay_reports_what_the_optimizer_would_have_saved(org, dispatcher, job_worker):
    assert dispatcher.patch(f"/api/v1/vehicles/{org.vehicle_id}", json={
        "cost_fixed_cents": 20_000, "cost_per_km_cents": 40, "co2_g_per_km": 250}).status_code == 200
    imported = _import(dispatcher, _csv(*GOOD_ROWS), dry_run=False)
    result = _wait(dispatcher, dispatcher.post("/api/v1/analytics/replay", json={
        "import_id": imported["import_id"], "time_limit_s": 1}), timeout=120)
    assert result["days_replayed"] == 2 and result["unassigned"] == 0
    first, second = result["days"]
    assert (first["day"], first["stops"], second["stops"]) == ("2026-10-05", 4, 1)
    # Alice and Bob each drove from the depot; one van does all four stops in their windows.
    assert first["driven"]["vehicles"] == 2 and first["optimized"]["vehicles"] == 1
    assert first["saved"]["distance_m"] > 0 and first["saved"]["co2_g"] > 0
    for day in result["days"]:
        for key in ("distance_m", "vehicle_s", "vehicles", "co2_g"):
            assert day["saved"][key] == day["driven"][key] - day["optimized"][key]
    assert second["driven"]["co2_g"] == round(250 * second["driven"]["distance_m"] / 1000)  # one van, 250 g/km
    for side in ("driven", "optimized", "saved"):
        assert result["total"][side]["distance_m"] == sum(day[side]["distance_m"] for day in result["days"])
    # The baseline's driven distance and the replay's come from the same travel model.
    baseline = dispatcher.get("/api/v1/analytics/kpis", query_string={
        "from": "2026-10-05", "to": "2026-10-05", "source": "baseline"}).get_json()["items"][0]
    assert baseline["components"]["distance_m"] == first["driven"]["distance_m"]


def test_replay_of_another_organizations_import_is_not_found(org, other_org, dispatcher, job_worker):
    imported = _import(dispatcher, _csv(*GOOD_ROWS), dry_run=False)
    stranger = other_org.as_role("dispatcher")
    response = stranger.post("/api/v1/analytics/replay", json={"import_id": imported["import_id"]})
    assert response.status_code == 404
    assert stranger.get("/api/v1/analytics/history/imports").get_json()["total"] == 0


def test_file_level_problems_are_reported(dispatcher, job_worker):
    job = _finished(dispatcher, dispatcher.post("/api/v1/analytics/history/import?dry_run=true",
                                                data=b"when;who\n1;2\n", headers={"Content-Type": "text/csv"}))
    assert job["status"] == "failed" and "Missing column" in job["error"]["message"], job
    empty = dispatcher.post("/api/v1/analytics/history/import", data=b"", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 422
