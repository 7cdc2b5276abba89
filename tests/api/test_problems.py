"""Errors are RFC 9457 problem details, with the pre-RFC `error` object kept for existing clients."""
import pytest

from tests.support import Api, PASSWORD, make_org, order_payload

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance", "code", "fields"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_MEMBERS <= set(body), body
    assert body["status"] == status and body["code"] == code
    assert body["type"].startswith("http://localhost/api/docs#problem-") and body["type"].endswith(code)
    assert isinstance(body["title"], str) and body["title"] and isinstance(body["detail"], str) and body["detail"]
    # The shape used before problem details, for clients written against it.
    assert body["error"] == {"code": code, "message": body["detail"], "fields": body["fields"]} | {
        k: v for k, v in body["error"].items() if k not in ("code", "message", "fields")}
    return body


def test_invalid_input_is_a_problem_with_its_fields(dispatcher):
    response = dispatcher.post("/api/v1/orders", json={"external_ref": "X"})
    body = assert_problem(response, 422, "invalid")
    assert body["instance"] == "/api/v1/orders"
    assert "address" in body["fields"] and body["error"]["fields"] == body["fields"]


def test_not_found_and_unknown_paths_are_problems(dispatcher):
    assert_problem(dispatcher.get("/api/v1/orders/999999"), 404, "not_found")
    assert_problem(dispatcher.get("/api/v1/no-such-thing"), 404, "not_found")
    refused = assert_problem(dispatcher.request("DELETE", "/api/v1/orders"), 405, "method_not_allowed")
    assert refused["title"] == "Method not allowed"


def test_a_problem_carries_its_extra_members_at_the_top_level(dispatcher, org):
    order = dispatcher.post("/api/v1/orders", json=order_payload("P-1")).get_json()
    route = dispatcher.post("/api/v1/routes", json={"date": order["delivery_date"], "driver_id": org.driver_id,
                                                   "order_ids": [order["id"]]}).get_json()
    stale = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence",
                           json={"stop_ids": [route["stops"][0]["id"]], "version": route["version"] + 5})
    body = assert_problem(stale, 409, "version_conflict")
    assert body["route"]["id"] == route["id"] and body["error"]["route"]["id"] == route["id"]


def test_401_names_the_authentication_scheme(org):
    anonymous = org.as_role("anonymous").get("/api/v1/orders")
    assert_problem(anonymous, 401, "unauthorized")
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="Lastmile API"'
    wrong_key = Api(org.app, {"Authorization": "Bearer lm_000000000000_nope"}).get("/api/v1/orders")
    assert_problem(wrong_key, 401, "unauthorized")
    assert wrong_key.headers["WWW-Authenticate"].startswith('Bearer realm="Lastmile API", error="invalid_token"')
    # A wrong password is a 401 too, and says how to authenticate.
    bad_login = Api(org.app).login(org.emails["admin"], "wrong password")
    assert_problem(bad_login, 401, "bad_credentials")
    assert "WWW-Authenticate" in bad_login.headers


@pytest.mark.sqlite_only
def test_429_says_when_to_retry(database_url, tmp_path):
    from backend import create_app
    from tests.conftest import base_config

    app = create_app(base_config(database_url, tmp_path, LOGIN_RATE_LIMIT="2 per minute"))
    org = make_org(app, "limited", 5145550400)
    api = Api(app)
    for _ in range(2):
        assert api.login(org.emails["admin"], "wrong").status_code == 401
    limited = api.login(org.emails["admin"], PASSWORD)
    assert_problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 61  # the window is a minute, rounded up
    # Answers that are not refused say nothing about retrying.
    assert "Retry-After" not in api.login(org.emails["dispatcher"], PASSWORD).headers


def test_a_bug_is_a_problem_too(app, dispatcher, monkeypatch):
    from backend.orders import service

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "get_order", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = assert_problem(dispatcher.get("/api/v1/orders/1"), 500, "internal")
    assert "boom" not in body["detail"]
