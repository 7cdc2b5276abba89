"""The driver PWA in a real (headless) chromium at phone size, against the real server and demo day."""
from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import log_in_as_driver

pytestmark = pytest.mark.browser


def planned_addresses(route: dict) -> list[str]:
    return [stop["order"]["address"] for stop in sorted(route["stops"], key=lambda stop: stop["sequence"])]


def shown_addresses(page) -> list[str]:
    return page.locator("[data-testid=stop-list] .address").all_inner_texts()


def test_driver_logs_in_and_sees_the_stops_in_planned_order_with_navigation_to_the_next(phone, driver_route):
    log_in_as_driver(phone)

    assert shown_addresses(phone) == planned_addresses(driver_route)
    first = min(driver_route["stops"], key=lambda stop: stop["sequence"])
    card = phone.get_by_test_id("next-stop")
    assert first["order"]["address"] in card.inner_text()
    destination = f'{first["order"]["lat"]},{first["order"]["lon"]}'
    links = {link.get_attribute("data-nav"): link.get_attribute("href")
             for link in card.locator("[data-testid=nav-links] a").all()}
    assert set(links) == {"geo", "google", "apple", "waze"}
    assert all(destination in href for href in links.values()), links
    assert links["geo"].startswith("geo:")
    # Made for a phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    card.get_by_role("link", name=f"Open stop {first['sequence']}").click()
    phone.get_by_role("button", name="Directions").click()
    directions = phone.get_by_test_id("directions")
    directions.wait_for()
    assert "km" in directions.inner_text() or " m" in directions.inner_text(), directions.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_dispatcher_resequencing_reaches_the_open_list_within_a_second(phone, demo_server, driver_route):
    log_in_as_driver(phone)
    phone.mouse.wheel(0, 400)
    phone.wait_for_function("window.scrollY > 0")
    scrolled_to = phone.evaluate("window.scrollY")

    ordered = sorted(driver_route["stops"], key=lambda stop: stop["sequence"])
    moved = ordered[-1]
    new_order = [ordered[0], ordered[1], moved, *ordered[2:-1]]
    dispatcher = demo_server.dispatcher_session()
    response = dispatcher.put(f"{demo_server.url}/api/v1/routes/{driver_route['id']}/sequence",
                              json={"stop_ids": [stop["id"] for stop in new_order], "version": driver_route["version"]},
                              timeout=10)
    assert response.status_code == 200, response.text
    changed_at = time.monotonic()

    expected = [stop["order"]["address"] for stop in new_order]
    phone.wait_for_function(
        "expected => [...document.querySelectorAll('[data-testid=stop-list] .address')].map(e => e.textContent)"
        ".join('|') === expected.join('|')", arg=expected, timeout=1000)
    assert time.monotonic() - changed_at < 1.0
    notice = phone.get_by_test_id("change-notice").inner_text()
    assert moved["order"]["address"] in notice and "3" in notice, notice
    # The driver keeps their place: no reload, no jump to the top.
    assert phone.evaluate("window.scrollY") == pytest.approx(scrolled_to, abs=2)


def camera_photo(page, seed: int) -> bytes:
    """A phone-camera-sized JPEG (4000x3000, noisy so it does not compress away), drawn by the browser."""
    import base64

    data_url = page.evaluate("""seed => {
        const canvas = document.createElement('canvas');
        canvas.width = 4000; canvas.height = 3000;
        const context = canvas.getContext('2d');
        let state = seed + 1;
        const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let y = 0; y < 3000; y += 20) for (let x = 0; x < 4000; x += 20) {
            context.fillStyle = `rgb(${random() * 255 | 0},${random() * 255 | 0},${random() * 255 | 0})`;
            context.fillRect(x, y, 20, 20);
        }
        return canvas.toDataURL('image/jpeg', 0.95);
    }""", seed)
    return base64.b64decode(data_url.split(",", 1)[1])


def open_stop(page, stop: dict) -> None:
    page.locator(f"[data-stop-id='{stop['id']}'] a").click()
    page.get_by_test_id("stop-detail").wait_for()


def add_photo(page, seed: int) -> None:
    before = page.locator(".thumbs img").count()
    photo = camera_photo(page, seed)
    assert len(photo) > 1024 * 1024, "the test photo should be as heavy as a camera's"
    page.get_by_test_id("photo-input").set_input_files(
        {"name": f"photo-{seed}.jpg", "mimeType": "image/jpeg", "buffer": photo})
    page.wait_for_function("n => document.querySelectorAll('.thumbs img').length > n", arg=before)


def sign(page) -> None:
    pad = page.get_by_test_id("signature")
    pad.scroll_into_view_if_needed()  # the mouse draws in viewport coordinates
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(box["x"] + 20 + step * 30, box["y"] + box["height"] / 2 + (15 if step % 2 else -15))
    page.mouse.up()


