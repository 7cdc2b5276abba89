"""Live updates in the driver app, on a 390x844 phone: one calm banner at a time that says what changed and goes
away by itself, a history, customer instructions reaching the open stop, late stops flagged, and the app's own
dialogs where the browser's confirm box was."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.conftest import START_POSITION, log_in_as_driver

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(playwright_browser, demo_server):
    """A 390x844 phone (touch, geolocation granted), with the page's own errors collected and asserted."""
    context = playwright_browser.new_context(
        base_url=demo_server.url, viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
        has_touch=True, geolocation=START_POSITION, permissions=["geolocation"], locale="en-CA",
        service_workers="allow")
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def ordered(route: dict) -> list[dict]:
    return sorted(route["stops"], key=lambda stop: stop["sequence"])


def move_last_to(demo_server, route_id: int, position: int) -> dict:
    dispatcher = demo_server.dispatcher_session()
    current = dispatcher.get(f"{demo_server.url}/api/v1/routes/{route_id}", timeout=10).json()
    stops = ordered(current)
    moved = stops[-1]
    new_order = stops[:position - 1] + [moved] + stops[position - 1:-1]
    response = dispatcher.put(f"{demo_server.url}/api/v1/routes/{route_id}/sequence",
                              json={"stop_ids": [stop["id"] for stop in new_order], "version": current["version"]},
                              timeout=10)
    assert response.status_code == 200, response.text
    return moved


def test_one_banner_at_a_time_says_what_moved_goes_away_by_itself_and_stays_in_the_history(
        phone, demo_server, driver_route):
    log_in_as_driver(phone)
    phone.clock.install()  # the banners' timers run on the page's clock, moved on below instead of waited for
    banner = phone.get_by_test_id("change-notice")

    first = move_last_to(demo_server, driver_route["id"], 2)
    last_position = len(driver_route["stops"])
    banner.filter(has_text=f"Stop {last_position} moved to 2nd: {first['order']['address']}").wait_for()
    second = move_last_to(demo_server, driver_route["id"], 4)
    phone.wait_for_function("() => document.querySelector('[data-testid=history-button]')?.textContent.includes('2 new')")
    # The second change waits behind the first: never two banners on the screen.
    assert banner.count() == 1 and first["order"]["address"] in banner.inner_text()
    # The banner floats over the top of the page: the stop list under the driver's thumb does not move.
    box = banner.bounding_box()
    assert box["y"] < 100 and box["width"] <= 390

    phone.clock.run_for(6500)
    banner.filter(has_text=f"Stop {last_position} moved to 4th: {second['order']['address']}").wait_for()
    phone.clock.run_for(6500)
    banner.wait_for(state="detached")

    phone.get_by_test_id("history-button").click()
    history = phone.get_by_test_id("history")
    lines = history.locator("li").all_inner_texts()
    assert len(lines) == 2, lines
    assert "moved to 4th" in lines[0] and "moved to 2nd" in lines[1], "newest first"
    history.get_by_role("button", name="Close").click()
    history.wait_for(state="detached")
    assert phone.get_by_test_id("history-button").inner_text().strip() == "Changes"
    phone.screenshot(path="/tmp/driver-history.png")


