"""A driver works a return and a pickup-delivery pair in the real app: the pickup stops read as collections
("Collect parcel from ..."), take a proof of collection, and the pair is delivered only once collected."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.conftest import log_in_as_driver
from tests.e2e.test_driver_app import add_photo, sign

pytestmark = pytest.mark.browser

SENDER = {"name": "Atelier Casgrain", "phone": "+15145550189", "language": "fr"}


def start_route(page) -> None:
    """Every parcel of this route is collected on the way: nothing to load at the depot, so no load check."""
    page.get_by_role("button", name="Start route").click()
    page.get_by_test_id("duty").filter(has_text="On duty").wait_for()
    assert not page.get_by_test_id("app-dialog").is_visible()
    page.get_by_test_id("sync-status").filter(has_text="All synced").wait_for()


def _window(hours_from: float, hours_to: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"start": (now + timedelta(hours=hours_from)).isoformat(),
            "end": (now + timedelta(hours=hours_to)).isoformat()}


def _route_with_pickups(demo_server) -> dict:
    """A return and a pair, on a new route of the demo driver published today (the app shows the newest)."""
    url, dispatcher = demo_server.url, demo_server.dispatcher_session()
    pickup = {"address": "5333 Avenue Casgrain, Montréal", "lat": 45.5275, "lon": -73.5955, "contact": SENDER,
              "time_windows": [_window(0, 3)], "instructions": "Back door, ring twice"}
    ret = {"external_ref": "E2E-RET", "type": "return", "parcels": ["E2E-RET-1"],
           "pickup": {**pickup, "address": "350 Rue Rachel Est, Montréal", "lat": 45.5230, "lon": -73.5790,
                      "contact": {"name": "Noah Roy", "phone": "+15145550145"}}}
    pair = {"external_ref": "E2E-B2B", "type": "pickup_delivery", "parcels": ["E2E-B2B-1"], "pickup": pickup,
            "address": "800 Rue de la Gauchetière Ouest, Montréal", "lat": 45.4990, "lon": -73.5660,
            "time_windows": [_window(0, 5)], "recipient": {"name": "Léa Gagnon", "phone": "+15145550167"}}
    ids = []
    for body in (pair, ret):
        response = dispatcher.post(f"{url}/api/v1/orders", json=body, timeout=10)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    driver = demo_server.driver_session().get(f"{url}/api/v1/driver/route", timeout=10).json()
    response = dispatcher.post(f"{url}/api/v1/routes", json={
        "date": driver["date"], "driver_id": driver["driver"]["id"], "order_ids": ids}, timeout=10)
    assert response.status_code == 201, response.text
    route = response.json()
    response = dispatcher.post(f"{url}/api/v1/routes/{route['id']}/publish", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_driver_collects_then_delivers(phone, demo_server, tmp_path):
    route = _route_with_pickups(demo_server)
    stops = sorted(route["stops"], key=lambda stop: stop["sequence"])
    assert [stop["kind"] for stop in stops].count("pickup") == 2
    log_in_as_driver(phone)
    rows = phone.locator("[data-testid=stop-list] li")
    rows.first.wait_for()
    assert rows.count() == 3
    listed = [rows.nth(i).inner_text() for i in range(3)]
    for stop, text in zip(stops, listed):
        assert ("Pickup" in text) == (stop["kind"] == "pickup"), text
    phone.screenshot(path=str(tmp_path / "pickups-list.png"))
    start_route(phone)

    pair_pickup = next(s for s in stops if s["kind"] == "pickup" and s["order"]["type"] == "pickup_delivery")
    pair_delivery = next(s for s in stops if s["kind"] == "delivery")
    # The pickup reads as a collection, with the sender to call and the pickup's own instructions.
    phone.locator(f"[data-stop-id='{pair_pickup['id']}'] a").click()
    detail = phone.get_by_test_id("stop-detail")
    assert "Collect parcel from Atelier Casgrain" in detail.inner_text()
    assert "5333 Avenue Casgrain" in detail.inner_text()
    assert phone.get_by_role("heading", name="Sender").is_visible()
    assert "Back door, ring twice" in phone.get_by_test_id("instructions").inner_text()
    phone.screenshot(path=str(tmp_path / "pickup-stop.png"), full_page=True)
    phone.get_by_role("link", name="Collect", exact=True).click()
    assert phone.get_by_role("heading", name="Proof of collection · Stop").is_visible() or \
        "Proof of collection" in phone.locator("form.pod h1").inner_text()
    add_photo(phone, 7)
    sign(phone)
    phone.get_by_label("Handed over by").fill("Marc, the workshop")
    phone.screenshot(path=str(tmp_path / "proof-of-collection.png"), full_page=True)
    phone.get_by_role("button", name="Confirm collection").click()
    phone.get_by_test_id("stop-list").wait_for()
    assert "Collected" in phone.locator(f"[data-stop-id='{pair_pickup['id']}']").inner_text()

    # Then the delivery, as any other.
    phone.locator(f"[data-stop-id='{pair_delivery['id']}'] a").click()
    assert "Collect parcel" not in phone.get_by_test_id("stop-detail").inner_text()
    assert phone.get_by_role("heading", name="Recipient").is_visible()
    phone.get_by_role("link", name="Deliver", exact=True).click()
    add_photo(phone, 8)
    sign(phone)
    phone.get_by_label("Recipient's name").fill("Léa")
    phone.get_by_role("button", name="Confirm delivery").click()
    phone.get_by_test_id("stop-list").wait_for()
    phone.get_by_test_id("sync-status").filter(has_text="All synced").wait_for(timeout=30000)

    dispatcher = demo_server.dispatcher_session()
    order = dispatcher.get(f"{demo_server.url}/api/v1/orders/{pair_delivery['order']['id']}", timeout=10).json()
    assert order["status"] == "delivered"
    proofs = dispatcher.get(f"{demo_server.url}/api/v1/orders/{order['id']}/proofs", timeout=10).json()
    assert sorted(proof["outcome"] for proof in proofs) == ["collected", "delivered"]
    collected = next(proof for proof in proofs if proof["outcome"] == "collected")
    assert collected["recipient_name"] == "Marc, the workshop" and collected["photos"] and collected["signature"]


def test_a_pickup_in_french_and_german(phone, demo_server):
    route = _route_with_pickups(demo_server)
    pickup = next(s for s in route["stops"] if s["kind"] == "pickup" and s["order"]["type"] == "pickup_delivery")
    log_in_as_driver(phone)
    for language, words in (("fr", "Récupérer le colis chez Atelier Casgrain"),
                            ("de", "Paket abholen bei Atelier Casgrain")):
        phone.evaluate("language => localStorage.setItem('lastmile.driver.settings', JSON.stringify({ language }))",
                       language)
        phone.goto(f"/driver/stops/{pickup['id']}")
        phone.get_by_test_id("pickup-line").wait_for()
        assert words in phone.get_by_test_id("pickup-line").inner_text()


def test_a_returns_tracking_page_speaks_of_its_collection(phone, demo_server, tmp_path):
    route = _route_with_pickups(demo_server)
    collection = next(s for s in route["stops"] if s["order"]["type"] == "return")
    order = demo_server.dispatcher_session().get(
        f"{demo_server.url}/api/v1/orders/{collection['order']['id']}", timeout=10).json()
    phone.goto(f"/t/{order['tracking_token']}")
    headline = phone.get_by_test_id("headline")
    headline.wait_for()
    assert headline.inner_text() == "Your pickup is scheduled"
    assert phone.get_by_test_id("address").inner_text() == "350 Rue Rachel Est, Montréal"
    assert "Pickup window" in phone.locator("body").inner_text()
    assert "Delivery" not in phone.locator("body").inner_text()
    phone.screenshot(path=str(tmp_path / "return-tracking.png"), full_page=True)
    # The driver collects it: the page says so.
    import uuid
    from datetime import datetime, timezone

    driver = demo_server.driver_session()
    for kind in ("stop.arrive", "stop.complete"):
        response = driver.post(f"{demo_server.url}/api/v1/driver/actions", timeout=10, json={
            "idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": route["id"], "stop_id": collection["id"],
            "at": datetime.now(timezone.utc).isoformat(), "data": {}})
        assert response.json()["status"] == "applied", response.text
    phone.reload()
    phone.get_by_test_id("headline").filter(has_text="Collected").wait_for()
    assert "Collected" in phone.get_by_test_id("timeline").inner_text()
    assert "Delivered" not in phone.locator("body").inner_text()
