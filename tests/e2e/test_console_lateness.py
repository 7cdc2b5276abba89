"""The console on a day planned at 13:00: stops whose window had passed are flagged as planned late, and the
late-risk alerts of a route on the road make one line per route in the feed, never one per stop; a stop
once delivered is never "at risk".

Every process (the planning command, the server and its worker) runs on one virtual clock set to 13:00 in
the depot's zone (backend/clock.py, LASTMILE_VIRTUAL_CLOCK).
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DRIVER_PIN, DemoServer, _flask
from tests.e2e.test_dispatch_console import desk  # noqa: F401  (the console fixture)
from tests.servers import ServerProcess, migrate

pytestmark = pytest.mark.browser

MONTREAL = ZoneInfo("America/Montreal")
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def _virtual_clock(day, hour: int) -> tuple[str, datetime, float]:
    start = datetime.combine(day, clock_time(hour, 0), MONTREAL)
    real = time.time()
    return f"{start.isoformat()}@{real!r}x1.0", start, real


def _now(start: datetime, real: float) -> datetime:
    return (start + timedelta(seconds=time.time() - real)).astimezone(timezone.utc)


def test_a_day_planned_at_1pm_flags_late_stops_and_groups_late_risk_per_route(desk, tmp_path):  # noqa: F811
    day = datetime.now(MONTREAL).date() + timedelta(days=1)
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    url = f"sqlite:///{database}"
    migrate(url, instance)
    setting, start, real = _virtual_clock(day, 13)
    env = {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "LASTMILE_VIRTUAL_CLOCK": setting}
    _flask(env, "demo", "load", "--orders", "14", "--drivers", "2", "--date", day.isoformat())
    _flask(env, "plan", "--org", "demo", "--date", day.isoformat(), "--publish", "--time-limit", "2")
    server_env = {**env, "REDIS_URL": None, "EMBEDDED_WORKER": "1", "LOG_LEVEL": "WARNING", "ETA_REFRESH_S": "0"}
    with ServerProcess(server_env) as process:
        server = DemoServer(process, database)
        staff = server.dispatcher_session()
        routes = staff.get(f"{server.url}/api/v1/routes?date={day.isoformat()}", timeout=10).json()
        flagged = {stop["id"] for route in routes for stop in route["stops"] if stop["planned_late"]}
        assert flagged, "windows of 9:00–13:00 had passed at 13:00: some stops are planned late"
        for route in routes:
            assert datetime.fromisoformat(route["planned_start_at"]) >= start
        page = desk(server, day)
        page.locator("[data-testid='planned-late']").first.wait_for()
        shown = {int(li.get_attribute("data-stop-id")) for li in page.locator("li.stop").all()
                 if li.locator("[data-testid='planned-late']").count()}
        assert shown == flagged
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console-planned-late.png"), full_page=True)

        # The worker times the route from the phone's fix, and the stops whose windows passed are at risk:
        # one alert, one feed line for the route.
        # The driver of the route with the most stops planned late sets off.
        latest = max(routes, key=lambda route: sum(1 for stop in route["stops"] if stop["planned_late"]))
        driver = server.session(latest["driver"]["phone"], DRIVER_PIN)
        mine = driver.get(f"{server.url}/api/v1/driver/route?date={day.isoformat()}", timeout=10).json()
        assert mine["id"] == latest["id"]
        started = driver.post(f"{server.url}/api/v1/driver/actions", json={
            "idempotency_key": uuid.uuid4().hex, "type": "route.start", "route_id": mine["id"],
            "at": _now(start, real).isoformat()}, timeout=10)
        assert started.status_code == 200, started.text
        depot = routes[0]["depot"]
        fix = driver.post(f"{server.url}/api/v1/driver/locations", json={"fixes": [
            {"lat": depot["lat"], "lon": depot["lon"], "accuracy": 5, "at": _now(start, real).isoformat()}]},
            timeout=10)
        assert fix.status_code == 200 and fix.json()["accepted"] == 1, fix.text
        page.get_by_role("tab", name="Live").click()
        feed = page.get_by_test_id("feed")
        risk_lines = feed.locator("li.bad").filter(has_text="at risk of missing")
        risk_lines.first.wait_for()
        time.sleep(0.5)  # a second alert for the same route would replace the line, never add one
        late_on_mine = [s for s in latest["stops"] if s["planned_late"]]
        assert risk_lines.count() == 1, feed.inner_text()
        if len(late_on_mine) > 1:
            assert f"{len(late_on_mine)} stops at risk" in risk_lines.first.inner_text()

        # A late stop delivered is history: it no longer says "at risk" (nor "planned late").
        first_late = late_on_mine[0]
        for kind in ("stop.arrive", "stop.complete"):
            body = {"idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": mine["id"],
                    "stop_id": first_late["id"], "at": _now(start, real).isoformat(), "data": {}}
            if kind == "stop.complete":
                body["data"] = {"recipient_name": "Camille"}
            done = driver.post(f"{server.url}/api/v1/driver/actions", json=body, timeout=10)
            assert done.status_code == 200, done.text
        delivered = page.locator(f"li.stop[data-stop-id='{first_late['id']}']")
        page.wait_for_function("id => document.querySelector(`li.stop[data-stop-id='${id}']`)"
                               "?.classList.contains('completed')", arg=first_late["id"])
        assert delivered.locator(".risk").count() == 0
        # The route's line updates in place: the delivered stop leaves it.
        if len(late_on_mine) > 1:
            remaining = len(late_on_mine) - 1
            words = "1 stop at risk" if remaining == 1 else f"{remaining} stops at risk"
            feed.locator("li.bad").filter(has_text=words).wait_for()
            assert risk_lines.count() == 1, feed.inner_text()
        page.screenshot(path=str(SHOTS / "console-late-risk-grouped.png"), full_page=True)
