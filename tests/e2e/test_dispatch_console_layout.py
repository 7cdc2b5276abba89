"""The dispatch console's layout for a big day, in a real chromium at 1400x900 against the real server: routes
fold to one line and still take a dropped stop (at its best place), whole-route actions in the console's own
dialog, "Move to…" offering drivers without a route, the timeline beside the routes with a now-line, tooltips
and fixed names, drivers as labelled badges moved in place, French without a cut-off tab, axe-core clean."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DISPATCHER
from tests.realtime.test_realtime import Listener

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("LASTMILE_SCREENSHOTS", "/tmp/lastmile-shots"))


@pytest.fixture
def console(playwright_browser):
    contexts, errors = [], []

    def open_console(server, size=(1400, 900), language="en"):
        context = playwright_browser.new_context(base_url=server.url, viewport={"width": size[0], "height": size[1]},
                                                 locale="en-CA", service_workers="block")
        context.set_default_timeout(15000)
        context.add_init_script(f"localStorage.setItem('lastmile.dispatch.language', '{language}')")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{error} {error.stack}"))
        page.goto("/dispatch")
        page.locator("input[name=login]").fill(DISPATCHER[0])
        page.locator("input[name=password]").fill(DISPATCHER[1])
        page.locator("button[type=submit]").click()
        page.get_by_test_id("route-card").first.wait_for()
        return page

    yield open_console
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the console: {errors}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def board(server) -> dict:
    today = server.dispatcher_session().get(f"{server.url}/api/v1/routes", timeout=10).json()
    return {route["id"]: route for route in today}


def second_route(server) -> dict:
    """One more route on the demo day, with three new orders, for a driver without a route that day.

    How many routes the demo's plan gives depends on the hour it is made (it starts from now: in the evening,
    with every window over, one van takes all; earlier in the day both do), so a driver is added when none is free."""
    session = server.dispatcher_session()
    routes = list(board(server).values())
    first = routes[0]
    busy = {route["driver"]["id"] for route in routes if route["driver"]}
    drivers = session.get(f"{server.url}/api/v1/drivers?per_page=50", timeout=10).json()["items"]
    free = next((d for d in drivers if d["id"] not in busy), None)
    if free is None:
        made = session.post(f"{server.url}/api/v1/drivers", json={"name": "Léa Seconde", "phone": "+15145556666",
                                                                  "pin": "4321"}, timeout=10)
        assert made.status_code == 201, made.text
        free = made.json()
    window = first["stops"][0]["order"]["time_windows"]
    ids = []
    for index in range(3):
        made = session.post(f"{server.url}/api/v1/orders", json={
            "external_ref": f"SECOND-{index}", "address": f"{200 + index} Rue Sherbrooke Ouest, Montréal",
            "lat": 45.50 + index * 0.01, "lon": -73.58, "time_windows": window}, timeout=10)
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    route = session.post(f"{server.url}/api/v1/routes", json={"date": first["date"], "driver_id": free["id"],
                                                               "depot_id": first["depot"]["id"], "order_ids": ids},
                         timeout=10)
    assert route.status_code == 201, route.text
    published = session.post(f"{server.url}/api/v1/routes/{route.json()['id']}/publish", timeout=10)
    assert published.status_code == 200, published.text
    return published.json()


def route_of(server, route_id):
    return server.dispatcher_session().get(f"{server.url}/api/v1/routes/{route_id}", timeout=10)


def test_folded_routes_still_take_a_dropped_stop_at_its_best_place(console, demo_server):
    second_id = second_route(demo_server)["id"]
    page = console(demo_server)
    cards = page.get_by_test_id("route-card")
    expect(cards).to_have_count(len(board(demo_server)))  # the demo's (one or two, by the hour) and the new one
    first_id = int(cards.first.get_attribute("data-route-id"))
    second = page.locator(f"article[data-route-id='{second_id}']")
    assert first_id != second_id
    page.get_by_role("tab", name="Live").click()  # the planning forms out of the way
    # A small day opens every route; folding leaves one line per route with what a dispatcher scans for.
    assert page.locator("li.stop").count() >= 8
    page.get_by_test_id("fold-all").click()
    expect(page.locator("li.stop")).to_have_count(0)
    headline = cards.first.get_by_test_id("route-headline")  # filled as the folded card redraws: waited for
    expect(headline).to_contain_text("stops")
    expect(headline).to_contain_text("km")
    toggle = second.get_by_test_id("route-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")  # opened from the keyboard
    assert toggle.get_attribute("aria-expanded") == "true"
    moving = second.locator("li.stop[draggable=true]").nth(1)
    stop_id = int(moving.get_attribute("data-stop-id"))
    shot(page, "console-folded-1400")

    # Dropped on the other route's line (folded: none of its stops in view), the stop goes where it adds least.
    moving.drag_to(page.locator(f"article[data-route-id='{first_id}'] [data-testid=route-head]"))
    review = page.get_by_test_id("change-review")
    review.wait_for()
    assert "Move" in review.inner_text() and "to Marc Tremblay" in review.inner_text(), review.inner_text()
    preview = page.locator(f"[data-testid=preview-table][data-route-id='{first_id}'] tr[data-stop-id='{stop_id}']")
    expect(preview).to_have_count(1)
    best = demo_server.dispatcher_session().post(f"{demo_server.url}/api/v1/stops/{stop_id}/placement",
                                                 json={"to_route_id": first_id}, timeout=30).json()
    expected = best["position"] or len(route_of(demo_server, first_id).json()["stops"]) + 1
    assert preview.locator("td").first.inner_text() == str(expected), best
    shot(page, "console-drop-review-1400")
    page.get_by_test_id("change-confirm").click()
    page.locator("[data-testid=notice][data-kind=ok]").wait_for()
    assert stop_id in [s["id"] for s in route_of(demo_server, first_id).json()["stops"]]
    assert stop_id not in [s["id"] for s in route_of(demo_server, second_id).json()["stops"]]


def test_move_to_lists_drivers_without_a_route_and_starts_a_new_route_for_them(console, demo_server):
    session = demo_server.dispatcher_session()
    made = session.post(f"{demo_server.url}/api/v1/drivers", json={"name": "Zoé Nouvelle", "phone": "+15145557777",
                                                                   "pin": "4321"}, timeout=10)
    assert made.status_code == 201, made.text
    page = console(demo_server)
    routes_before = len(board(demo_server))  # one or two, by the hour the demo's plan was made
    card = page.get_by_test_id("route-card").first
    route_id = int(card.get_attribute("data-route-id"))
    select = card.locator("li.stop[draggable=true]").first.get_by_test_id("move-to")
    stop_id = int(card.locator("li.stop[draggable=true]").first.get_attribute("data-stop-id"))
    select.focus()  # its choices are filled as it is about to open
    assert "Zoé Nouvelle" in select.locator("optgroup[label='Drivers without a route']").inner_text()
    select.select_option(label="Zoé Nouvelle")
    review = page.get_by_test_id("change-review")
    expect(review).to_contain_text("a new route for Zoé Nouvelle")
    page.get_by_test_id("change-confirm").click()
    page.locator("[data-testid=notice][data-kind=ok]").wait_for()
    expect(page.get_by_test_id("route-card")).to_have_count(routes_before + 1)
    new_card = page.get_by_test_id("route-card").filter(has_text="Zoé Nouvelle")
    expect(new_card.locator(f"li.stop[data-stop-id='{stop_id}']")).to_have_count(1)
    assert stop_id not in [s["id"] for s in route_of(demo_server, route_id).json()["stops"]]


def test_whole_route_actions_are_confirmed_in_the_consoles_own_dialog(console, demo_server):
    second_route(demo_server)
    page = console(demo_server)
    routes_before = len(board(demo_server))
    card = page.get_by_test_id("route-card").first
    route_id = int(card.get_attribute("data-route-id"))
    stops = len(route_of(demo_server, route_id).json()["stops"])
    unplanned_before = page.get_by_test_id("unplanned-table").locator("tbody tr").count() \
        if page.get_by_test_id("unplanned-table").count() else 0
    opener = card.get_by_test_id("route-actions")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("route-action-dialog")
    dialog.wait_for()
    assert_accessible(page, "the console with a route's actions open")
    page.keyboard.press("Escape")  # closes, and focus goes back to the opener
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    opener.click()
    page.get_by_test_id("route-action-unpublish").click()
    expect(dialog).to_contain_text("phone no longer shows this route")
    shot(page, "console-route-action-1400")
    page.get_by_test_id("route-action-confirm").click()
    page.locator("[data-testid=notice][data-kind=ok]").wait_for()
    assert route_of(demo_server, route_id).json()["status"] == "draft"

    card.get_by_test_id("route-actions").click()
    page.get_by_test_id("route-action-delete").click()
    expect(dialog).to_contain_text(f"its {stops} orders go back to the unplanned orders")
    page.get_by_test_id("route-action-confirm").click()
    page.locator("[data-testid=notice][data-kind=ok]").wait_for()
    assert route_of(demo_server, route_id).status_code == 404
    expect(page.get_by_test_id("route-card")).to_have_count(routes_before - 1)
    expect(page.get_by_test_id("unplanned-table").locator("tbody tr")).to_have_count(unplanned_before + stops)


def test_a_stale_route_action_says_so_and_changes_nothing(console, demo_server):
    page = console(demo_server)
    card = page.get_by_test_id("route-card").first
    route_id = int(card.get_attribute("data-route-id"))
    card.get_by_test_id("route-actions").click()
    page.get_by_test_id("route-action-unpublish").click()
    # Meanwhile someone else unpublishes and publishes it again: the version the console holds is stale.
    session = demo_server.dispatcher_session()
    version = route_of(demo_server, route_id).json()["version"]
    assert session.post(f"{demo_server.url}/api/v1/routes/{route_id}/unpublish", json={"version": version},
                        timeout=10).status_code == 200
    assert session.post(f"{demo_server.url}/api/v1/routes/{route_id}/publish", timeout=10).status_code == 200
    page.get_by_test_id("route-action-confirm").click()
    error = page.get_by_test_id("route-action-error")
    expect(error).to_contain_text("changed")
    assert route_of(demo_server, route_id).json()["status"] == "published"


def test_the_timeline_shows_now_names_that_stay_and_what_a_bar_is(console, demo_server):
    page = console(demo_server)
    routes = list(board(demo_server).values())
    starts = [datetime.fromisoformat(s["planned_arrival_at"]) for r in routes for s in r["stops"]
              if s["planned_arrival_at"]]
    now = min(starts) + timedelta(minutes=20)
    page.clock.set_fixed_time(now)
    page.get_by_role("tab", name="Timeline").click()
    gantt = page.get_by_test_id("gantt")
    gantt.wait_for()
    assert not page.locator("#map").is_visible(), "the timeline takes the map's place, beside the routes"
    assert page.get_by_test_id("route-card").first.is_visible()
    now_line = page.get_by_test_id("gantt-now")
    now_line.wait_for()
    shot(page, "console-timeline-1400")
    assert_accessible(page, "the timeline beside the routes")
    name = page.locator(".gantt-row[data-route-id] .gantt-name").first
    before = name.bounding_box()
    page.get_by_test_id("gantt-scroll").evaluate("element => { element.scrollLeft = 400; }")
    after = name.bounding_box()
    assert abs(after["x"] - before["x"]) < 1 and name.is_visible(), "the driver's name stays while the hours scroll"
    page.get_by_test_id("gantt-scroll").evaluate("element => { element.scrollLeft = 0; }")
    bar = page.locator(".gantt-row rect").first
    bar.hover()
    tip = page.locator("#gantt-tip")
    expect(tip).to_be_visible()
    addresses = {s["order"]["address"] for r in routes for s in r["stops"]}
    text = tip.inner_text()
    assert "planned" in text and any(f". {address} — " in text for address in addresses), text


def test_a_driver_badge_moves_in_place_and_routes_are_not_redrawn(console, demo_server):
    page = console(demo_server)
    phone = Listener(demo_server.server, demo_server.driver_session())
    try:
        fix = {"lat": 45.5123, "lon": -73.6012, "accuracy": 8, "at": datetime.now(timezone.utc).isoformat()}
        assert phone.client.call("location.update", fix, timeout=10) == {"ok": True}
        badge = page.locator(".driver-marker")
        badge.first.wait_for()
        # Mark the badge and one stop marker: a redraw would make new elements without the mark.
        page.evaluate("""() => { document.querySelector('.driver-marker').dataset.mark = 'kept';
            document.querySelector('path.stop-marker').dataset.mark = 'kept'; }""")
        badge.first.hover()
        page.locator(".leaflet-tooltip").first.wait_for()
        fix = {**fix, "lat": 45.5150, "at": datetime.now(timezone.utc).isoformat()}
        assert phone.client.call("location.update", fix, timeout=10) == {"ok": True}
        page.wait_for_function("() => document.querySelector('.driver-marker').getAttribute('data-lat') === '45.515'")
        assert page.evaluate("() => document.querySelector('.driver-marker').dataset.mark") == "kept"
        assert page.evaluate("() => document.querySelector('path.stop-marker').dataset.mark") == "kept"
        expect(page.locator(".leaflet-tooltip")).to_have_count(1)  # the open tooltip stayed open
        # A whole redraw of the console (any update: here a tab) keeps the routes that did not change.
        page.get_by_role("tab", name="Live").click()
        page.get_by_role("tab", name="Plan").click()
        assert page.evaluate("() => document.querySelector('path.stop-marker').dataset.mark") == "kept"
    finally:
        phone.close()


def test_french_at_1400_keeps_every_tab_in_view_and_the_console_is_accessible(console, demo_server):
    page = console(demo_server, language="fr")
    page.get_by_role("tab", name="Indicateurs").wait_for()
    side = page.locator("#side").bounding_box()
    for tab in page.get_by_role("tab").all():
        box = tab.bounding_box()
        assert box["x"] + box["width"] <= side["x"] + side["width"] + 0.5, tab.inner_text()
    shot(page, "console-fr-1400")
    assert_accessible(page, "the French console at 1400 px")
    page.set_viewport_size({"width": 1920, "height": 1080})
    shot(page, "console-fr-1920")
