"""Whole-route actions (hand over, unpublish, delete, duplicate) and placing one stop: what the drivers' phones,
the orders and the board see afterwards, and who may do it."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.dispatch.helpers import action, make_orders, make_route
from tests.support import tomorrow


@pytest.fixture
def sent(app, monkeypatch):
    """(event, payload, room) of every live event sent, caught where it leaves for the Socket.IO server."""
    from backend.extensions import socketio

    seen = []
    real_emit = socketio.server.emit

    def observe(event, data=None, *args, **kwargs):
        seen.append((event, data, kwargs.get("to") or kwargs.get("room")))
        return real_emit(event, data, *args, **kwargs)

    monkeypatch.setattr(socketio.server, "emit", observe)
    return seen


def phone_route(org, role="driver"):
    return org.as_role(role).get(f"/api/v1/driver/route?date={tomorrow().isoformat()}")


def fresh(api, route_id):
    response = api.get(f"/api/v1/routes/{route_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def order_statuses(api, route):
    return {api.get(f"/api/v1/orders/{s['order']['id']}").get_json()["status"] for s in route["stops"]}


def test_a_route_handed_to_another_driver_leaves_the_first_phone_and_reaches_the_second(org, dispatcher, sent):
    route = make_route(dispatcher, org, make_orders(dispatcher, 3), publish=True)
    assert phone_route(org).status_code == 200 and phone_route(org, "other_driver").status_code == 404

    stale = dispatcher.post(f"/api/v1/routes/{route['id']}/driver",
                            json={"driver_id": org.other_driver_id, "version": route["version"] - 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
    handed = dispatcher.post(f"/api/v1/routes/{route['id']}/driver",
                             json={"driver_id": org.other_driver_id, "version": route["version"]})
    assert handed.status_code == 200, handed.get_json()
    body = handed.get_json()
    assert body["driver"]["id"] == org.other_driver_id and body["version"] == route["version"] + 1
    assert body["status"] == "published" and len(body["stops"]) == 3
    assert phone_route(org).status_code == 404
    second = phone_route(org, "other_driver")
    assert second.status_code == 200 and second.get_json()["id"] == route["id"]
    # The first phone was told live that its route is someone else's now (its app then reloads).
    to_first = [data for event, data, room in sent if event == "route.updated" and room == f"driver:{org.driver_id}"
                and (data.get("change") or {}).get("kind") == "reassigned"]
    assert to_first and to_first[-1]["route"]["driver"]["id"] == org.other_driver_id
    events = dispatcher.get(f"/api/v1/orders/{route['stops'][0]['order']['id']}/events").get_json()
    assert any(e["type"] == "reassigned" for e in events)

    # Back to the first driver is fine; to a driver who already has a route that day is not.
    other = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="X"), publish=True)
    refused = dispatcher.post(f"/api/v1/routes/{route['id']}/driver",
                              json={"driver_id": org.driver_id, "version": body["version"]})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "driver_has_route", other


def test_unpublishing_takes_the_route_back_from_a_driver_who_has_not_started(org, dispatcher, sent):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    assert order_statuses(dispatcher, route) == {"dispatched"}
    taken = dispatcher.post(f"/api/v1/routes/{route['id']}/unpublish", json={"version": route["version"]})
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["status"] == "draft" and taken.get_json()["published_at"] is None
    assert order_statuses(dispatcher, route) == {"planned"}
    assert phone_route(org).status_code == 404
    assert ("route.withdrawn", {"route_id": route["id"], "date": tomorrow().isoformat()},
            f"driver:{org.driver_id}") in sent
    again = dispatcher.post(f"/api/v1/routes/{route['id']}/unpublish", json={"version": taken.get_json()["version"]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_published"

    republished = dispatcher.post(f"/api/v1/routes/{route['id']}/publish").get_json()
    assert action(org.as_role("driver"), republished, "route.start").get_json()["status"] == "applied"
    started = fresh(dispatcher, route["id"])
    refused = dispatcher.post(f"/api/v1/routes/{route['id']}/unpublish", json={"version": started["version"]})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "route_started"


def test_deleting_a_route_puts_its_orders_back_on_the_unplanned_list(org, dispatcher, sent):
    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids, publish=True)
    stale = dispatcher.delete(f"/api/v1/routes/{route['id']}?version={route['version'] + 1}")
    assert stale.status_code == 409
    missing = dispatcher.delete(f"/api/v1/routes/{route['id']}")
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["fields"]
    deleted = dispatcher.delete(f"/api/v1/routes/{route['id']}?version={route['version']}")
    assert deleted.status_code == 204, deleted.get_data(as_text=True)
    assert dispatcher.get(f"/api/v1/routes/{route['id']}").status_code == 404
    board = dispatcher.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}").get_json()
    assert board["routes"] == [] and sorted(o["id"] for o in board["unplanned"]) == sorted(ids)
    assert {dispatcher.get(f"/api/v1/orders/{i}").get_json()["status"] for i in ids} == {"created"}
    assert phone_route(org).status_code == 404
    assert any(event == "route.withdrawn" and room == f"driver:{org.driver_id}" for event, _, room in sent)
    assert any(event == "route.deleted" and data["route"]["id"] == route["id"] for event, data, _ in sent)

    driven = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="D"), publish=True)
    assert action(org.as_role("driver"), driven, "route.start").get_json()["status"] == "applied"
    version = fresh(dispatcher, driven["id"])["version"]
    refused = dispatcher.delete(f"/api/v1/routes/{driven['id']}?version={version}")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "route_started"


def test_duplicating_a_route_makes_the_same_deliveries_on_another_day_as_a_draft(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 3), publish=True)
    day = tomorrow() + timedelta(days=7)
    same_day = dispatcher.post(f"/api/v1/routes/{route['id']}/duplicate", json={"date": tomorrow().isoformat()})
    assert same_day.status_code == 422
    copy = dispatcher.post(f"/api/v1/routes/{route['id']}/duplicate",
                           json={"date": day.isoformat(), "driver_id": org.other_driver_id})
    assert copy.status_code == 201, copy.get_json()
    body = copy.get_json()
    assert body["status"] == "draft" and body["date"] == day.isoformat() and body["id"] != route["id"]
    assert body["driver"]["id"] == org.other_driver_id
    originals = sorted(route["stops"], key=lambda s: s["sequence"])
    copies = sorted(body["stops"], key=lambda s: s["sequence"])
    assert [c["order"]["address"] for c in copies] == [o["order"]["address"] for o in originals]
    zone = ZoneInfo("America/Montreal")
    for original, duplicate in zip(originals, copies):
        assert duplicate["order"]["external_ref"] == f"{original['order']['external_ref']}-{day.strftime('%Y%m%d')}"
        before = datetime.fromisoformat(original["order"]["time_windows"][0]["start"]).astimezone(zone)
        after = datetime.fromisoformat(duplicate["order"]["time_windows"][0]["start"]).astimezone(zone)
        assert after.date() == day and after.time() == before.time()
    assert dispatcher.get(f"/api/v1/orders/{copies[0]['order']['id']}").get_json()["status"] == "planned"
    assert fresh(dispatcher, route["id"])["version"] == route["version"], "the original is untouched"
    twice = dispatcher.post(f"/api/v1/routes/{route['id']}/duplicate", json={"date": day.isoformat()})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_duplicated"


def test_a_stop_is_placed_where_it_adds_least_on_the_route_it_is_dropped_on(org, dispatcher):
    line = make_orders(dispatcher, 4, prefix="L")
    target = make_route(dispatcher, org, line, driver_id=org.other_driver_id)
    stops = sorted(target["stops"], key=lambda s: s["sequence"])
    # A stop right beside the target's third stop, with the same window: its best place is next to it.
    third = stops[2]["order"]
    near = dispatcher.post("/api/v1/orders", json={
        "external_ref": "NEAR", "address": "Next door", "lat": third["lat"] + 0.0002, "lon": third["lon"],
        "time_windows": third["time_windows"], "delivery_date": tomorrow().isoformat()}).get_json()
    source = make_route(dispatcher, org, [near["id"]])
    stop_id = source["stops"][0]["id"]
    answer = dispatcher.post(f"/api/v1/stops/{stop_id}/placement", json={"to_route_id": target["id"]})
    assert answer.status_code == 200, answer.get_json()
    placed = answer.get_json()
    assert placed["position"] in (3, 4) and placed["route_id"] == target["id"] and placed["version"] == target["version"]
    assert fresh(dispatcher, target["id"])["version"] == target["version"], "a suggestion changes nothing"
    own = dispatcher.post(f"/api/v1/stops/{stop_id}/placement", json={"to_route_id": source["id"]})
    assert own.status_code == 422


def test_a_stop_given_to_a_driver_without_a_route_starts_a_new_draft_route(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 3), publish=True)
    moving = route["stops"][1]
    made = dispatcher.post(f"/api/v1/stops/{moving['id']}/new-route",
                           json={"driver_id": org.other_driver_id, "from_version": route["version"]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["to"]["status"] == "draft" and body["to"]["driver"]["id"] == org.other_driver_id
    assert [s["id"] for s in body["to"]["stops"]] == [moving["id"]]
    assert body["from"]["version"] == route["version"] + 1 and len(body["from"]["stops"]) == 2
    assert dispatcher.get(f"/api/v1/orders/{moving['order']['id']}").get_json()["status"] == "planned"
    again = dispatcher.post(f"/api/v1/stops/{route['stops'][0]['id']}/new-route",
                            json={"driver_id": org.other_driver_id, "from_version": body["from"]["version"]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "driver_has_route"


def test_drivers_are_refused_and_other_organizations_see_nothing(org, other_org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    other = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="O"), driver_id=org.other_driver_id)
    stop_id = route["stops"][0]["id"]
    version = route["version"]
    calls = [
        ("POST", f"/api/v1/routes/{route['id']}/driver", {"driver_id": org.other_driver_id, "version": version}),
        ("POST", f"/api/v1/routes/{route['id']}/unpublish", {"version": version}),
        ("DELETE", f"/api/v1/routes/{route['id']}?version={version}", None),
        ("POST", f"/api/v1/routes/{route['id']}/duplicate", {"date": (tomorrow() + timedelta(days=3)).isoformat()}),
        ("POST", f"/api/v1/stops/{stop_id}/placement", {"to_route_id": other["id"]}),
        ("POST", f"/api/v1/stops/{stop_id}/new-route", {"driver_id": org.other_driver_id, "from_version": version}),
    ]
    driver = org.as_role("driver")
    stranger = other_org.as_role("dispatcher")
    for method, path, body in calls:
        refused = driver.request(method, path, json=body) if body is not None else driver.request(method, path)
        assert refused.status_code == 403, (path, refused.get_json())
        hidden = stranger.request(method, path, json=body) if body is not None else stranger.request(method, path)
        assert hidden.status_code == 404, (path, hidden.get_json())
    assert fresh(dispatcher, route["id"])["version"] == version


def test_a_taken_back_route_is_pushed_to_the_driver_in_their_language(app, org, dispatcher):
    from backend.notify.models import OutboxMessage
    from tests.dispatch.test_routes import PUSH_SUBSCRIPTION

    driver = org.as_role("driver")
    assert driver.patch("/api/v1/auth/me", json={"language": "de"}).status_code == 200
    assert driver.post("/api/v1/push/subscriptions", json=PUSH_SUBSCRIPTION).status_code in (200, 201)
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    taken = dispatcher.post(f"/api/v1/routes/{route['id']}/unpublish", json={"version": route["version"]})
    assert taken.status_code == 200, taken.get_json()
    with app.app_context():
        from backend.extensions import db

        bodies = [row.body for row in db.session.query(OutboxMessage).filter(OutboxMessage.kind == "route_changed")
                  .order_by(OutboxMessage.id)]
    assert bodies[-1] == f"Die Disposition hat deine Tour für den {tomorrow().isoformat()} zurückgenommen.", bodies
