"""Tenant isolation: one organization never sees, changes or even confirms another's data."""
import pytest

from tests.support import order_payload


@pytest.fixture
def foreign(other_org):
    """Objects of org B, created by B's dispatcher."""
    api = other_org.as_role("dispatcher")
    order = api.post("/api/v1/orders", json=order_payload("B-1")).get_json()
    recipient = api.get("/api/v1/recipients").get_json()["items"][0]
    return {"order": order["id"], "recipient": recipient["id"], "depot": other_org.depot_id,
            "vehicle": other_org.vehicle_id, "driver": other_org.driver_id}


@pytest.mark.parametrize("role", ["dispatcher", "admin", "api_key"])
def test_org_a_gets_404_for_org_b(org, foreign, role):
    api = org.as_role(role)
    reads = [f"/api/v1/orders/{foreign['order']}", f"/api/v1/orders/{foreign['order']}/events",
             f"/api/v1/recipients/{foreign['recipient']}", f"/api/v1/depots/{foreign['depot']}",
             f"/api/v1/vehicles/{foreign['vehicle']}", f"/api/v1/drivers/{foreign['driver']}"]
    for path in reads:
        response = api.get(path)
        if role == "admin" or path.startswith(("/api/v1/orders", "/api/v1/recipients", "/api/v1/vehicles",
                                                "/api/v1/drivers", "/api/v1/depots")):
            assert response.status_code == 404, path
            assert response.get_json()["error"]["code"] == "not_found"
    assert api.post(f"/api/v1/orders/{foreign['order']}/cancel", json={}).status_code == 404
    assert api.patch(f"/api/v1/orders/{foreign['order']}", json={"notes": "x"}).status_code == 404
    assert api.put(f"/api/v1/orders/{foreign['order']}/pin", json={"lat": 45.5, "lon": -73.6}).status_code == 404


def test_lists_show_only_the_own_organization(org, other_org, foreign, dispatcher):
    dispatcher.post("/api/v1/orders", json=order_payload("A-1"))
    refs = [o["external_ref"] for o in dispatcher.get("/api/v1/orders").get_json()["items"]]
    assert refs == ["A-1"]
    assert dispatcher.get("/api/v1/orders?external_ref=B-1").get_json()["total"] == 0
    depots = dispatcher.get("/api/v1/depots").get_json()["items"]
    assert [d["id"] for d in depots] == [org.depot_id]


def test_same_external_ref_in_two_orgs_are_two_orders(org, other_org, foreign, dispatcher):
    mine = dispatcher.post("/api/v1/orders", json=order_payload("B-1"))
    assert mine.status_code == 201
    assert mine.get_json()["id"] != foreign["order"]


def test_references_to_another_orgs_objects_are_rejected(org, other_org, dispatcher):
    response = dispatcher.post("/api/v1/orders", json=order_payload("X-1", depot_id=other_org.depot_id))
    assert response.status_code == 422
    assert "depot_id" in response.get_json()["error"]["fields"]
    response = dispatcher.post("/api/v1/vehicles", json={"name": "V", "depot_id": other_org.depot_id})
    assert response.status_code == 422


def test_admin_of_a_cannot_manage_users_of_b(org, other_org):
    admin_b = other_org.as_role("admin")
    b_users = admin_b.get("/api/v1/users").get_json()["items"]
    admin_a = org.as_role("admin")
    for user in b_users:
        assert admin_a.get(f"/api/v1/users/{user['id']}").status_code == 404
        assert admin_a.patch(f"/api/v1/users/{user['id']}", json={"active": False}).status_code == 404
