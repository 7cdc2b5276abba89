"""In-app guidance on a 390x844 phone: turn-by-turn from a stand-in OSRM (a real HTTP server speaking its route
service) in the app's language, advancing as the emulated position drives along the leg, spoken when the driver
turns it on (speechSynthesis stubbed in the page: the browser's voice is outside our control), still guiding
offline, and the honest straight-line fallback without OSRM. The map loads only when the guidance opens."""
from __future__ import annotations

import math
import re
import shutil
import time
from urllib.parse import unquote

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DRIVER_PHONE, DRIVER_PIN, START_POSITION, DemoServer
from tests.servers import ServerProcess
from tests.standins import StandIn

pytestmark = pytest.mark.browser

EAST_STREET, CROSS_STREET = "Rue Sherbrooke Ouest", "Avenue du Parc"
# Records what the page asked the speech synthesis to say, in which language.
SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
  speak: (utterance) => window.__spoken.push({ text: utterance.text, lang: utterance.lang }),
  cancel: () => {}, getVoices: () => [], speaking: false, pending: false,
}});
"""


def metres(a, b):
    """Haversine distance between (lat, lon) pairs."""
    rad = math.pi / 180
    h = (math.sin((b[0] - a[0]) * rad / 2) ** 2
         + math.cos(a[0] * rad) * math.cos(b[0] * rad) * math.sin((b[1] - a[1]) * rad / 2) ** 2)
    return 2 * 6371000 * math.asin(math.sqrt(h))


def l_shaped_leg(start, end):
    """The stand-in's road: along the start's latitude to the stop's longitude, then straight to the stop."""
    corner = (start[0], end[1])
    turn = "left" if (end[1] > start[1]) == (end[0] > start[0]) else "right"
    return corner, turn


def osrm(record):
    points = [tuple(map(float, c.split(",")))[::-1] for c in unquote(record["path"]).rsplit("/", 1)[-1].split(";")]
    if len(points) > 2:  # the whole route, for the map: its points joined straight
        return 200, {"code": "Ok", "routes": [{"distance": 1, "duration": 1, "legs": [],
                                               "geometry": {"type": "LineString",
                                                            "coordinates": [[lon, lat] for lat, lon in points]}}]}, None
    start, end = points
    corner, turn = l_shaped_leg(start, end)
    first, second = metres(start, corner), metres(corner, end)
    steps = [
        {"distance": first, "duration": first / 10, "name": EAST_STREET,
         "maneuver": {"type": "depart", "location": [start[1], start[0]]}},
        {"distance": second, "duration": second / 10, "name": CROSS_STREET,
         "maneuver": {"type": "turn", "modifier": turn, "location": [corner[1], corner[0]]}},
        {"distance": 0, "duration": 0, "name": CROSS_STREET,
         "maneuver": {"type": "arrive", "location": [end[1], end[0]]}},
    ]
    line = [[start[1], start[0]], [corner[1], corner[0]], [end[1], end[0]]]
    return 200, {"code": "Ok", "routes": [{"distance": first + second, "duration": (first + second) / 10,
                                           "geometry": {"type": "LineString", "coordinates": line},
                                           "legs": [{"steps": steps}]}]}, None


