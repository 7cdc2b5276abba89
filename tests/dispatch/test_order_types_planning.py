"""Returns and pickup-delivery pairs through planning, publishing and the driver's day.

plan_day gives the optimizer a pair as a shipment (both stops on one route, the pickup first) and a return as a
collection; the van's load follows the route, so one van does a day it could not carry at once. The driver
collects, the sender hears of the collection and the recipient of the delivery."""
from datetime import datetime, timedelta

from backend.dispatch import planning
from backend.extensions import db
from backend.fleet.models import Vehicle
from tests.dispatch.helpers import STREETS, action, make_orders
from tests.notify.helpers import outbox
from tests.orders.test_order_types import _window, pair_payload, pickup_end, return_payload
from tests.support import commit, tomorrow


def _plan(app, org, driver_ids=None, time_limit=1) -> dict:
    with app.app_context():
        return planning.plan_day(org.org_id, tomorrow(), org.depot_id, driver_ids=driver_ids or [org.driver_id],
                                 time_limit=time_limit)


def _van(app, org, **capacities) -> None:
    with app.app_context():
        van = db.session.get(Vehicle, org.vehicle_id)
        for name, value in capacities.items():
            setattr(van, name, value)
        commit()


def _create(api, payload) -> dict:
    response = api.post("/api/v1/orders", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _returns(api, count: int, prefix: str = "RET") -> list[dict]:
    created = []
    for index in range(count):
        lat, lon = STREETS[(index + 3) % len(STREETS)]
        created.append(_create(api, return_payload(f"{prefix}-{index + 1}", parcels=[f"{prefix}-{index + 1}-P"],
                                                    pickup=pickup_end(lat=lat + 0.002, lon=lon - 0.002,
                                                                      time_windows=[_window(9, 17)]))))
    return created


def _stops(api, plan) -> list[dict]:
    return [stop for route_id in plan["route_ids"] for stop in api.get(f"/api/v1/routes/{route_id}").get_json()["stops"]]


def test_a_mixed_day_plans_each_type_with_its_stops(app, org, dispatcher):
    deliveries = make_orders(dispatcher, 3)
    ret = _returns(dispatcher, 1)[0]
    pair = _create(dispatcher, pair_payload("B2B-1", parcels=["B2B-1-P"]))
    plan = _plan(app, org)
    assert plan["unassigned"] == [], plan
    stops = _stops(dispatcher, plan)
    by_order = {}
    for stop in stops:
        by_order.setdefault(stop["order"]["id"], []).append(stop)
    assert all([s["kind"] for s in by_order[i]] == ["delivery"] for i in deliveries)
    # The return: one collection at the customer's address, the sender as the person at the door.
    (collection,) = by_order[ret["id"]]
    assert collection["kind"] == "pickup" and collection["order"]["type"] == "return"
    assert collection["order"]["address"] == "200 Rue Sherbrooke Ouest, Montréal"
    assert collection["order"]["recipient"]["name"] == "Sam Sender"
    assert collection["order"]["delivery_instructions"] == "Ask at the front desk"
    assert collection["order"]["service_time_s"] == 240
    # The pair: both stops on one route, the pickup first, each timed within its own window.
    pickup, delivery = sorted(by_order[pair["id"]], key=lambda s: s["sequence"])
    assert (pickup["kind"], delivery["kind"]) == ("pickup", "delivery") and pickup["route_id"] == delivery["route_id"]
    assert pickup["order"]["address"] == "200 Rue Sherbrooke Ouest, Montréal"
    assert delivery["order"]["address"] == pair["address"]
    for stop in (pickup, delivery):  # served (after any wait) inside the end's own window
        window = {name: datetime.fromisoformat(value) for name, value in stop["order"]["time_windows"][0].items()}
        served_at = datetime.fromisoformat(stop["planned_departure_at"]) - timedelta(
            seconds=stop["order"]["service_time_s"])
        assert window["start"] <= served_at <= window["end"], stop
    assert pickup["planned_departure_at"] <= delivery["planned_arrival_at"]
    # Staff and the optimizer's answer agree on the orders, each once.
    assert dispatcher.get(f"/api/v1/orders/{pair['id']}").get_json()["status"] == "planned"


def test_the_van_load_follows_the_route(app, org, dispatcher):
    """A van for 4 parcels does 4 deliveries and 3 returns in one route: it collects after it delivered.
    (The van has running costs: with none at all the optimizer settles for a plan that leaves a delivery out.)"""
    _van(app, org, capacity_parcels=4, capacity_weight_kg=0, capacity_volume_l=0, cost_per_hour_cents=3000,
         cost_per_km_cents=40)
    deliveries = make_orders(dispatcher, 4, parcel_count=1)
    returns = _returns(dispatcher, 3)
    plan = _plan(app, org, time_limit=2)
    assert plan["unassigned"] == [], plan
    (route_id,) = plan["route_ids"]
    route = dispatcher.get(f"/api/v1/routes/{route_id}").get_json()
    load, peak = 4, 4
    for stop in sorted(route["stops"], key=lambda s: s["sequence"]):
        load += 1 if stop["kind"] == "pickup" else -1
        peak = max(peak, load)
    assert peak <= 4 and len(route["stops"]) == 7
    assert route["summary"]["load_share"] == 1.0
    assert {s["order"]["id"] for s in route["stops"]} == set(deliveries) | {r["id"] for r in returns}


def test_what_cannot_fit_stays_unplanned_with_its_reason(app, org, dispatcher):
    _van(app, org, capacity_parcels=2, capacity_weight_kg=0, capacity_volume_l=0)
    big = _create(dispatcher, pair_payload("B2B-BIG", parcel_count=3, parcels=[]))
    small = _create(dispatcher, pair_payload("B2B-SMALL", parcel_count=1, parcels=[],
                                             pickup=pickup_end(contact={"name": "Other", "phone": "+15145550778"})))
    plan = _plan(app, org)
    assert plan["unassigned"] == [{"order_id": big["id"], "external_ref": "B2B-BIG", "reason": "capacity"}], plan
    assert sorted(s["kind"] for s in _stops(dispatcher, plan)) == ["delivery", "pickup"]
    assert {s["order"]["id"] for s in _stops(dispatcher, plan)} == {small["id"]}


def test_the_driver_collects_then_delivers_and_each_person_hears_of_their_end(app, org, dispatcher):
    ret = _returns(dispatcher, 1)[0]
    pair = _create(dispatcher, pair_payload("B2B-1", parcels=["B2B-1-P"]))
    plan = _plan(app, org)
    (route_id,) = plan["route_ids"]
    route = dispatcher.post(f"/api/v1/routes/{route_id}/publish").get_json()
    kinds = {(row["kind"], row["destination"]) for row in outbox(app, order_id=pair["id"], channel="sms")}
    assert kinds == {("pickup_scheduled", "+15145550777"), ("scheduled", "+15145550999")}
    assert {row["kind"] for row in outbox(app, order_id=ret["id"], channel="sms")} == {"pickup_scheduled"}
    scheduled = outbox(app, order_id=pair["id"], kind="pickup_scheduled")[0]
    assert scheduled["language"] == "es" and "recogerá su paquete" in scheduled["body"]

    driver = org.as_role("driver")
    stops = {(s["order"]["id"], s["kind"]): s for s in route["stops"]}
    pickup, delivery = stops[(pair["id"], "pickup")], stops[(pair["id"], "delivery")]
    # Not before it is collected.
    early = action(driver, route, "stop.complete", delivery)
    assert early.status_code == 422 and early.get_json()["code"] == "not_collected", early.get_json()
    assert action(driver, route, "stop.arrive", pickup).get_json()["status"] == "applied"
    assert dispatcher.get(f"/api/v1/orders/{pair['id']}").get_json()["status"] == "out_for_delivery"
    assert action(driver, route, "stop.complete", pickup).get_json()["status"] == "applied"
    assert dispatcher.get(f"/api/v1/orders/{pair['id']}").get_json()["status"] == "out_for_delivery"
    assert [row["kind"] for row in outbox(app, order_id=pair["id"], kind="picked_up")] == ["picked_up"]
    assert action(driver, route, "stop.complete", delivery).get_json()["status"] == "applied"
    assert dispatcher.get(f"/api/v1/orders/{pair['id']}").get_json()["status"] == "delivered"
    assert [row["destination"] for row in outbox(app, order_id=pair["id"], kind="delivered", channel="sms")] == \
        ["+15145550999"]
    # The return is done once collected; its proof says collected.
    collection = stops[(ret["id"], "pickup")]
    assert action(driver, route, "stop.complete", collection).get_json()["status"] == "applied"
    assert dispatcher.get(f"/api/v1/orders/{ret['id']}").get_json()["status"] == "delivered"
    told = outbox(app, order_id=ret["id"], channel="sms")
    assert [row["kind"] for row in told] == ["pickup_scheduled", "pickup_approaching", "picked_up"]
    assert "para recoger su paquete" in told[1]["body"] and "ha recogido su paquete" in told[2]["body"]
    proofs = dispatcher.get(f"/api/v1/orders/{ret['id']}/proofs").get_json()
    proofs = proofs.get("items", proofs) if isinstance(proofs, dict) else proofs
    assert [p["outcome"] for p in proofs] == ["collected"]


def test_a_failed_collection_fails_the_pair_and_skips_its_delivery(app, org, dispatcher):
    pair = _create(dispatcher, pair_payload("B2B-1", parcels=["B2B-1-P"]))
    (route_id,) = _plan(app, org)["route_ids"]
    route = dispatcher.post(f"/api/v1/routes/{route_id}/publish").get_json()
    pickup = next(s for s in route["stops"] if s["kind"] == "pickup")
    answer = action(org.as_role("driver"), route, "stop.fail", pickup, reason="not_home").get_json()
    assert answer["status"] == "applied", answer
    statuses = {s["kind"]: s["status"] for s in answer["route"]["stops"]}
    assert statuses == {"pickup": "failed", "delivery": "skipped"}
    assert dispatcher.get(f"/api/v1/orders/{pair['id']}").get_json()["status"] == "failed"
    failed = outbox(app, order_id=pair["id"], kind="pickup_failed", channel="sms")
    assert [row["destination"] for row in failed] == ["+15145550777"] and "nadie en casa" in failed[0]["body"]
    assert outbox(app, order_id=pair["id"], kind="failed") == []


def test_a_pair_cannot_be_sequenced_delivery_first(app, org, dispatcher):
    _create(dispatcher, pair_payload("B2B-1"))
    (route_id,) = _plan(app, org)["route_ids"]
    route = dispatcher.get(f"/api/v1/routes/{route_id}").get_json()
    backwards = [s["id"] for s in sorted(route["stops"], key=lambda s: -s["sequence"])]
    refused = dispatcher.put(f"/api/v1/routes/{route_id}/sequence",
                             json={"stop_ids": backwards, "version": route["version"]})
    assert refused.status_code == 422 and refused.get_json()["code"] == "pickup_after_delivery", refused.get_json()


def test_a_return_tracks_at_its_collection_and_a_cancelled_pair_leaves_the_route(app, org, dispatcher):
    ret = _returns(dispatcher, 1)[0]
    pair = _create(dispatcher, pair_payload("B2B-1"))
    (route_id,) = _plan(app, org)["route_ids"]
    dispatcher.post(f"/api/v1/routes/{route_id}/publish")
    customer = org.as_role("anonymous")
    page = customer.get(f"/api/v1/track/{ret['tracking_token']}").get_json()
    assert page["type"] == "return" and page["address"] == "200 Rue Sherbrooke Ouest, Montréal"
    assert page["recipient_first_name"] == "Sam" and page["language"] == "es"
    assert page["delivery_instructions"] == "Ask at the front desk" and len(page["time_windows"]) == 1
    assert page["eta"] is not None
    changed = customer.post(f"/api/v1/track/{ret['tracking_token']}/instructions", json={"text": "Garage door"})
    assert changed.status_code in (200, 204), changed.get_json()
    route = dispatcher.get(f"/api/v1/routes/{route_id}").get_json()
    collection = next(s for s in route["stops"] if s["order"]["id"] == ret["id"])
    assert collection["order"]["delivery_instructions"] == "Garage door"

    assert dispatcher.post(f"/api/v1/orders/{pair['id']}/cancel", json={}).status_code == 200
    route = dispatcher.get(f"/api/v1/routes/{route_id}").get_json()
    assert {s["kind"]: s["status"] for s in route["stops"] if s["order"]["id"] == pair["id"]} == \
        {"pickup": "skipped", "delivery": "skipped"}


def test_a_pair_moves_to_another_driver_whole_until_it_is_collected(app, org, dispatcher):
    from tests.dispatch.helpers import make_route

    pair = _create(dispatcher, pair_payload("B2B-1"))
    other = make_orders(dispatcher, 1, prefix="O")
    source = make_route(dispatcher, org, [pair["id"]])
    target = make_route(dispatcher, org, other, driver_id=org.other_driver_id)
    delivery = next(s for s in source["stops"] if s["kind"] == "delivery")
    preview = dispatcher.post(f"/api/v1/stops/{delivery['id']}/move/preview",
                              json={"to_route_id": target["id"], "position": 1})
    assert preview.status_code == 200, preview.get_json()
    moved = dispatcher.post(f"/api/v1/stops/{delivery['id']}/move", json={
        "to_route_id": target["id"], "position": 1, "from_version": source["version"],
        "to_version": target["version"]})
    assert moved.status_code == 200, moved.get_json()
    after = dispatcher.get(f"/api/v1/routes/{target['id']}").get_json()
    ordered = sorted(after["stops"], key=lambda s: s["sequence"])
    assert [(s["order"]["id"], s["kind"]) for s in ordered] == [
        (pair["id"], "pickup"), (pair["id"], "delivery"), (other[0], "delivery")]
    assert dispatcher.get(f"/api/v1/routes/{source['id']}").get_json()["stops"] == []

    # Once collected, the parcel is in that van: its delivery stays with that driver.
    published = dispatcher.post(f"/api/v1/routes/{target['id']}/publish").get_json()
    driver = org.as_role("other_driver")
    assert action(driver, published, "stop.complete", ordered[0]).get_json()["status"] == "applied"
    back = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="Z"))
    refused = dispatcher.post(f"/api/v1/stops/{ordered[1]['id']}/move", json={
        "to_route_id": back["id"], "from_version": published["version"] + 2, "to_version": back["version"]})
    assert refused.status_code == 409 and refused.get_json()["code"] == "pair_not_movable", refused.get_json()
