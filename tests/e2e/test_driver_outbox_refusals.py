"""The phone's outbox never blocks behind one write: what the server will never take is parked and shown
to the driver in words, the rest goes on; passing trouble is retried, never parked.

The driver's phone goes offline while dispatch changes its route through the real API, then comes back.
Server faults a proxy would produce (503, a dropped connection) are injected on the phone's network with
`context.route`; the refusals themselves come from the real server.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in_as_driver
from tests.e2e.test_driver_app import open_stop, sign, start_route

pytestmark = pytest.mark.browser

ACTIONS = "**/api/v1/driver/actions"


def wait_for_service_worker(page) -> None:
    # One evaluate (a DevTools call, outside the page's CSP) rather than wait_for_function's polling,
    # which evaluates its predicate in the page where CSP forbids eval.
    page.evaluate("""() => new Promise(resolve => navigator.serviceWorker.controller ? resolve()
        : navigator.serviceWorker.addEventListener('controllerchange', resolve, {once: true}))""")


def outbox_count(page) -> int:
    """Entries still waiting in the phone's IndexedDB outbox (uploads, actions, positions)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const opening = indexedDB.open('lastmile');
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
            const counting = opening.result.transaction('outbox').objectStore('outbox').count();
            counting.onsuccess = () => { resolve(counting.result); opening.result.close(); };
        };
    })""")


def deliver_with_signature(page, stop: dict, name: str) -> None:
    open_stop(page, stop)
    page.get_by_role("link", name="Deliver", exact=True).click()
    sign(page)
    page.get_by_label("Recipient's name").fill(name)
    order = stop["order"]
    if order["cod_amount_cents"]:
        page.get_by_label("Amount collected (CAD)").fill(f'{order["cod_amount_cents"] / 100:.2f}')
    if order["requires_id_check"]:
        page.get_by_label("I checked the ID").check()
    if order["min_age"]:
        page.get_by_label(f'Recipient is {order["min_age"]} or older').check()
    page.get_by_role("button", name="Confirm delivery").click()
    page.get_by_test_id("stop-list").wait_for()


def fail_nobody_home(page, stop: dict) -> None:
    open_stop(page, stop)
    page.get_by_role("link", name="Could not deliver").click()
    page.get_by_label("Nobody home").check()
    page.get_by_role("button", name="Confirm failed delivery").click()
    page.get_by_test_id("stop-list").wait_for()


def arrive(page, stop: dict) -> None:
    open_stop(page, stop)
    page.get_by_role("button", name="I've arrived").click()
    page.get_by_role("link", name="Back").first.click()
    page.get_by_test_id("stop-list").wait_for()


def other_drivers_route(demo_server, dispatcher, route: dict) -> dict:
    """Another driver's route that day: the demo's, or a new one for its other driver (the optimizer may fit
    the whole demo day in one van)."""
    routes = dispatcher.get(f"{demo_server.url}/api/v1/routes", params={"date": route["date"]}, timeout=10).json()
    others = [each for each in routes if each["id"] != route["id"]]
    if others:
        return others[0]
    drivers = dispatcher.get(f"{demo_server.url}/api/v1/drivers", timeout=10).json()
    drivers = drivers.get("items", drivers) if isinstance(drivers, dict) else drivers
    other = next(driver for driver in drivers if driver["id"] != route["driver"]["id"])
    created = dispatcher.post(f"{demo_server.url}/api/v1/routes", timeout=10, json={
        "date": route["date"], "driver_id": other["id"], "depot_id": route["depot"]["id"], "order_ids": []})
    assert created.status_code == 201, created.text
    return created.json()


def order_events(demo_server, dispatcher, order_id: int) -> list[dict]:
    return dispatcher.get(f"{demo_server.url}/api/v1/orders/{order_id}/events", timeout=10).json()


def stop_statuses(demo_server) -> dict[int, str]:
    route = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
    return {stop["id"]: stop["status"] for stop in route["stops"]}


def parked_texts(page) -> list[str]:
    return [" ".join(text.split()) for text in page.get_by_test_id("parked-write").all_inner_texts()]


def test_stops_moved_or_cancelled_while_offline_are_shown_as_conflicts_and_later_actions_still_apply(
        phone, demo_server, driver_route, tmp_path):
    log_in_as_driver(phone)
    wait_for_service_worker(phone)
    start_route(phone)
    moved, cancelled, kept = sorted(driver_route["stops"], key=lambda stop: stop["sequence"])[:3]

    phone.context.set_offline(True)
    deliver_with_signature(phone, moved, "Dana")
    fail_nobody_home(phone, cancelled)
    deliver_with_signature(phone, kept, "Eli")
    assert phone.get_by_test_id("sync-status").inner_text().strip() == "3 to sync"

    # Meanwhile dispatch gives the first stop to the other driver and cancels the second stop's order.
    dispatcher = demo_server.dispatcher_session()
    mine = dispatcher.get(f"{demo_server.url}/api/v1/routes/{driver_route['id']}", timeout=10).json()
    theirs = other_drivers_route(demo_server, dispatcher, driver_route)
    answer = dispatcher.post(f"{demo_server.url}/api/v1/stops/{moved['id']}/move", timeout=10, json={
        "to_route_id": theirs["id"], "from_version": mine["version"], "to_version": theirs["version"]})
    assert answer.status_code == 200, answer.text
    answer = dispatcher.post(f"{demo_server.url}/api/v1/orders/{cancelled['order']['id']}/cancel", timeout=10,
                             json={"reason": "customer called"})
    assert answer.status_code == 200, answer.text

    phone.context.set_offline(False)
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for(timeout=30000)
    expect(phone.get_by_test_id("parked-write")).to_have_count(2)
    phone.screenshot(path=str(tmp_path / "conflicts-shown.png"), full_page=True)

    # Nothing waits behind the refused writes: the later delivery is on the server, the outbox is empty.
    assert stop_statuses(demo_server)[kept["id"]] == "completed"
    assert outbox_count(phone) == 0
    # The refused ones were kept for dispatch with what the driver recorded, not applied.
    [moved_conflict] = [e for e in order_events(demo_server, dispatcher, moved["order"]["id"]) if e["type"] == "conflict"]
    assert moved_conflict["details"]["action"] == "stop.complete"
    assert moved_conflict["details"]["data"]["recipient_name"] == "Dana"
    their_stops = dispatcher.get(f"{demo_server.url}/api/v1/routes/{theirs['id']}", timeout=10).json()["stops"]
    assert next(s for s in their_stops if s["id"] == moved["id"])["status"] == "pending"
    [cancel_conflict] = [e for e in order_events(demo_server, dispatcher, cancelled["order"]["id"])
                         if e["type"] == "conflict"]
    assert cancel_conflict["details"]["action"] == "stop.fail"

    # The driver reads which stop, what happened and what to do; no codes, no server English dumped raw.
    texts = parked_texts(phone)
    moved_text = next(text for text in texts if f"stop {moved['sequence']}," in text)
    assert moved_text.startswith(f"Delivery — stop {moved['sequence']}, {moved['order']['address']}")
    assert "another driver" in moved_text and "keep the parcel" in moved_text
    cancelled_text = next(text for text in texts if f"stop {cancelled['sequence']}," in text)
    assert cancelled_text.startswith(f"Failed delivery — stop {cancelled['sequence']}, {cancelled['order']['address']}")
    assert "cancelled this order" in cancelled_text
    for text in texts:
        assert "stop_moved" not in text and "order_cancelled" not in text and "HTTP" not in text, text
    # The cancelled order's stop is not offered as the next one to do any more.
    assert "Cancelled" in phone.locator(f"[data-stop-id='{cancelled['id']}']").inner_text()
    assert cancelled["order"]["address"] not in phone.get_by_test_id("next-stop").inner_text()

    # Read, then dismissed one by one; what is not dismissed survives a reload.
    phone.get_by_test_id("parked-write").filter(has_text="another driver").get_by_role(
        "button", name="OK, got it").click()
    expect(phone.get_by_test_id("parked-write")).to_have_count(1)
    phone.reload()
    phone.get_by_test_id("stop-list").wait_for()
    assert [text for text in parked_texts(phone)] == [cancelled_text]
    phone.get_by_role("button", name="OK, got it").click()
    phone.get_by_test_id("parked").wait_for(state="detached")


def test_a_refused_write_is_parked_and_passing_server_trouble_is_retried_in_order(phone, demo_server, driver_route,
                                                                                  tmp_path):
    log_in_as_driver(phone)
    start_route(phone)
    clock_wrong, busy, after = sorted(driver_route["stops"], key=lambda stop: stop["sequence"])[:3]
    attempts: dict[int, int] = {}

    def network(route, request):
        body = request.post_data_json
        stop_id = body.get("stop_id")
        attempts[stop_id] = attempts.get(stop_id, 0) + 1
        if stop_id == clock_wrong["id"]:
            # A phone whose clock runs a day ahead: the real server refuses the action for good (422).
            ahead = datetime.now(timezone.utc) + timedelta(days=1)
            route.continue_(post_data=json.dumps({**body, "at": ahead.isoformat()}))
        elif stop_id == busy["id"] and attempts[stop_id] == 1:
            route.fulfill(status=503, content_type="application/problem+json",
                          body=json.dumps({"type": "about:blank", "title": "Service Unavailable", "status": 503}))
        elif stop_id == busy["id"] and attempts[stop_id] == 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.context.set_offline(True)
    for stop in (clock_wrong, busy, after):
        arrive(phone, stop)
    assert phone.get_by_test_id("sync-status").inner_text().strip() == "3 to sync"
    phone.context.route(ACTIONS, network)  # from here on: what the phone sends once back online
    phone.context.set_offline(False)

    # The refusal is parked at once; the 503 stops the replay there, keeping the order of the rest.
    phone.get_by_test_id("sync-status").filter(has_text="2 to sync").wait_for()
    phone.get_by_test_id("parked-write").wait_for()
    assert attempts.get(after["id"]) is None, "a later write overtook one still to be retried"
    # Then retried on its own (no reload, no new action), through the dropped connection, until it goes in.
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for(timeout=30000)
    phone.screenshot(path=str(tmp_path / "refusal-shown.png"), full_page=True)
    assert attempts == {clock_wrong["id"]: 1, busy["id"]: 3, after["id"]: 1}
    assert outbox_count(phone) == 0

    statuses = stop_statuses(demo_server)
    assert (statuses[clock_wrong["id"]], statuses[busy["id"]], statuses[after["id"]]) == ("pending", "arrived", "arrived")
    with sqlite3.connect(demo_server.database) as db:
        recorded = [stop_id for (stop_id,) in db.execute("SELECT stop_id FROM driver_actions WHERE type = 'stop.arrive'")]
    assert sorted(recorded) == sorted([busy["id"], after["id"]]), "each arrival applied exactly once"
    [text] = parked_texts(phone)
    assert text.startswith(f"Arrival — stop {clock_wrong['sequence']}, {clock_wrong['order']['address']}")
    assert "clock" in text
