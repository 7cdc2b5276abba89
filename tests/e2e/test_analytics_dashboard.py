"""The KPI dashboard (the console's Analytics tab) in a real (headless) chromium against the real server.

The demo day (conftest's published_demo_db) is played through the driver API — two deliveries and
three failures — then the dashboard must show the numbers GET /api/v1/analytics/... gives for the same
period, and its CSV links must answer the same numbers as text/csv.
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.e2e.conftest import DISPATCHER, DRIVER_PHONE, DRIVER_PIN, DemoServer

pytestmark = pytest.mark.browser

# The failures played on the demo route, in stop order after two deliveries.
FAILURES = ["not_home", "no_access", "not_home"]
ADMIN = ("admin@demo.lastmile.test", DISPATCHER[1])


def play_day(server: DemoServer) -> dict:
    """The demo driver starts the route, delivers the first two stops and fails the next three."""
    driver = server.driver_session()
    route = driver.get(f"{server.url}/api/v1/driver/route", timeout=10).json()
    stops = sorted(route["stops"], key=lambda stop: stop["sequence"])
    assert len(stops) >= 2 + len(FAILURES), "the demo driver should have at least five stops today"

    def act(kind: str, stop: dict | None = None, **data) -> None:
        body = {"idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": route["id"],
                "at": datetime.now(timezone.utc).isoformat(), "data": data}
        if stop is not None:
            body["stop_id"] = stop["id"]
        response = driver.post(f"{server.url}/api/v1/driver/actions", json=body, timeout=20)
        assert response.status_code == 200, response.text

    act("route.start")
    for stop in stops[:2]:
        order = stop["order"]
        act("stop.arrive", stop)
        # Whatever the demo order asks at the door (cash, ID, age) is satisfied.
        act("stop.complete", stop, recipient_name="E2E", cod_collected_cents=order.get("cod_amount_cents") or None,
            id_checked=True, age_verified=True)
    for stop, reason in zip(stops[2:], FAILURES):
        act("stop.arrive", stop)
        act("stop.fail", stop, reason=reason)
    return route


def api(session, server: DemoServer, path: str, **params) -> dict:
    response = session.get(f"{server.url}/api/v1/analytics/{path}", params=params, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def percent(ratio: float) -> str:
    """How the page writes a ratio (Intl percent, en-CA, at most one decimal)."""
    return f"{round(ratio * 100, 1):g}%"


@pytest.fixture
def dashboard(playwright_browser, demo_server):
    """Opens /dispatch/analytics logged in as `who`; fails the test on any uncaught page error."""
    contexts, errors = [], []

    def open_dashboard(who=DISPATCHER):
        context = playwright_browser.new_context(base_url=demo_server.url, viewport={"width": 1400, "height": 1600},
                                                 locale="en-CA", service_workers="block")
        context.set_default_timeout(15000)
        context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/dispatch/analytics")
        page.get_by_label("Email").fill(who[0])
        page.get_by_label("Password").fill(who[1])
        page.get_by_role("button", name="Log in").click()
        # data-version counts finished loads: 1 once every section has its answer.
        page.locator("[data-testid=analytics-dashboard][data-loading=false][data-version='1']").wait_for()
        return page

    yield open_dashboard
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the dashboard: {errors}"


def test_the_dashboard_shows_the_apis_numbers_for_a_played_day_and_links_the_same_csv(dashboard, demo_server):
    route = play_day(demo_server)
    day = date.fromisoformat(route["date"])
    period = {"from": (day - timedelta(days=6)).isoformat(), "to": day.isoformat()}  # the dashboard's default week
    staff = demo_server.dispatcher_session()
    series = api(staff, demo_server, "kpis", grain="day", **period)["items"]
    reasons = api(staff, demo_server, "breakdown", by="reason", **period)["items"]
    scorecard = {item["kpi"]: item for item in api(staff, demo_server, "scorecard", to=day.isoformat())["kpis"]}
    today = next(item for item in series if item["period"] == day.isoformat())
    # The API itself counted what was played: the page is then checked against the API.
    assert {r["key"]: r["failed"] for r in reasons} == {"not_home": 2, "no_access": 1}
    assert today["components"]["attempted"] >= 5 and today["components"]["failed"] == 3

    page = dashboard()

    # The tab is selected and the console's map gives the dashboard its place.
    assert page.get_by_role("tab", name="Analytics").get_attribute("aria-selected") == "true"
    assert not page.locator("#map").is_visible()

    # Failure reasons: one row per reason with the API's count.
    reason_rows = page.get_by_test_id("reason-table").locator("tbody tr")
    assert reason_rows.count() == len(reasons)
    for item in reasons:
        row = page.get_by_test_id("reason-table").locator(f"tr[data-reason={item['key']}]")
        assert row.locator("td").first.inner_text() == str(item["failed"])
    assert page.locator("[data-reason=not_home] th").inner_text() == "Nobody home"  # the shared i18n's label

    # The time series' table alternative (opened from the keyboard) holds the API's values for the day.
    summary = page.get_by_test_id("a-series").get_by_text("Show the data as a table")
    summary.focus()
    page.keyboard.press("Enter")
    day_row = page.get_by_test_id("series-table").locator(f"tr[data-period='{day.isoformat()}']")
    for kpi in ("on_time_rate", "first_attempt_success_rate"):
        value = today["kpis"][kpi]
        cell = day_row.locator(f"td[data-kpi={kpi}]")
        assert cell.get_attribute("data-value") == ("" if value is None else f"{value:g}")
        if value is not None:
            assert cell.inner_text() == percent(value)
    # Each chart is drawn (a uPlot canvas) and described in words for screen readers.
    chart = page.locator("[data-chart=on_time_rate]")
    assert chart.locator("canvas").count() == 1
    assert chart.get_attribute("aria-label").startswith("On-time rate:")

    # Scorecard: the week's value against the week before, as the API computed it.
    first_attempt = page.get_by_test_id("a-scorecard").locator("tr[data-kpi=first_attempt_success_rate] td").first
    expected = scorecard["first_attempt_success_rate"]["value"]
    assert first_attempt.inner_text() == (percent(expected) if expected is not None else "—")
    assert page.get_by_text("Only admins can change goals.").is_visible()  # a dispatcher sees no goal inputs
    assert page.get_by_test_id("a-scorecard").locator("form.goal").count() == 0

    # Every failure with coordinates is a marker, drawn although no map tile can load here.
    failures = api(staff, demo_server, "failed-deliveries", **period)
    located = [f for f in failures["items"] if f["lat"] is not None]
    assert len(located) == len(FAILURES)
    assert page.locator("path.failure-marker").count() == len(located)

    # The played route is still on the road: the figures say they are partial, and the plan against the
    # actual has no row for it yet (no "0 h 00 −3 h 44" for a route not finished).
    # How many routes the demo day has depends on the hour it was planned at (a night run plans the whole day
    # on both drivers, an afternoon run only what is left): every one of the day's routes is still to finish,
    # the played one among them.
    routes = staff.get(f"{demo_server.url}/api/v1/routes", params={"date": day.isoformat()}, timeout=10).json()
    assert route["id"] in {r["id"] for r in routes}
    unfinished = [r for r in routes if r["status"] in ("published", "in_progress")]
    assert route["id"] in {r["id"] for r in unfinished}
    partial = page.get_by_test_id("a-series").get_by_test_id("a-partial")
    assert partial.inner_text() == (
        "Partial: 1 route is still on the road; it is counted when it ends." if len(unfinished) == 1 else
        f"Partial: {len(unfinished)} routes are still on the road; they are counted when they end.")
    assert page.get_by_test_id("a-plan").locator(f"tr[data-route-id='{route['id']}']").count() == 0
    shots = Path(__file__).resolve().parents[2] / "instance" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "analytics-partial-day.png"), full_page=True)

    # The CSV links are the same requests with format=csv: text/csv with the same numbers.
    reason_csv = page.request.get(page.get_by_test_id("csv-reason").get_attribute("href"))
    assert reason_csv.status == 200 and reason_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reason_csv.text())))
    assert {row["key"]: int(row["failed"]) for row in rows} == {r["key"]: r["failed"] for r in reasons}
    series_csv = page.request.get(page.get_by_test_id("csv-series").get_attribute("href"))
    assert series_csv.headers["content-type"].startswith("text/csv")
    by_period = {row["period"]: row for row in csv.DictReader(io.StringIO(series_csv.text()))}
    assert float(by_period[day.isoformat()]["first_attempt_success_rate"]) == today["kpis"]["first_attempt_success_rate"]

    # Leaving the tab and coming back rebuilds the charts and the map (and nothing fails in between:
    # Leaflet must not animate in a panel that is gone).
    page.get_by_role("tab", name="Plan").click()
    page.get_by_test_id("route-card").first.wait_for()
    page.get_by_role("tab", name="Plan").focus()
    page.keyboard.press("ArrowLeft")  # the tab list wraps round from the first tab to the last, Analytics
    assert page.get_by_role("tab", name="Analytics").get_attribute("aria-selected") == "true"
    page.locator("path.failure-marker").nth(len(located) - 1).wait_for()
    assert page.locator("[data-chart=on_time_rate] canvas").count() == 1

    # French from the shared catalogue, as the console switches it.
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("heading", name="Tableau de bord des indicateurs").wait_for()
    assert page.locator("[data-reason=not_home] th").inner_text() == "Personne sur place"


def test_an_admin_sets_a_goal_and_the_scorecard_judges_the_kpi_against_it(dashboard, demo_server):
    play_day(demo_server)
    page = dashboard(ADMIN)
    row = page.get_by_test_id("a-scorecard").locator("tr[data-kpi=first_attempt_success_rate]")
    # A goal no day can reach (first-attempt success of 100 % with three failures): behind goal, in red.
    row.get_by_label("Goal for First-attempt success").fill("100")
    row.get_by_role("button", name="Save goal: First-attempt success").click()
    page.get_by_test_id("a-notice").filter(has_text="Goal saved").wait_for()
    row.get_by_text("Behind goal").wait_for()
    goals = demo_server.session(*ADMIN).get(f"{demo_server.url}/api/v1/analytics/goals", timeout=10).json()
    saved = [g for g in goals if g["kpi"] == "first_attempt_success_rate"]
    assert len(saved) == 1 and saved[0]["target"] == 1.0 and saved[0]["comparison"] == ">="
    # Changing it edits the same goal (PATCH), it does not add another.
    row.get_by_label("Goal for First-attempt success").fill("10")
    row.get_by_role("button", name="Save goal: First-attempt success").click()
    row.get_by_text("Goal met").wait_for()
    goals = demo_server.session(*ADMIN).get(f"{demo_server.url}/api/v1/analytics/goals", timeout=10).json()
    assert [g["target"] for g in goals if g["kpi"] == "first_attempt_success_rate"] == [0.1]


def test_a_driver_gets_neither_the_dashboard_nor_its_data(playwright_browser, demo_server):
    driver = demo_server.driver_session()
    for path in ("kpis?from=2026-01-01&to=2026-01-07", "breakdown.csv?by=reason&from=2026-01-01&to=2026-01-07"):
        assert driver.get(f"{demo_server.url}/api/v1/analytics/{path}", timeout=10).status_code == 403, path

    context = playwright_browser.new_context(base_url=demo_server.url, locale="en-CA", service_workers="block")
    try:
        context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
        # The console's login form takes emails; the driver logs in by phone through the API instead.
        login = context.request.post("/api/v1/auth/login", data={"login": DRIVER_PHONE, "password": DRIVER_PIN})
        assert login.ok, login.text()
        page = context.new_page()
        page.goto("/dispatch/analytics")
        page.get_by_role("alert").filter(has_text="for dispatchers and admins").wait_for()
        assert page.get_by_test_id("analytics-dashboard").count() == 0
        assert page.get_by_role("tab").count() == 0
    finally:
        context.close()
