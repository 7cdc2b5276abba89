from tests.support import order_payload
from tests.support import commit


def test_create_order_then_same_reference_returns_the_same_order(dispatcher):
    first = dispatcher.post("/api/v1/orders", json=order_payload("REF-42"))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["status"] == "created"
    assert body["parcel_count"] == 2
    assert len(body["tracking_token"]) >= 22
    again = dispatcher.post("/api/v1/orders", json=order_payload("REF-42", address="Somewhere else 1"))
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    listing = dispatcher.get("/api/v1/orders?external_ref=REF-42").get_json()
    assert listing["total"] == 1


def test_bulk_create_is_all_or_nothing_unless_bad_orders_are_skipped(dispatcher):
    dispatcher.post("/api/v1/orders", json=order_payload("BULK-0"))
    batch = [order_payload("BULK-0"), order_payload("BULK-1"), order_payload("BULK-2", lat=123.0),
             order_payload("BULK-1", address="duplicate in the batch")]
    refused = dispatcher.post("/api/v1/orders/bulk", json={"orders": batch})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"2", "3"}
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 1
    accepted = dispatcher.post("/api/v1/orders/bulk", json={"orders": batch, "skip_invalid": True})
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert (body["created"], body["existing"], body["skipped"]) == (1, 1, 2)
    assert [r["status"] for r in body["results"]] == ["existing", "created", "invalid", "invalid"]
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 2


def test_list_filters_and_pages(dispatcher):
    for index in range(5):
        dispatcher.post("/api/v1/orders", json=order_payload(f"PG-{index}", recipient={"name": f"Person {index}"}))
    page = dispatcher.get("/api/v1/orders?per_page=2&page=2").get_json()
    assert page["total"] == 5 and [o["external_ref"] for o in page["items"]] == ["PG-2", "PG-3"]
    assert dispatcher.get("/api/v1/orders?q=Person 4").get_json()["total"] == 1
    assert dispatcher.get("/api/v1/orders?status=created").get_json()["total"] == 5
    assert dispatcher.get("/api/v1/orders?status=delivered").get_json()["total"] == 0
    assert dispatcher.get("/api/v1/orders?status=flying").status_code == 422


def test_update_changes_details_until_the_driver_is_on_the_way(app, dispatcher):
    order = dispatcher.post("/api/v1/orders", json=order_payload("UP-1")).get_json()
    changed = dispatcher.patch(f"/api/v1/orders/{order['id']}", json={"weight_kg": 9.5, "parcels": ["A", "B", "C"],
                                                                      "notes": "fragile"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["parcel_count"] == 3 and changed.get_json()["weight_kg"] == 9.5
    from backend.extensions import db
    from backend.orders.enums import OrderStatus
    from backend.orders.models import Order

    with app.app_context():
        db.session.get(Order, order["id"]).status = OrderStatus.out_for_delivery
        commit()
    locked = dispatcher.patch(f"/api/v1/orders/{order['id']}", json={"weight_kg": 1})
    assert locked.status_code == 409 and locked.get_json()["error"]["code"] == "order_locked"
    notes = dispatcher.patch(f"/api/v1/orders/{order['id']}", json={"delivery_instructions": "code 1234"})
    assert notes.status_code == 200
    events = dispatcher.get(f"/api/v1/orders/{order['id']}/events").get_json()
    assert [e["type"] for e in events].count("updated") == 2


def test_windows_without_offset_are_read_in_the_depot_zone(dispatcher):
    payload = order_payload("TZ-1", time_windows=[{"start": "2030-07-02T09:00:00", "end": "2030-07-02T11:00:00"}])
    order = dispatcher.post("/api/v1/orders", json=payload).get_json()
    # Montréal is UTC-4 in July: 09:00 local is 13:00 UTC.
    assert order["time_windows"][0]["start"] == "2030-07-02T13:00:00+00:00"
    assert order["delivery_date"] == "2030-07-02"
    overlapping = order_payload("TZ-2", time_windows=[{"start": "2030-07-02T09:00", "end": "2030-07-02T11:00"},
                                                      {"start": "2030-07-02T10:00", "end": "2030-07-02T12:00"}])
    assert dispatcher.post("/api/v1/orders", json=overlapping).status_code == 422
