"""The route sheet's data: every stop in driving order with what a driver needs on paper, and who may see it."""
from backend.orders.barcodes import QUIET_ZONE_MODULES, bar_widths, code128
from tests.dispatch.helpers import make_orders, make_route
from tests.support import order_payload

START_B, START_C, STOP = [2, 1, 1, 2, 1, 4], [2, 1, 1, 2, 3, 2], [2, 3, 3, 1, 1, 1, 2]


def test_code128_bars_follow_the_standard():
    # "A" in code set B: start B, A (value 33), check digit (104 + 33) mod 103 = 34, stop.
    assert bar_widths("A") == START_B + [1, 1, 1, 3, 2, 3] + [1, 3, 1, 1, 2, 3] + STOP
    assert bar_widths("12345678")[:6] == START_C  # digits are packed two per symbol
    assert bar_widths("PKG-Ünïcode") is None and bar_widths("") is None
    drawn = code128("PKG-1")
    assert drawn.width == sum(bar_widths("PKG-1")) + 2 * QUIET_ZONE_MODULES
    assert drawn.path.startswith(f"M{QUIET_ZONE_MODULES} 0h2v40h-2z")
    assert drawn.path.count("M") == len(bar_widths("PKG-1")) // 2 + 1  # one rectangle per bar


def test_the_sheet_lists_each_stop_in_order_with_what_the_driver_needs(org, dispatcher):
    ids = make_orders(dispatcher, 2, prefix="S")
    odd = dispatcher.post("/api/v1/orders", json=order_payload(
        "S-3", notes="Fragile <glass>", delivery_instructions="Side door", cod_amount_cents=4250,
        requires_id_check=True, parcels=["COLIS-É1"], address="7 Rue Émile, Montréal",
        recipient={"name": "Zoé <Dupont>", "phone": "+15145550123", "language": "fr"})).get_json()
    route = make_route(dispatcher, org, ids + [odd["id"]], publish=True)
    response = dispatcher.get(f"/api/v1/routes/{route['id']}/sheet")
    assert response.status_code == 200, response.get_json()
    sheet = response.get_json()
    assert sheet["organization"] == "Acme Deliveries" and sheet["timezone"] == "America/Montreal"
    assert sheet["driver"] == {"name": "Driver One", "phone": org.driver_phone}
    assert sheet["vehicle"]["name"] == "Van 1" and sheet["depot"]["name"] == "Main depot"
    assert [s["sequence"] for s in sheet["stops"]] == sorted(s["sequence"] for s in route["stops"])
    assert [s["order_id"] for s in sheet["stops"]] == [s["order"]["id"] for s in sorted(route["stops"], key=lambda s: s["sequence"])]
    assert sheet["stop_count"] == 3 and sheet["cod_total_cents"] == 4250
    stop = next(s for s in sheet["stops"] if s["order_ref"] == "S-3")
    assert stop["recipient_name"] == "Zoé <Dupont>" and stop["recipient_phone"] == "+15145550123"
    assert stop["notes"] == "Fragile <glass>" and stop["delivery_instructions"] == "Side door"
    assert stop["requires_id_check"] is True and stop["time_windows"][0]["start"]
    assert stop["eta"]
    assert stop["barcodes"] == [{"value": "COLIS-É1", "drawable": False}]  # printed as text: Code 128 has no É
    first = next(s for s in sheet["stops"] if s["order_ref"] == "S-1")
    [barcode] = first["barcodes"]
    assert barcode["value"] == "S-1-P1" and barcode["drawable"] and barcode["path"] == code128("S-1-P1").path


def test_a_driver_prints_their_own_route_only(org, other_org, dispatcher):
    mine = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="M"), publish=True)
    theirs = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="T"), publish=True,
                        driver_id=org.other_driver_id)
    driver = org.as_role("driver")
    assert driver.get(f"/api/v1/routes/{mine['id']}/sheet").status_code == 200
    assert driver.get(f"/api/v1/routes/{theirs['id']}/sheet").status_code == 404
    assert org.as_role("admin").get(f"/api/v1/routes/{theirs['id']}/sheet").status_code == 200
    assert org.as_role("anonymous").get(f"/api/v1/routes/{mine['id']}/sheet").status_code == 401
    assert other_org.as_role("dispatcher").get(f"/api/v1/routes/{mine['id']}/sheet").status_code == 404


def test_a_pickup_delivery_pair_prints_two_stops_each_with_its_own_end(org, dispatcher):
    from tests.orders.test_order_types import pair_payload

    pair = dispatcher.post("/api/v1/orders", json=pair_payload("PAIR-1", cod_amount_cents=1500,
                                                               parcels=["PAIR-1-P1"]))
    assert pair.status_code == 201, pair.get_json()
    route = make_route(dispatcher, org, [pair.get_json()["id"]], publish=True)
    sheet = dispatcher.get(f"/api/v1/routes/{route['id']}/sheet").get_json()
    pickup, delivery = sheet["stops"]
    assert (pickup["kind"], delivery["kind"]) == ("pickup", "delivery")
    assert pickup["address"] == "200 Rue Sherbrooke Ouest, Montréal" and pickup["recipient_name"] == "Sam Sender"
    assert pickup["delivery_instructions"] == "Ask at the front desk" and pickup["cod_amount_cents"] == 0
    assert delivery["address"] == "4500 Rue Saint-Denis, Montréal, QC" and delivery["recipient_name"] == "Camille Tremblay"
    assert delivery["cod_amount_cents"] == 1500 and sheet["cod_total_cents"] == 1500
    assert pickup["time_windows"] != delivery["time_windows"]
    assert sheet["parcel_count"] == 1 and sheet["stop_count"] == 2  # one order's parcels, counted once
