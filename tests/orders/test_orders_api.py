from tests.support import order_payload


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