def deliver(page, stop: dict, seed: int) -> None:
    open_stop(page, stop)
    page.get_by_role("link", name="Deliver", exact=True).click()
    add_photo(page, seed)
    sign(page)
    page.get_by_label("Recipient's name").fill(f"Recipient {seed}")
    order = stop["order"]
    # Whatever this demo order asks for at the door (cash on delivery, ID or age check), the driver does.
    if order["cod_amount_cents"]:
        page.get_by_label("Amount collected (CAD)").fill(f'{order["cod_amount_cents"] / 100:.2f}')
    if order["requires_id_check"]:
        page.get_by_label("I checked the ID").check()
    if order["min_age"]:
        page.get_by_label(f'Recipient is {order["min_age"]} or older').check()
    page.get_by_role("button", name="Confirm delivery").click()
    page.get_by_test_id("stop-list").wait_for()


def fail(page, stop: dict, seed: int) -> None:
    open_stop(page, stop)
    page.get_by_role("link", name="Could not deliver").click()
    page.get_by_label("Nobody home").check()
    add_photo(page, seed)
    page.get_by_label("Note").fill("Left a card in the mailbox")
    page.get_by_role("button", name="Confirm failed delivery").click()
    page.get_by_test_id("stop-list").wait_for()


def start_route(page) -> None:
    page.get_by_role("button", name="Start route").click()
    # The app's own dialog: "N parcels not scanned yet. Start anyway?"
    page.get_by_test_id("app-dialog").get_by_role("button", name="Start anyway").click()
    page.get_by_test_id("duty").filter(has_text="On duty").wait_for()
    page.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()


def test_offline_deliveries_survive_a_reload_and_reach_the_server_exactly_once(phone, demo_server, driver_route):
    import sqlite3

    log_in_as_driver(phone)
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    start_route(phone)
    ordered = sorted(driver_route["stops"], key=lambda stop: stop["sequence"])
    delivered, failed = ordered[:3], ordered[3]

    phone.context.set_offline(True)
    # A position recorded offline is kept with its own time and uploaded in a batch later.
    offline_fix_at = time.time()
    phone.context.set_geolocation({"latitude": 45.5123, "longitude": -73.6543, "accuracy": 9})
    for seed, stop in enumerate(delivered):
        deliver(phone, stop, seed)
    fail(phone, failed, 99)
    status = phone.get_by_test_id("sync-status")
    assert status.inner_text().strip() == "4 to sync"

    phone.reload()  # still offline: the service worker serves the app, IndexedDB the route and the queue
    phone.get_by_test_id("stop-list").wait_for()
    assert phone.get_by_test_id("sync-status").inner_text().strip() == "4 to sync"
    for stop in delivered:
        assert "Delivered" in phone.locator(f"[data-stop-id='{stop['id']}']").inner_text()
    assert "Failed" in phone.locator(f"[data-stop-id='{failed['id']}']").inner_text()

    phone.context.set_offline(False)
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for(timeout=30000)

    route = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
    statuses = {stop["id"]: stop["status"] for stop in route["stops"]}
    assert [statuses[stop["id"]] for stop in delivered] == ["completed"] * 3
    assert statuses[failed["id"]] == "failed"
    with sqlite3.connect(demo_server.database) as db:
        proofs = db.execute("SELECT stop_id, outcome, failure_reason, photo_ids, signature_id FROM delivery_proofs"
                            " ORDER BY id").fetchall()
        files = {row[0]: row[1:] for row in db.execute("SELECT id, kind, size_bytes FROM proof_files")}
    import json

    assert [(stop_id, outcome) for stop_id, outcome, *_ in proofs] == (
        [(stop["id"], "delivered") for stop in delivered] + [(failed["id"], "failed")])
    assert proofs[-1][2] == "not_home"
    referenced = []
    for _, outcome, _, photo_ids, signature_id in proofs:
        photo_ids = json.loads(photo_ids)
        assert len(photo_ids) == 1
        referenced += photo_ids
        if outcome == "delivered":
            assert signature_id in files and files[signature_id][0] == "signature", (proofs, files)
            referenced.append(signature_id)
    # Exactly the files the proofs name: no duplicate uploads from the replays.
    assert sorted(referenced) == sorted(files)
    photos = [size for kind, size in files.values() if kind == "photo"]
    assert len(photos) == 4 and all(size <= 300 * 1024 for size in photos), photos
    with sqlite3.connect(demo_server.database) as db:
        offline_fixes = db.execute("SELECT at, received_at FROM location_fixes WHERE abs(lat - 45.5123) < 1e-6"
                                   " AND abs(lon + 73.6543) < 1e-6").fetchall()
    assert len(offline_fixes) == 1, offline_fixes
    from datetime import datetime

    recorded_at = datetime.fromisoformat(offline_fixes[0][0]).timestamp() if "+" in offline_fixes[0][0] else \
        datetime.fromisoformat(offline_fixes[0][0] + "+00:00").timestamp()
    assert abs(recorded_at - offline_fix_at) < 10, "the fix keeps the time it was taken, not the upload's"


