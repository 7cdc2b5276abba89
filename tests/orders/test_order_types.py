"""Order types by API: a delivery, a return (collected at the customer's, brought to the depot) and a
pickup-delivery pair; every refusal is a 422 naming the field, and nothing is half-saved."""
from datetime import datetime, time, timedelta

import pytest

from backend.extensions import db
from backend.orders.models import Order, Recipient
from tests.support import TZ, order_payload, tomorrow


def _window(hour_from: int, hour_to: int, day=None) -> dict:
    day = day or tomorrow()
    return {"start": datetime.combine(day, time(hour_from, 0), TZ).isoformat(),
            "end": datetime.combine(day, time(hour_to, 0), TZ).isoformat()}


def pickup_end(**overrides) -> dict:
    end = {"address": "200 Rue Sherbrooke Ouest, Montréal", "lat": 45.5100, "lon": -73.5700,
           "time_windows": [_window(9, 11)], "service_time_s": 240,
           "contact": {"name": "Sam Sender", "phone": "+15145550777", "language": "es"},
           "instructions": "Ask at the front desk"}
    end.update(overrides)
    return end


def return_payload(ref: str, **overrides) -> dict:
    payload = order_payload(ref, type="return", pickup=pickup_end(), recipient=None)
    for name in ("address", "lat", "lon", "time_windows"):
        payload.pop(name)
    payload.update(overrides)
    return payload


def pair_payload(ref: str, **overrides) -> dict:
    payload = order_payload(ref, type="pickup_delivery", pickup=pickup_end(), time_windows=[_window(12, 15)])
    payload.update(overrides)
    return payload


def _count(app, model) -> int:
    with app.app_context():
        return db.session.query(model).count()


def test_a_delivery_is_the_default_and_has_no_pickup(dispatcher):
    created = dispatcher.post("/api/v1/orders", json=order_payload("D-1")).get_json()
    assert created["type"] == "delivery" and created["pickup"] is None


def test_a_return_is_collected_at_the_customers_address_and_goes_to_the_depot(dispatcher, org):
    response = dispatcher.post("/api/v1/orders", json=return_payload("RET-1"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["type"] == "return"
    assert created["pickup"]["address"] == "200 Rue Sherbrooke Ouest, Montréal"
    assert (created["pickup"]["lat"], created["pickup"]["lon"]) == (45.51, -73.57)
    assert created["pickup"]["service_time_s"] == 240 and created["pickup"]["instructions"] == "Ask at the front desk"
    assert created["pickup"]["contact"]["name"] == "Sam Sender" and created["pickup"]["contact"]["language"] == "es"
    assert len(created["pickup"]["time_windows"]) == 1
    # The delivery end is the depot: its address and place, no window of its own; the day comes from the pickup.
    assert created["address"] == "1 Depot St" and (created["lat"], created["lon"]) == (45.5017, -73.6893)
    assert created["time_windows"] == [] and created["delivery_date"] == tomorrow().isoformat()
    assert dispatcher.get(f"/api/v1/orders/{created['id']}").get_json()["pickup"] == created["pickup"]


def test_a_pair_has_both_ends_each_with_its_window_service_time_and_person(dispatcher):
    response = dispatcher.post("/api/v1/orders", json=pair_payload("B2B-1"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["type"] == "pickup_delivery"
    assert created["pickup"]["contact"]["phone"] == "+15145550777"
    assert created["recipient"]["name"] == "Camille Tremblay"
    assert created["pickup"]["time_windows"][0]["start"] < created["time_windows"][0]["start"]
    assert created["service_time_s"] == 180 and created["pickup"]["service_time_s"] == 240


@pytest.mark.parametrize("payload, field, words", [
    (lambda: pair_payload("BAD-1", pickup=pickup_end(time_windows=[_window(9, 16)]),
                          time_windows=[_window(12, 15)]), "pickup.time_windows", "closes after the delivery"),
    (lambda: pair_payload("BAD-2", pickup=None), "pickup", "needs its pickup address"),
    (lambda: {**pair_payload("BAD-3"), "address": None}, "address", "required"),
    (lambda: {k: v for k, v in pair_payload("BAD-4").items() if k not in ("address",)}, "address", "required"),
    (lambda: return_payload("BAD-5", pickup=None), "pickup", "return needs its pickup address"),
    (lambda: return_payload("BAD-6", address="9 Elsewhere St"), "address", "brought back to its depot"),
    (lambda: order_payload("BAD-7", pickup=pickup_end()), "pickup", "A delivery has no pickup"),
    (lambda: order_payload("BAD-8", type="teleport"), "type", "Must be one of"),
    (lambda: return_payload("BAD-9", pickup=pickup_end(lat=45.5, lon=None)), "pickup", "both lat and lon"),
    (lambda: return_payload("BAD-10", pickup=pickup_end(address="")), "pickup", "Length must be between 3"),
])
def test_bad_order_types_are_refused_with_the_reason_and_nothing_is_saved(app, dispatcher, payload, field, words):
    orders, people = _count(app, Order), _count(app, Recipient)
    response = dispatcher.post("/api/v1/orders", json=payload())
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    found = body["fields"].get(field) or body["fields"].get(field.split(".")[0])
    assert found is not None, body
    assert words in str(found), body
    assert (_count(app, Order), _count(app, Recipient)) == (orders, people)


def test_a_pairs_pickup_can_be_changed_but_not_to_close_after_its_delivery(dispatcher):
    created = dispatcher.post("/api/v1/orders", json=pair_payload("B2B-2")).get_json()
    moved = dispatcher.patch(f"/api/v1/orders/{created['id']}", json={"pickup": pickup_end(
        address="77 Avenue du Parc, Montréal", lat=45.52, lon=-73.58, time_windows=[_window(10, 12)])})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["pickup"]["address"] == "77 Avenue du Parc, Montréal"
    refused = dispatcher.patch(f"/api/v1/orders/{created['id']}", json={"pickup": pickup_end(
        time_windows=[_window(10, 17)])})
    assert refused.status_code == 422 and "pickup.time_windows" in refused.get_json()["fields"], refused.get_json()
    assert dispatcher.get(f"/api/v1/orders/{created['id']}").get_json()["pickup"]["address"] == \
        "77 Avenue du Parc, Montréal"
    earlier = dispatcher.patch(f"/api/v1/orders/{created['id']}", json={"time_windows": [_window(9, 11)]})
    assert earlier.status_code == 422, earlier.get_json()


def test_bulk_takes_every_type(dispatcher):
    response = dispatcher.post("/api/v1/orders/bulk", json={"orders": [
        order_payload("BK-1"), return_payload("BK-2"), pair_payload("BK-3", parcels=["BK-3-P"])]})
    assert response.status_code in (200, 201), response.get_json()
    assert response.get_json()["created"] == 3
    types = {o["external_ref"]: o["type"] for o in dispatcher.get("/api/v1/orders?q=BK-").get_json()["items"]}
    assert types == {"BK-1": "delivery", "BK-2": "return", "BK-3": "pickup_delivery"}
