"""The dispatcher console in a real (headless) chromium at desktop size, against the real server.

The demo day (two drivers, published routes) comes from tests/e2e/conftest.py; the optimizer test
runs its own server with the embedded job worker, since the shared one has none.
"""
from __future__ import annotations

import shutil
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DISPATCHER, DemoServer
from tests.realtime.test_realtime import Listener
from tests.servers import ServerProcess

pytestmark = pytest.mark.browser

MONTREAL = ZoneInfo("America/Montreal")


@pytest.fixture
def desk(playwright_browser):
    """Opens a dispatcher's desktop browser context on a server's console; pages are checked for uncaught errors."""
    contexts, errors = [], []

    def open_console(server, day: date | None = None):
        # A tall desktop screen: a whole route fits, so a drag's source and target are both in view.
        context = playwright_browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1800},
                                                 locale="en-CA", service_workers="block")
        context.set_default_timeout(15000)
        context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"/dispatch?date={day.isoformat()}" if day else "/dispatch")
        page.get_by_label("Email").fill(DISPATCHER[0])
        page.get_by_label("Password").fill(DISPATCHER[1])
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("connection").filter(has_text="Live").wait_for()
        return page

    yield open_console
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the console: {errors}"


def ordered(route: dict) -> list[dict]:
    return sorted(route["stops"], key=lambda stop: stop["sequence"])


def route_of(server, route_id: int) -> dict:
    response = server.dispatcher_session().get(f"{server.url}/api/v1/routes/{route_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def drag(page, stop_id: int, target_selector: str) -> None:
    """Drags a stop onto a target like a hand does: the drag starts on the stop, then the list scrolls to the target.
    (Locator.drag_to scrolls the target into view between pressing and moving, and chromium then drags whatever
    is under the pointer by then: another stop whenever source and target do not fit on one screen.)"""
    source, target = page.locator(f"li[data-stop-id='{stop_id}']"), page.locator(target_selector).first
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 8, steps=2)  # the drag begins here
    target.hover()
    page.mouse.up()
    page.get_by_test_id("change-review").wait_for()