def test_moving_the_phone_sends_fixes_that_reach_a_dispatchers_socket(phone, demo_server, driver_route):
    import socketio

    received = []
    dispatcher = demo_server.dispatcher_session()
    client = socketio.Client(reconnection=False)
    # Dispatchers get positions coalesced per tick (`driver.locations` {items}); single events are accepted too.
    client.on("driver.locations", lambda data: received.extend(data.get("items", [])))
    client.on("driver.location", lambda data: received.append(data))
    client.connect(demo_server.url, headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in dispatcher.cookies)},
                   transports=["websocket"], wait_timeout=10)
    try:
        log_in_as_driver(phone)
        start_route(phone)
        # Drive north along Boulevard Décarie: each fix far enough from the last to be sent at once.
        path = [(45.5040 + 0.002 * step, -73.6870) for step in range(1, 4)]
        for lat, lon in path:
            phone.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                    abs(fix.get("lat", 0) - lat) < 1e-6 and abs(fix.get("lon", 0) - lon) < 1e-6 for fix in received):
                time.sleep(0.05)
        seen = {(round(fix["lat"], 6), round(fix["lon"], 6)) for fix in received}
        assert {(round(lat, 6), round(lon, 6)) for lat, lon in path} <= seen, received
    finally:
        client.disconnect()


def test_parcels_scanned_at_loading_are_recorded_and_the_missing_ones_flagged(phone, demo_server, driver_route):
    log_in_as_driver(phone)
    parcels = [parcel["barcode"] for stop in sorted(driver_route["stops"], key=lambda s: s["sequence"])
               for parcel in stop["order"]["parcels"]]
    loading = phone.get_by_role("region", name="Load the van")
    field = loading.get_by_label("Barcode (type it)")
    field.fill(parcels[0])
    field.press("Enter")
    loading.get_by_text(f"1 of {len(parcels)} parcels loaded").wait_for()
    field.fill("NOT-ON-THIS-ROUTE")
    field.press("Enter")
    loading.get_by_text("Parcel NOT-ON-THIS-ROUTE is not on this route.").wait_for()
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()

    route = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
    loaded = [parcel["barcode"] for stop in route["stops"] for parcel in stop["order"]["parcels"] if parcel["loaded_at"]]
    assert loaded == [parcels[0]]
    # Starting with parcels still missing asks the driver first; declining keeps the van at the depot.
    phone.get_by_role("button", name="Start route").click()
    dialog = phone.get_by_test_id("app-dialog")
    assert dialog.get_by_text(f"{len(parcels) - 1} parcels not scanned yet. Start anyway?").is_visible()
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.count() == 0
    phone.wait_for_timeout(500)  # time enough for an (unwanted) optimistic start to show
    assert phone.get_by_role("button", name="Start route").is_visible()
    assert phone.get_by_test_id("duty").inner_text().strip() == "Off duty — location not shared"
    route = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
    assert route["status"] == "published"


def test_with_the_app_closed_background_sync_replays_the_outbox_from_the_service_worker(phone, demo_server,
                                                                                        driver_route):
    log_in_as_driver(phone)
    phone.wait_for_function("navigator.serviceWorker.controller !== null")
    start_route(phone)
    first = min(driver_route["stops"], key=lambda stop: stop["sequence"])
    cdp = phone.context.new_cdp_session(phone)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")

    phone.context.set_offline(True)
    deliver(phone, first, 7)
    assert phone.get_by_test_id("sync-status").inner_text().strip() == "1 to sync"
    phone.goto("about:blank")  # the driver closes the app: only the service worker is left to send it
    phone.context.set_offline(False)
    registration = next(r for r in registrations if r["scopeURL"] == f"{demo_server.url}/")
    # What Chrome does when the connection comes back for a pending `sync` registration.
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": demo_server.url, "registrationId": registration["registrationId"],
                                                 "tag": "lastmile-outbox", "lastChance": False})
    driver = demo_server.driver_session()
    deadline = time.monotonic() + 20
    status = None
    while time.monotonic() < deadline:
        route = driver.get(f"{demo_server.url}/api/v1/driver/route", timeout=10).json()
        status = next(stop["status"] for stop in route["stops"] if stop["id"] == first["id"])
        if status == "completed":
            break
        time.sleep(0.2)
    assert status == "completed"