@pytest.fixture
def guided_server(published_demo_db, tmp_path):
    """The real server on a copy of the demo day, with OSRM_URL on the stand-in."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    with StandIn(osrm) as road_network:
        env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
               "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING", "OSRM_URL": road_network.url,
               "OUTBOUND_ALLOW_HTTP": "true", "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1"}
        with ServerProcess(env) as server:
            yield DemoServer(server, database), road_network


def phone_at(playwright_browser, server, locale="en-CA", color_scheme="light"):
    context = playwright_browser.new_context(
        base_url=server.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, geolocation=START_POSITION, permissions=["geolocation"], locale=locale,
        color_scheme=color_scheme, service_workers="allow")
    context.set_default_timeout(15000)
    context.add_init_script(SPEECH_STUB)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def log_in(page):
    page.goto("/driver")
    page.locator("#login").fill(DRIVER_PHONE)
    page.locator("#password").fill(DRIVER_PIN)
    page.locator("form.login button[type=submit]").click()
    page.get_by_test_id("stop-list").wait_for()


def first_stop(server):
    route = server.driver_session().get(f"{server.url}/api/v1/driver/route", timeout=10).json()
    return route, min(route["stops"], key=lambda stop: stop["sequence"])


def drive_to(page, lat, lon):
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})


def shown_metres(page) -> float:
    text = page.get_by_test_id("next-distance").inner_text()
    number = re.search(r"(\d+(?:[.,]\d+)?)\s*(k?m)", text)
    assert number, text
    value = float(number.group(1).replace(",", "."))
    return value * 1000 if number.group(2) == "km" else value


def point_along(a, b, share):
    return a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share


def test_german_steps_follow_the_position_are_spoken_and_keep_going_offline(playwright_browser, guided_server,
                                                                            tmp_path):
    server, road_network = guided_server
    _route, stop = first_stop(server)
    start = (START_POSITION["latitude"], START_POSITION["longitude"])
    end = (stop["order"]["lat"], stop["order"]["lon"])
    corner, turn = l_shaped_leg(start, end)
    context, page, errors = phone_at(playwright_browser, server, locale="de-DE")
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if "/assets/" in request.url else None)
    try:
        log_in(page)
        assert not any("/assets/map-" in url for url in scripts), "the map is not in the first download"
        page.get_by_test_id("next-stop").get_by_test_id("guide-open").click()

        turn_words = {"left": "Links abbiegen", "right": "Rechts abbiegen"}[turn]
        instruction = page.get_by_test_id("next-instruction")
        instruction.wait_for()
        page.wait_for_function("() => document.querySelector('[data-testid=next-instruction]')?.textContent.includes('abbiegen')")
        assert instruction.inner_text() == f"{turn_words} auf {CROSS_STREET}"
        first_leg = metres(start, corner)
        assert shown_metres(page) == pytest.approx(first_leg, abs=max(60, first_leg * 0.06))
        # Read at arm's length: the distance at 36 px or more, the manoeuvre at 24 px or more.
        assert page.eval_on_selector("[data-testid=next-distance]", "e => parseFloat(getComputedStyle(e).fontSize)") >= 36
        assert page.eval_on_selector("[data-testid=next-instruction]", "e => parseFloat(getComputedStyle(e).fontSize)") >= 24
        assert "Turn" not in page.locator("#app").inner_text()  # OSRM's English never reaches the driver
        asked = [r for r in road_network.requests if r["path"].startswith("/route/v1/")]
        assert any(r["query"].get("steps") == ["true"] for r in asked)

        # The map opened with the guidance: its code loaded now, the road leg drawn.
        page.locator("[data-testid=guide-map] .leaflet-pane").first.wait_for(state="attached")
        assert any("/assets/map-" in url for url in scripts)
        page.get_by_test_id("guide-leg").wait_for(state="attached")
        page.locator(".guide-steps summary").click()
        assert_accessible(page, "the guidance with steps")

        page.get_by_test_id("guide-voice").click()
        assert page.get_by_test_id("guide-voice").get_attribute("aria-pressed") == "true"
        page.wait_for_function("() => window.__spoken.length >= 1")
        said = page.evaluate("window.__spoken")
        assert said[-1]["lang"].startswith("de")
        assert said[-1]["text"].startswith("In ") and f"{turn_words.lower()} auf {CROSS_STREET}" in said[-1]["text"]

        # Drive along the first street: the distance to the turn shrinks.
        before = shown_metres(page)
        drive_to(page, *point_along(start, corner, 0.5))
        page.wait_for_function(f"() => parseFloat(document.querySelector('[data-testid=next-distance]').textContent.replace(/[^0-9.,]/g, '').replace(',', '.')) * (document.querySelector('[data-testid=next-distance]').textContent.includes('km') ? 1000 : 1) < {before - first_leg * 0.3}")

        # Offline from here: the steps go on from the position alone.
        page.context.set_offline(True)
        near = point_along(start, corner, 1 - 40 / first_leg)  # 40 m before the turn
        drive_to(page, *near)
        page.wait_for_function(f"() => window.__spoken.some(s => s.text === '{turn_words} auf {CROSS_STREET}')")
        assert page.locator("[data-note='guide.offlineSteps']").is_visible()

        drive_to(page, *point_along(corner, end, 0.4))  # round the corner
        page.wait_for_function("() => !document.querySelector('[data-testid=next-instruction]').textContent.includes('abbiegen')")
        assert "Der Stopp ist" in instruction.inner_text() or "Ankunft" in instruction.inner_text()
        page.screenshot(path=str(tmp_path / "guidance-de-offline.png"))

        drive_to(page, *end)
        page.wait_for_function("() => document.querySelector('[data-testid=next-instruction]').textContent.includes('angekommen')")
        page.wait_for_function("() => window.__spoken.some(s => s.text.includes('angekommen'))")
        assert all(s["lang"].startswith("de") for s in page.evaluate("window.__spoken"))
        page.context.set_offline(False)
    finally:
        context.close()
    assert not errors, errors


def test_leaving_the_planned_way_asks_the_road_network_for_a_new_one(playwright_browser, guided_server):
    server, road_network = guided_server
    _route, stop = first_stop(server)
    start = (START_POSITION["latitude"], START_POSITION["longitude"])
    context, page, errors = phone_at(playwright_browser, server)
    try:
        log_in(page)
        page.goto(f"/driver/stops/{stop['id']}/guide")
        page.wait_for_function("() => document.querySelector('[data-testid=next-instruction]')?.textContent.includes('onto')")
        def legs():
            return [r for r in road_network.requests if r["path"].startswith("/route/v1/") and r["path"].count(";") == 1]

        asked = len(legs())
        # 200 m to the side of the planned street, a fix a second as a phone gives them: another way was taken.
        aside = (start[0] + 0.0018, start[1])
        deadline = time.monotonic() + 15
        while len(legs()) == asked and time.monotonic() < deadline:
            aside = (aside[0] + 0.00005, aside[1])
            drive_to(page, *aside)
            page.wait_for_timeout(700)
        assert len(legs()) > asked, "a new leg was asked for"
        origin = unquote(legs()[-1]["path"]).rsplit("/", 1)[-1].split(";")[0]
        lon, lat = map(float, origin.split(","))
        assert metres((lat, lon), aside) < 30, (lat, lon)
    finally:
        context.close()
    assert not errors, errors


def test_the_guidance_opens_offline_with_the_steps_it_had(playwright_browser, guided_server):
    server, _road_network = guided_server
    _route, stop = first_stop(server)
    context, page, errors = phone_at(playwright_browser, server)
    try:
        log_in(page)
        page.evaluate("""() => new Promise(resolve => navigator.serviceWorker.controller ? resolve()
            : navigator.serviceWorker.addEventListener('controllerchange', resolve, {once: true}))""")
        page.goto(f"/driver/stops/{stop['id']}/guide")
        page.wait_for_function("() => document.querySelector('[data-testid=next-instruction]')?.textContent.includes('onto')")
        page.context.set_offline(True)
        page.reload()
        page.get_by_test_id("next-instruction").wait_for()
        assert CROSS_STREET in page.get_by_test_id("next-instruction").inner_text()
        assert page.locator("[data-note='guide.offlineSteps']").is_visible()
        # The tiles cannot come offline; the map still opens (its code was precached) and says so.
        page.locator("[data-testid=guide-map] .leaflet-pane").first.wait_for(state="attached")
        page.locator("[data-note='guide.mapUnavailable']").wait_for()
        page.context.set_offline(False)
    finally:
        context.close()
    assert not errors, errors


def test_without_osrm_the_stop_is_given_in_words_as_the_crow_flies(playwright_browser, demo_server, tmp_path):
    _route, stop = first_stop(demo_server)
    start = (START_POSITION["latitude"], START_POSITION["longitude"])
    end = (stop["order"]["lat"], stop["order"]["lon"])
    for scheme in ("light", "dark"):
        context, page, errors = phone_at(playwright_browser, demo_server, color_scheme=scheme)
        try:
            log_in(page)
            page.get_by_test_id("next-stop").get_by_test_id("guide-open").click()
            sentence = page.get_by_test_id("next-instruction")
            sentence.wait_for()
            text = sentence.inner_text()
            assert re.fullmatch(rf"Stop {stop['sequence']}: [\d.,]+ k?m to the (north|south|east|west)(-\w+)?, "
                                r"as the crow flies", text), text
            assert shown_metres(page) == pytest.approx(metres(start, end), rel=0.06, abs=15)
            assert page.locator("[data-note='guide.noSteps']").is_visible()
            assert page.get_by_test_id("guide-steps").count() == 0
            page.get_by_test_id("guide-leg").wait_for(state="attached")  # the straight leg on the map
            links = {a.get_attribute("data-nav") for a in page.locator("[data-testid=nav-links] a").all()}
            assert links == {"geo", "google", "apple", "waze"}  # the hand-off stays available
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.locator("[data-testid=guide-map] .leaflet-pane").first.wait_for(state="attached")
            assert_accessible(page, f"the guidance without OSRM, {scheme} theme")
            page.screenshot(path=str(tmp_path / f"crow-flies-{scheme}.png"), full_page=True)

            halfway = point_along(start, end, 0.5)
            drive_to(page, *halfway)
            page.wait_for_function(f"() => document.querySelector('[data-testid=next-instruction]').textContent !== {text!r}")
            assert shown_metres(page) == pytest.approx(metres(halfway, end), rel=0.06, abs=15)
        finally:
            context.close()
        assert not errors, errors