def test_a_customers_instructions_appear_in_the_open_stop_without_a_reload(phone, demo_server, driver_route):
    log_in_as_driver(phone)
    stop = ordered(driver_route)[1]
    phone.locator(f"[data-stop-id='{stop['id']}'] a").click()
    phone.get_by_test_id("stop-detail").wait_for()
    phone.evaluate("window.stillTheSamePage = true")

    dispatcher = demo_server.dispatcher_session()
    token = dispatcher.get(f"{demo_server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()["tracking_token"]
    saved = requests.post(f"{demo_server.url}/api/v1/track/{token}/instructions",
                          json={"text": "Gate code 4521 <b>then</b> the blue door"}, timeout=10)
    assert saved.status_code == 200, saved.text

    instructions = phone.get_by_test_id("instructions")
    instructions.filter(has_text="Gate code 4521 <b>then</b> the blue door").wait_for(timeout=3000)
    assert "New" in instructions.locator("h2").inner_text()
    banner = phone.get_by_test_id("change-notice")
    assert banner.inner_text().startswith(
        f"New instructions from the customer (stop {stop['sequence']}): Gate code 4521 <b>then</b> the blue door")
    assert phone.evaluate("window.stillTheSamePage") is True, "no reload"
    assert phone.locator("b").count() == 0, "the customer's text is shown as text, never as markup"
    phone.screenshot(path="/tmp/driver-instructions.png")


def test_a_stop_whose_window_has_passed_is_flagged_late(phone, demo_server, driver_route):
    """Whatever the hour the test runs at: one stop's window is moved to around now, another's to just before."""
    log_in_as_driver(phone)
    late, on_time = ordered(driver_route)[2:4]
    dispatcher = demo_server.dispatcher_session()
    now = datetime.now(timezone.utc)

    def set_window(stop, start, end):
        edited = dispatcher.patch(f"{demo_server.url}/api/v1/orders/{stop['order']['id']}",
                                  json={"time_windows": [{"start": start.isoformat(), "end": end.isoformat()}]},
                                  timeout=10)
        assert edited.status_code == 200, edited.text
        phone.get_by_test_id("change-notice").filter(has_text=f"Stop {stop['sequence']}: new time window").wait_for()

    # The on-time window holds both now and the stop's planned arrival: at night (say 00:45 in the depot's
    # zone) the planned arrival is hours away, after a window of now + 3 h, and the stop would rightly be late.
    arrival = max((datetime.fromisoformat(on_time[key]) for key in ("eta_at", "planned_arrival_at")
                   if on_time.get(key)), default=now)
    set_window(on_time, min(now, arrival) - timedelta(hours=1), max(now, arrival) + timedelta(hours=3))
    on_time_row = phone.locator(f"[data-stop-id='{on_time['id']}']")
    assert on_time_row.get_by_test_id("late").count() == 0, on_time_row.inner_text()
    set_window(late, now - timedelta(hours=3), now - timedelta(minutes=5))
    row = phone.locator(f"[data-stop-id='{late['id']}']")
    row.get_by_test_id("late").wait_for(timeout=3000)
    assert row.get_by_test_id("late").inner_text().strip() == "Late"
    assert on_time_row.get_by_test_id("late").count() == 0
    row.locator("a").click()
    assert phone.get_by_test_id("stop-detail").get_by_test_id("late").inner_text().startswith("Late: the window ended at")
    phone.screenshot(path="/tmp/driver-late.png")


def test_starting_and_ending_the_route_ask_with_the_apps_own_dialog_and_end_stands_apart(phone, demo_server,
                                                                                        driver_route):
    browser_dialogs = []
    phone.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.dismiss()))
    log_in_as_driver(phone)
    phone.get_by_role("button", name="Start route").click()
    dialog = phone.get_by_test_id("app-dialog")
    assert "not scanned yet" in dialog.inner_text()
    # A dangerous choice starts on the safe button: Enter on a hardware keyboard does not start the route.
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Cancel"
    dialog.get_by_role("button", name="Start anyway").click()
    phone.get_by_test_id("duty").filter(has_text="On duty").wait_for()

    take_break = phone.get_by_role("button", name="Take a break")
    end = phone.get_by_test_id("end-route")
    gap = end.bounding_box()["y"] - (take_break.bounding_box()["y"] + take_break.bounding_box()["height"])
    assert gap > 200, f"End route sits {gap:.0f} px below Take a break: too close for a thumb"
    end.click()
    dialog.get_by_role("button", name="Cancel").click()
    assert phone.get_by_test_id("duty").inner_text().startswith("On duty")
    end.click()
    phone.keyboard.press("Escape")  # the phone's back gesture closes it the same way
    dialog.wait_for(state="detached")
    assert phone.get_by_test_id("duty").inner_text().startswith("On duty")
    end.click()
    phone.screenshot(path="/tmp/driver-end-dialog.png")
    dialog.get_by_role("button", name="End route").click()
    phone.get_by_test_id("duty").filter(has_text="Off duty").wait_for()
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()
    route = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
    assert route["status"] == "completed"
    assert browser_dialogs == [], "the browser's own confirm box is never used"


def test_a_route_dispatch_takes_back_is_told_on_the_open_phone(phone, demo_server, driver_route):
    log_in_as_driver(phone)
    phone.get_by_test_id("stop-list").wait_for()
    dispatcher = demo_server.dispatcher_session()
    current = dispatcher.get(f"{demo_server.url}/api/v1/routes/{driver_route['id']}", timeout=10).json()
    answer = dispatcher.post(f"{demo_server.url}/api/v1/routes/{driver_route['id']}/unpublish",
                             json={"version": current["version"]}, timeout=10)
    assert answer.status_code == 200, answer.text
    phone.get_by_test_id("change-notice").filter(has_text="Dispatch took this route back").wait_for()
    # What the driver has now is loaded again: the taken-back stops are not offered any more.
    phone.get_by_test_id("stop-list").wait_for(state="detached")
