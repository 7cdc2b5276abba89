import pytest

from tests.support import PASSWORD, PIN, Api, order_payload


def test_login_me_logout(org):
    api = Api(org.app)
    response = api.login("Dispatch@Acme.test ", PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["role"] == "dispatcher" and body["org"]["id"] == org.org_id
    assert "password_hash" not in body["user"]
    assert api.get("/api/v1/auth/me").status_code == 200
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/auth/me").status_code == 401


def test_a_user_changes_their_own_language_and_only_to_one_there_is(org):
    driver = org.as_role("driver")
    changed = driver.patch("/api/v1/auth/me", json={"language": "pt"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["user"]["language"] == "pt"
    assert driver.get("/api/v1/auth/me").get_json()["user"]["language"] == "pt"
    refused = driver.patch("/api/v1/auth/me", json={"language": "xx"})
    assert refused.status_code == 422 and "language" in refused.get_json()["fields"]
    assert driver.patch("/api/v1/auth/me", json={"language": "fr", "role": "admin"}).status_code == 422
    assert driver.get("/api/v1/auth/me").get_json()["user"]["language"] == "pt"
    key = org.as_role("api_key")
    assert key.patch("/api/v1/auth/me", json={"language": "fr"}).status_code == 403  # a key has no user


@pytest.mark.parametrize("login,secret", [("dispatch@acme.test", "wrong"), ("nobody@acme.test", PASSWORD),
                                          ("+15145550100", "0000")])
def test_wrong_credentials_are_one_answer(org, login, secret):
    response = Api(org.app).login(login, secret)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def test_driver_logs_in_by_phone_with_pin_in_any_format(org):
    response = Api(org.app).login("(514) 555-0100", PIN)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["driver_id"] == org.driver_id


def test_staff_cannot_log_in_with_a_pin_field(admin, org):
    response = admin.post("/api/v1/users", json={"name": "X", "role": "dispatcher", "email": "x@acme.test",
                                                 "password": "longenough", "pin": "1234"})
    assert response.status_code == 422
    assert "pin" in response.get_json()["error"]["fields"]


def test_writes_with_a_cookie_session_need_the_csrf_token(dispatcher):
    dispatcher.csrf = None
    response = dispatcher.post("/api/v1/orders", json=order_payload())
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    dispatcher.csrf = "forged"
    assert dispatcher.post("/api/v1/orders", json=order_payload()).status_code == 403


def test_api_key_needs_no_csrf_and_stops_working_when_revoked(org, admin):
    api = org.as_role("api_key")
    assert api.post("/api/v1/orders", json=order_payload("K-1")).status_code == 201
    created = admin.post("/api/v1/api-keys", json={"name": "erp", "role": "dispatcher"}).get_json()
    assert created["secret"].startswith("lm_")
    listed = admin.get("/api/v1/api-keys").get_json()
    assert all("secret" not in key and "key_hash" not in key for key in listed)
    erp = Api(org.app, headers={"Authorization": f"Bearer {created['secret']}"})
    assert erp.get("/api/v1/orders").status_code == 200
    assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert erp.get("/api/v1/orders").status_code == 401
    tampered = Api(org.app, headers={"Authorization": f"Bearer {org.api_key[:-2]}xx"})
    assert tampered.get("/api/v1/orders").status_code == 401


def test_deactivating_a_user_ends_their_session(org, admin):
    driver = org.as_role("dispatcher")
    assert driver.get("/api/v1/orders").status_code == 200
    users = admin.get("/api/v1/users?role=dispatcher").get_json()["items"]
    response = admin.patch(f"/api/v1/users/{users[0]['id']}", json={"active": False})
    assert response.status_code == 200
    assert driver.get("/api/v1/orders").status_code == 401
    assert Api(org.app).login(org.emails["dispatcher"], PASSWORD).status_code == 401


def test_admin_cannot_lock_themselves_out(admin):
    me = admin.get("/api/v1/auth/me").get_json()["user"]
    response = admin.patch(f"/api/v1/users/{me['id']}", json={"role": "driver"})
    assert response.status_code == 409


def test_duplicate_login_is_a_conflict(admin):
    response = admin.post("/api/v1/users", json={"name": "Dup", "role": "dispatcher", "email": "DISPATCH@acme.test",
                                                 "password": "longenough"})
    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.sqlite_only
def test_login_attempts_are_rate_limited(database_url, tmp_path):
    from backend import create_app
    from tests.conftest import base_config
    from tests.support import make_org

    app = create_app(base_config(database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute"))
    org = make_org(app, "limited", 5145550400)
    api = Api(app)
    codes = [api.login(org.emails["admin"], "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = api.login(org.emails["admin"], PASSWORD)
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # Another account from the same address is not locked out by someone guessing this one.
    assert api.login(org.emails["dispatcher"], PASSWORD).status_code == 200


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(org, admin):
    from http.cookies import SimpleCookie

    api = Api(org.app)
    response = api.login(org.emails["dispatcher"], PASSWORD)
    cookie = SimpleCookie(response.headers["Set-Cookie"])
    name, = [key for key in cookie if key.startswith("session")]
    copy = Api(org.app)
    copy.client.set_cookie(name, cookie[name].value)
    copy.csrf = api.csrf
    assert copy.get("/api/v1/auth/me").status_code == 200
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert copy.get("/api/v1/auth/me").status_code == 401
    assert copy.post("/api/v1/orders", json=order_payload("COPY-1")).status_code == 401
    # A new password ends every session of the account, copies included.
    again = Api(org.app)
    again.login(org.emails["dispatcher"], PASSWORD)
    users = admin.get("/api/v1/users?role=dispatcher").get_json()["items"]
    assert admin.patch(f"/api/v1/users/{users[0]['id']}", json={"password": "a brand new password"}).status_code == 200
    assert again.get("/api/v1/auth/me").status_code == 401
