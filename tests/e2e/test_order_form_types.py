"""The order form takes the three order types in a real chromium: a pickup-then-delivery order (its pickup end
in its own fieldset, the server's refusal of a pickup window closing after the delivery's shown beside it) and
a return (no delivery address: it goes back to the depot)."""
from __future__ import annotations

import pytest

from tests.e2e.test_order_desk import SHOTS, console  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_a_pair_and_a_return_from_the_form(console, demo_server):  # noqa: F811
    page = console
    page.get_by_test_id("order-new").click()
    dialog = page.get_by_test_id("order-form")
    dialog.get_by_label("Type").select_option("pickup_delivery")
    pickup = dialog.get_by_test_id("pickup-fields")
    dialog.get_by_label("Reference").fill("FORM-B2B")
    dialog.get_by_label("Address", exact=True).fill("800 Rue de la Gauchetière Ouest, Montréal")
    dialog.get_by_label("Latitude", exact=True).fill("45.499")
    dialog.get_by_label("Longitude", exact=True).fill("-73.566")
    dialog.get_by_label("Window opens", exact=True).fill("14:00")
    dialog.get_by_label("Window closes", exact=True).fill("17:00")
    dialog.get_by_label("Recipient name").fill("Léa Gagnon")
    pickup.get_by_label("Pickup address").fill("5333 Avenue Casgrain, Montréal")
    pickup.get_by_label("Pickup latitude").fill("45.5275")
    pickup.get_by_label("Pickup longitude").fill("-73.5955")
    pickup.get_by_label("Pickup window opens", exact=True).fill("15:00")
    pickup.get_by_label("Pickup window closes", exact=True).fill("18:00")
    pickup.get_by_label("Sender name").fill("Atelier Casgrain")
    pickup.get_by_label("Sender phone").fill("+15145550189")
    dialog.get_by_test_id("order-save").click()
    refused = dialog.get_by_test_id("error-pickup_window_start")
    refused.wait_for()
    assert "closes after the delivery window" in refused.inner_text()
    page.screenshot(path=str(SHOTS / "order-form-pair-refused.png"), full_page=True)
    # The refusal is now part of the field's accessible name: reach the inputs by name.
    pickup.locator("input[name=pickup_window_start]").fill("09:00")
    pickup.locator("input[name=pickup_window_end]").fill("12:00")
    dialog.get_by_test_id("order-save").click()
    dialog.wait_for(state="detached")

    dispatcher = demo_server.dispatcher_session()
    found = dispatcher.get(f"{demo_server.url}/api/v1/orders?external_ref=FORM-B2B", timeout=10).json()["items"]
    assert found[0]["type"] == "pickup_delivery" and found[0]["pickup"]["contact"]["name"] == "Atelier Casgrain"

    page.get_by_test_id("order-new").click()
    dialog = page.get_by_test_id("order-form")
    dialog.get_by_label("Type").select_option("return")
    assert not dialog.get_by_label("Address", exact=True).is_visible()
    assert not dialog.get_by_label("Recipient name").is_visible()
    dialog.get_by_label("Reference").fill("FORM-RET")
    pickup = dialog.get_by_test_id("pickup-fields")
    pickup.get_by_label("Pickup address").fill("350 Rue Rachel Est, Montréal")
    pickup.get_by_label("Pickup latitude").fill("45.523")
    pickup.get_by_label("Pickup longitude").fill("-73.579")
    pickup.get_by_label("Sender name").fill("Noah Roy")
    dialog.get_by_label("Time at the door (minutes)").fill("4")
    dialog.get_by_label("Instructions for the driver").fill("Parcel is with the concierge")
    page.screenshot(path=str(SHOTS / "order-form-return.png"), full_page=True)
    dialog.get_by_test_id("order-save").click()
    dialog.wait_for(state="detached")
    found = dispatcher.get(f"{demo_server.url}/api/v1/orders?external_ref=FORM-RET", timeout=10).json()["items"]
    assert found[0]["type"] == "return" and found[0]["pickup"]["address"] == "350 Rue Rachel Est, Montréal"
    # At a return the time at the door and the instructions are the collection's: what the driver reads there.
    assert found[0]["pickup"]["service_time_s"] == 240
    assert found[0]["pickup"]["instructions"] == "Parcel is with the concierge"


def test_the_desk_and_the_plan_show_each_end(console, demo_server):  # noqa: F811
    """The desk names a pair's two ends and a return's collection address; a route card marks pickup stops."""
    url, dispatcher = demo_server.url, demo_server.dispatcher_session()
    today = dispatcher.get(f"{url}/api/v1/routes", timeout=10).json()
    routes = today.get("items", today) if isinstance(today, dict) else today
    day = routes[0]["date"]
    pair = dispatcher.post(f"{url}/api/v1/orders", timeout=10, json={
        "external_ref": "DESK-B2B", "type": "pickup_delivery", "delivery_date": day,
        "address": "800 Rue de la Gauchetière Ouest, Montréal", "lat": 45.499, "lon": -73.566,
        "pickup": {"address": "5333 Avenue Casgrain, Montréal", "lat": 45.5275, "lon": -73.5955}}).json()
    response = dispatcher.post(f"{url}/api/v1/routes", json={"date": day, "order_ids": [pair["id"]]}, timeout=10)
    assert response.status_code == 201, response.text
    page = console
    page.get_by_test_id("orders-q").fill("DESK-B2B")
    page.get_by_test_id("orders-q").press("Enter")
    row = page.locator("[data-testid=orders-table] tbody tr").filter(has_text="DESK-B2B")
    row.wait_for()
    assert "Pickup → delivery 5333 Avenue Casgrain, Montréal → 800 Rue de la Gauchetière" in row.inner_text()
    page.get_by_role("tab", name="Plan").click()
    marker = page.locator(f"[data-order-id='{pair['id']}'] [data-testid=stop-pickup]")
    marker.wait_for()
    assert marker.inner_text() == "Pickup"
    stops = page.locator(f"[data-order-id='{pair['id']}']")
    assert stops.count() == 2 and "5333 Avenue Casgrain" in stops.first.inner_text()
    marker.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "plan-pickup-stop.png"))
