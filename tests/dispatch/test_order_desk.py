"""The console's order desk API: every order found by date range, status, driver and text, a page at a
time; the export follows the same filters; a selection is cancelled or moved to another day."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.dispatch.helpers import make_orders, make_route
from tests.support import order_payload, tomorrow


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [order["external_ref"] for order in response.get_json()["items"]]


def test_filters_combine_and_pages_follow_the_sort(dispatcher, org):
    day = tomorrow()
    later = day + timedelta(days=3)
    on_route = make_orders(dispatcher, 3, prefix="A", day=day)
    make_orders(dispatcher, 2, prefix="B", day=later)
    make_orders(dispatcher, 1, prefix="C", day=later, recipient={"name": "Zoé Lapointe", "phone": "+15145550777"})
    make_route(dispatcher, org, on_route[:2], day=day)
    other_driver = make_orders(dispatcher, 1, prefix="D", day=day)
    make_route(dispatcher, org, other_driver, day=day, driver_id=org.other_driver_id)

    assert _refs(dispatcher.get(f"/api/v1/dispatch/orders?driver_id={org.driver_id}&sort=external_ref")) == \
        ["A-1", "A-2"]
    assert _refs(dispatcher.get(f"/api/v1/dispatch/orders?date_from={later}&sort=-external_ref")) == \
        ["C-1", "B-2", "B-1"]
    assert _refs(dispatcher.get(f"/api/v1/dispatch/orders?date_to={day}&status=created&sort=external_ref")) == \
        ["A-3"]
    assert _refs(dispatcher.get("/api/v1/dispatch/orders?status=planned,created&q=lapointe")) == ["C-1"]
    assert _refs(dispatcher.get("/api/v1/dispatch/orders?q=5550777")) == ["C-1"]

    first = dispatcher.get("/api/v1/dispatch/orders?sort=-delivery_date&per_page=4").get_json()
    second = dispatcher.get("/api/v1/dispatch/orders?sort=-delivery_date&per_page=4&page=2").get_json()
    assert first["total"] == second["total"] == 7
    seen = [o["external_ref"] for o in first["items"] + second["items"]]
    assert sorted(seen) == ["A-1", "A-2", "A-3", "B-1", "B-2", "C-1", "D-1"], "pages overlap or skip orders"
    assert {o["delivery_date"] for o in first["items"][:3]} == {later.isoformat()}

    planned = dispatcher.get(f"/api/v1/dispatch/orders?driver_id={org.other_driver_id}").get_json()["items"][0]
    assert planned["assignment"]["driver_name"] == "Driver Two"
    assert planned["assignment"]["date"] == day.isoformat() and planned["assignment"]["sequence"] == 1


def test_bad_filters_are_refused_field_by_field(dispatcher):
    bad = dispatcher.get("/api/v1/dispatch/orders?date_from=2026-12-10&date_to=2026-12-01&status=created,flying"
                         "&sort=colour&per_page=0&driver_id=abc")
    assert bad.status_code == 422
    body = bad.get_json()
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    fields = body["fields"]
    assert set(fields) >= {"status", "sort", "per_page", "driver_id"}, fields
    assert "flying" in fields["status"][0]
    backwards = dispatcher.get("/api/v1/dispatch/orders?date_from=2026-12-10&date_to=2026-12-01")
    assert backwards.status_code == 422 and "before its start" in backwards.get_json()["fields"]["date_to"][0]


def test_export_follows_the_filter_and_escapes_formulas(dispatcher):
    day = tomorrow()
    dispatcher.post("/api/v1/orders", json=order_payload("=HYPERLINK(\"http://x\")", delivery_date=day.isoformat()))
    dispatcher.post("/api/v1/orders", json=order_payload("KEEP-1", address="@SUM(1+1) Rue Ontario"))
    make_orders(dispatcher, 2, prefix="LATER", day=day + timedelta(days=5))
    response = dispatcher.get(f"/api/v1/dispatch/orders/export.csv?date_to={day}&sort=external_ref")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["external_ref"] for row in rows] == ["'=HYPERLINK(\"http://x\")", "KEEP-1"]
    assert rows[1]["address"].startswith("'@")


def test_export_in_chunks_keeps_one_header(dispatcher, monkeypatch):
    from backend.dispatch import order_desk

    monkeypatch.setattr(order_desk, "EXPORT_CHUNK", 2)
    make_orders(dispatcher, 5, prefix="X")
    text = dispatcher.get("/api/v1/dispatch/orders/export.csv?sort=external_ref").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "external_ref" and [r[0] for r in rows[1:]] == [f"X-{i}" for i in range(1, 6)]


def test_a_selection_changes_order_by_order(dispatcher, org):
    day = tomorrow()
    ids = make_orders(dispatcher, 4, prefix="S", day=day)
    make_route(dispatcher, org, ids[:1], day=day)
    new_day = day + timedelta(days=2)
    moved = dispatcher.post("/api/v1/dispatch/orders/actions",
                            json={"order_ids": ids[:3], "action": "set_date", "delivery_date": new_day.isoformat()})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert (body["changed"], body["refused"]) == (2, 1)
    assert body["results"][0]["code"] == "on_route" and "on a route" in body["results"][0]["message"]
    again = dispatcher.get(f"/api/v1/orders/{ids[1]}").get_json()
    assert again["delivery_date"] == new_day.isoformat() and again["time_windows"] == []
    events = dispatcher.get(f"/api/v1/orders/{ids[1]}/events").get_json()
    assert events[-1]["type"] == "rescheduled_to" and events[-1]["details"]["to"] == new_day.isoformat()

    cancelled = dispatcher.post("/api/v1/dispatch/orders/actions",
                                json={"order_ids": [ids[2], ids[3], 999999], "action": "cancel", "reason": "closed"})
    assert [r["ok"] for r in cancelled.get_json()["results"]] == [True, True, False]
    twice = dispatcher.post("/api/v1/dispatch/orders/actions", json={"order_ids": [ids[2]], "action": "cancel"})
    assert twice.get_json()["results"][0]["code"] == "illegal_transition"
    missing_day = dispatcher.post("/api/v1/dispatch/orders/actions", json={"order_ids": ids, "action": "set_date"})
    assert missing_day.status_code == 422 and "delivery_date" in missing_day.get_json()["fields"]


def test_other_organizations_orders_stay_out_of_sight(dispatcher, other_org):
    make_orders(dispatcher, 1, prefix="MINE")
    intruder = other_org.as_role("dispatcher")
    assert intruder.get("/api/v1/dispatch/orders").get_json()["total"] == 0
    mine = dispatcher.get("/api/v1/dispatch/orders").get_json()["items"][0]["id"]
    refused = intruder.post("/api/v1/dispatch/orders/actions", json={"order_ids": [mine], "action": "cancel"})
    assert refused.get_json()["results"][0]["code"] == "not_found"
    assert dispatcher.get(f"/api/v1/orders/{mine}").get_json()["status"] == "created"