def test_import_a_csv_then_optimize_with_live_progress_to_the_routes(desk, published_demo_db, tmp_path):
    instance = tmp_path / "worker-instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "1", "LOG_LEVEL": "WARNING"}
    day = datetime.now(MONTREAL).date() + timedelta(days=1)
    rows = ["external_ref,address,lat,lon,delivery_date,window_start,window_end"]
    for index in range(16):
        lat, lon = 45.50 + (index % 4) * 0.015, -73.62 + (index // 4) * 0.02
        opens = 9 + index % 6
        rows.append(f"E2E-{index},{100 + index} Rue Ontario Est,{lat:.4f},{lon:.4f},{day.isoformat()},"
                    f"{opens:02d}:00,{opens + 3:02d}:00")
    rows.append(f"E2E-BAD,1 Rue Nulle Part,95.0,-73.6,{day.isoformat()},09:00,11:00")  # latitude out of range
    csv = tmp_path / "orders.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with ServerProcess(env) as process:
        server = DemoServer(process, database)
        page = desk(server, day)

        # A file whose columns are not ours asks to match them first; no check while the address is unmatched.
        refused = tmp_path / "refused.csv"
        refused.write_text("ref;where\n1;2\n", encoding="utf-8")
        page.get_by_label("CSV file").set_input_files(str(refused))
        page.get_by_test_id("matching-missing").get_by_text("Still to choose: Address").wait_for(timeout=20000)
        assert page.get_by_role("button", name="Check file").is_disabled()
        page.screenshot(path=str(tmp_path / "import-matching.png"))

        # Import: a dry run shows the bad row by line and column; then only the good rows are imported.
        page.get_by_label("CSV file").set_input_files(str(csv))
        page.get_by_role("button", name="Check file").click()
        result = page.get_by_test_id("import-result")
        result.locator("table.errors").wait_for(timeout=20000)
        assert "18" in result.locator("table.errors tbody tr").first.inner_text()  # line 18 of the file
        page.get_by_label("Import the good rows only").check()
        result.get_by_role("button", name="Import").click()
        page.get_by_text("Imported: 16 new").wait_for(timeout=20000)
        assert page.get_by_test_id("unplanned-table").locator("tbody tr").count() == 16

        page.get_by_label("Optimizer time (seconds)").fill("3")
        page.get_by_test_id("optimize").click()
        # Progress arrives while the solver runs: a running status with a best cost, then the result.
        page.locator("[data-testid=opt-status][data-status=running]").wait_for(timeout=20000)
        page.get_by_test_id("opt-cost").wait_for(timeout=10000)
        page.locator("[data-testid=opt-status][data-status=succeeded]").wait_for(timeout=30000)
        assert page.get_by_test_id("opt-progress").evaluate("el => el.value") == 1
        page.get_by_test_id("route-card").first.wait_for()
        cards = page.get_by_test_id("route-card")
        assert "km" in cards.first.get_by_test_id("route-summary").inner_text()
        # One coloured line per route on the map, though no map tile can load here.
        assert page.locator("path.route-line").count() == cards.count() >= 1
        planned = sum(card.locator("li.stop").count() for card in cards.all())
        unassigned = page.get_by_test_id("unassigned").locator("li").count()
        assert planned + unassigned == 16


def test_dragging_stop_5_above_stop_2_reaches_the_api_and_the_drivers_phone(desk, demo_server, driver_route):
    stops = ordered(driver_route)
    assert len(stops) >= 5
    phone = Listener(demo_server.server, demo_server.driver_session())
    try:
        page = desk(demo_server)
        drag(page, stops[4]["id"], f"li[data-stop-id='{stops[1]['id']}']")
        confirmed_at = time.monotonic()
        page.get_by_test_id("change-confirm").click()
        page.locator("[data-testid=notice][data-kind=ok]").wait_for()

        expected = [stops[0]["id"], stops[4]["id"], stops[1]["id"], stops[2]["id"], stops[3]["id"]] + \
            [s["id"] for s in stops[5:]]
        assert [s["id"] for s in ordered(route_of(demo_server, driver_route["id"]))] == expected
        update, received_at = phone.wait_for("route.updated", lambda d: d["route"]["id"] == driver_route["id"]
                                             and d["route"]["version"] > driver_route["version"], timeout=5)
        assert update is not None, phone.events
        assert received_at - confirmed_at < 1.0, "the driver's phone hears of the change within a second"
        assert [s["id"] for s in sorted(update["route"]["stops"], key=lambda s: s["sequence"])] == expected
        page.locator(f"article[data-route-id='{driver_route['id']}'] li.stop").nth(1).and_(
            page.locator(f"li[data-stop-id='{stops[4]['id']}']")).wait_for()
    finally:
        phone.close()


def test_a_drag_that_breaks_a_time_window_shows_the_violation_before_anything_is_saved(desk, demo_server, driver_route):
    stops = ordered(driver_route)
    # The stop whose window closes first, moved to the end of the day, cannot make its window.
    earliest = min(stops, key=lambda s: s["order"]["time_windows"][0]["end"])
    page = desk(demo_server)
    page.get_by_role("tab", name="Live").click()  # the planning forms out of the way: the whole route in view
    drag(page, earliest["id"], f"article[data-route-id='{driver_route['id']}'] .drop-end")
    violations = page.get_by_test_id("violations")
    violations.wait_for()
    assert earliest["order"]["address"] in violations.inner_text()
    assert "misses its window" in violations.inner_text()
    page.locator(f"[data-testid=preview-table] tr.bad[data-stop-id='{earliest['id']}']").wait_for()
    page.get_by_test_id("change-cancel").click()
    assert route_of(demo_server, driver_route["id"])["version"] == driver_route["version"]


def test_two_dispatchers_on_one_route_the_second_save_gets_the_conflict_and_the_fresh_route(desk, demo_server,
                                                                                            driver_route):
    stops = ordered(driver_route)
    first, second = desk(demo_server), desk(demo_server)
    card = f"article[data-route-id='{driver_route['id']}']"
    drag(first, stops[2]["id"], f"li[data-stop-id='{stops[0]['id']}']")
    drag(second, stops[3]["id"], f"li[data-stop-id='{stops[1]['id']}']")
    first.get_by_test_id("change-confirm").click()
    first.locator("[data-testid=notice][data-kind=ok]").wait_for()
    saved = route_of(demo_server, driver_route["id"])
    assert saved["version"] == driver_route["version"] + 1

    second.get_by_test_id("change-confirm").click()
    conflict = second.locator("[data-testid=notice][data-kind=conflict]")
    conflict.wait_for()
    assert "Another dispatcher changed this route" in conflict.inner_text()
    # The loser sees the route as it now is; nothing of theirs was written.
    second.locator(f"{card}[data-version='{saved['version']}']").wait_for()
    assert second.locator(f"{card} li.stop").first.get_attribute("data-stop-id") == str(stops[2]["id"])
    after = route_of(demo_server, driver_route["id"])
    assert after["version"] == saved["version"]
    assert [s["id"] for s in ordered(after)] == [s["id"] for s in ordered(saved)]


def test_a_drivers_position_sent_over_the_socket_shows_on_the_dispatcher_map(desk, demo_server, driver_route):
    page = desk(demo_server)
    phone = Listener(demo_server.server, demo_server.driver_session())
    try:
        fix = {"lat": 45.5123, "lon": -73.6012, "accuracy": 8, "at": datetime.now(timezone.utc).isoformat()}
        answer = phone.client.call("location.update", fix, timeout=10)
        assert answer == {"ok": True}, answer
        driver_id = driver_route["driver"]["id"]
        # A badge with the driver's name and what they are doing, not raw coordinates.
        marker = page.locator(f".driver-marker-{driver_id}")
        marker.wait_for(timeout=5000)
        page.wait_for_function(
            "id => { const m = document.querySelector(`.driver-marker-${id}`); "
            "return m && m.getAttribute('data-lat') === '45.5123'; }", arg=driver_id, timeout=5000)
        name = driver_route["driver"]["name"]
        label = marker.get_attribute("aria-label")
        assert marker.inner_text().strip() == name, (marker.inner_text(), label)
        assert label.startswith(f"{name}: route not started, position"), label
        page.get_by_role("tab", name="Live").click()
        listed = page.locator(f"[data-testid=driver-positions] li[data-driver-id='{driver_id}']")
        expect(listed).to_contain_text(name)
        expect(listed).to_contain_text("route not started")
    finally:
        phone.close()
