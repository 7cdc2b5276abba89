"""First run in the browser's API: the one-time sign-up of the first organization, and the setup checklist."""
from __future__ import annotations

import pytest

from tests.support import PASSWORD, Api


def _code(app) -> str:
    from backend.onboarding import service

    with app.app_context():
        return service.setup_code()


def _signup(app, **overrides) -> dict:
    body = {"organization_name": "Vélo Express", "admin_name": "Noor Admin", "email": "Noor@Velo.Test",
            "password": PASSWORD, "currency": "EUR", "language": "fr", "setup_code": _code(app)}
    body.update(overrides)
    return body


def test_an_empty_installation_signs_up_its_first_admin_once_and_is_logged_in(app):
    api = Api(app)
    assert api.get("/api/v1/setup").get_json() == {"needs_first_organization": True}

    created = api.post("/api/v1/setup/organization", json=_signup(app))
    assert created.status_code == 201, created.get_json()
    session = created.get_json()
    assert session["user"]["role"] == "admin" and session["user"]["email"] == "noor@velo.test"
    assert session["org"] == {"id": session["org"]["id"], "name": "Vélo Express", "is_practice": False, "currency": "EUR"}
    # The browser that signed up is logged in: the same client reads admin-only data with its CSRF token.
    api.csrf = session["csrf_token"]
    assert api.get("/api/v1/users").status_code == 200
    assert api.get("/api/v1/setup").get_json() == {"needs_first_organization": False}

    again = Api(app).post("/api/v1/setup/organization", json=_signup(app, email="other@velo.test"))
    assert again.status_code == 409 and again.get_json()["code"] == "already_set_up"


def test_the_sign_up_needs_the_setup_code_from_the_servers_log(app):
    api = Api(app)
    refused = api.post("/api/v1/setup/organization", json=_signup(app, setup_code="AAAAAAAAAA"))
    assert refused.status_code == 403
    assert refused.get_json()["fields"] == {"setup_code": ["Wrong code."]}
    assert api.get("/api/v1/setup").get_json() == {"needs_first_organization": True}
    # The code is read however it was typed: lower case, spaces, dashes.
    code = _code(app)
    typed = f"{code[:5].lower()} - {code[5:].lower()}"
    assert api.post("/api/v1/setup/organization", json=_signup(app, setup_code=typed)).status_code == 201


def test_the_setup_code_follows_the_secret_key(app):
    from backend.onboarding import service

    with app.app_context():
        first = service.setup_code()
        app.config["SECRET_KEY"] = "another-secret"
        assert service.setup_code() != first
        assert len(first) == 10 and first.isalnum()


@pytest.mark.parametrize("field, value", [("email", "not-an-email"), ("password", "short"), ("currency", "euro"),
                                          ("organization_name", "")])
def test_bad_sign_up_fields_are_named(app, field, value):
    answer = Api(app).post("/api/v1/setup/organization", json=_signup(app, **{field: value}))
    assert answer.status_code == 422
    assert field in answer.get_json()["fields"]


def test_the_checklist_follows_what_a_new_organization_has_set_up(app):
    api = Api(app)
    api.csrf = api.post("/api/v1/setup/organization", json=_signup(app)).get_json()["csrf_token"]
    checklist = api.get("/api/v1/setup/checklist").get_json()
    assert checklist == {"show": True, "items": [{"key": key, "done": False}
                                                 for key in ("depot", "vehicles", "drivers", "wording", "test_message")]}
    depot = api.post("/api/v1/depots", json={"name": "Hub", "lat": 48.85, "lon": 2.35, "timezone": "Europe/Paris"})
    assert depot.status_code == 201, depot.get_json()
    assert api.post("/api/v1/vehicles", json={"name": "Cargo 1", "profile": "cargo_bike"}).status_code == 201
    assert api.post("/api/v1/drivers", json={"name": "Jo", "phone": "+33612345678", "pin": "2468"}).status_code == 201
    items = {item["key"]: item["done"] for item in api.get("/api/v1/setup/checklist").get_json()["items"]}
    assert items == {"depot": True, "vehicles": True, "drivers": True, "wording": False, "test_message": False}
    done = api.post("/api/v1/setup/checklist/wording", json={})
    assert done.status_code == 200
    # The test message to oneself is the last step (tests/onboarding/test_test_messages.py ticks it).
    assert done.get_json()["show"] is True
    assert [item["key"] for item in done.get_json()["items"] if not item["done"]] == ["test_message"]


def test_organizations_from_before_the_checklist_are_not_nagged_and_dispatchers_cannot_read_it(org):
    assert org.as_role("admin").get("/api/v1/setup/checklist").get_json()["show"] is False
    assert org.as_role("dispatcher").get("/api/v1/setup/checklist").status_code == 403
    assert org.as_role("dispatcher").post("/api/v1/setup/checklist/wording", json={}).status_code == 403
    assert Api(org.app).get("/api/v1/setup/checklist").status_code == 401


def test_the_api_docs_page_lists_every_operation_with_its_roles(app):
    # The page itself (tests/e2e/test_api_reference.py) renders /api/v1/openapi.json in the browser.
    page = Api(app).get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "/api/v1/openapi.json" in page.get_data(as_text=True)
    document = Api(app).get("/api/v1/openapi.json").get_json()
    assert "/api/v1/setup/organization" in document["paths"]
    assert document["paths"]["/api/v1/organization/settings"]["patch"]["x-roles"] == ["admin"]
