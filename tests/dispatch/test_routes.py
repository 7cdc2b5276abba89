"""Routes: planning, publishing to the driver, re-sequencing with optimistic concurrency, authorization."""
from tests.dispatch.helpers import make_orders, make_route
from tests.support import tomorrow


def test_a_draft_route_is_planned_and_its_orders_are_planned(dispatcher, org):
    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids)
    assert route["status"] == "draft" and route["version"] == 1
    assert [s["order"]["id"] for s in route["stops"]] == ids
    assert [s["sequence"] for s in route["stops"]] == [1, 2, 3]
    arrivals = [s["planned_arrival_at"] for s in route["stops"]]
    assert all(arrivals) and arrivals == sorted(arrivals)
    assert route["planned_distance_m"] > 0
    # Windows are 09:00, 10:00, 11:00 local: nobody arrives before their window opens (waiting counts).
    for stop in route["stops"]:
        assert stop["planned_departure_at"] > stop["order"]["time_windows"][0]["start"]
    statuses = {dispatcher.get(f"/api/v1/orders/{i}").get_json()["status"] for i in ids}
    assert statuses == {"planned"}
    again = dispatcher.post("/api/v1/routes", json={"date": tomorrow().isoformat(), "order_ids": ids[:1]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_plannable"


def test_publishing_dispatches_the_orders_and_shows_the_route_to_its_driver_only(dispatcher, org):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids)
    driver = org.as_role("driver")
    assert driver.get(f"/api/v1/driver/route?date={tomorrow()}").status_code == 404
    published = dispatcher.post(f"/api/v1/routes/{route['id']}/publish").get_json()
    assert published["status"] == "published" and published["version"] == 2
    assert {dispatcher.get(f"/api/v1/orders/{i}").get_json()["status"] for i in ids} == {"dispatched"}
    mine = driver.get(f"/api/v1/driver/route?date={tomorrow()}")
    assert mine.status_code == 200 and mine.get_json()["id"] == route["id"]
    assert "tracking_token" not in mine.get_json()["stops"][0]["order"]
    other = org.as_role("other_driver")
    assert other.get(f"/api/v1/routes/{route['id']}").status_code == 404
    assert other.get(f"/api/v1/driver/route?date={tomorrow()}").status_code == 404
    assert dispatcher.post(f"/api/v1/routes/{route['id']}/publish").status_code == 409


def test_resequencing_bumps_the_version_and_a_stale_edit_is_refused(dispatcher, org):
    ids = make_orders(dispatcher, 4)
    route = make_route(dispatcher, org, ids, publish=True)
    stop_ids = [s["id"] for s in route["stops"]]
    new_order = [stop_ids[3], stop_ids[0], stop_ids[1], stop_ids[2]]
    response = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence",
                              json={"stop_ids": new_order, "version": route["version"]})
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert [s["id"] for s in updated["stops"]] == new_order
    assert updated["version"] == route["version"] + 1
    stale = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence",
                           json={"stop_ids": stop_ids, "version": route["version"]})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "version_conflict"
    assert [s["id"] for s in error["route"]["stops"]] == new_order  # the loser gets the fresh route
    bad = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence", json={"stop_ids": stop_ids[:2]})
    assert bad.status_code == 422


def test_preview_shows_a_broken_window_without_saving(dispatcher, org):
    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids, publish=True)
    stop_ids = [s["id"] for s in route["stops"]]
    # The 11:00 stop first, then back to the 09:00-11:00 stop: it can only be reached late.
    preview = dispatcher.post(f"/api/v1/routes/{route['id']}/sequence/preview",
                              json={"stop_ids": [stop_ids[2], stop_ids[1], stop_ids[0]]})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    late = [s for s in body["stops"] if any(v["cause"] == "delay" for v in s["violations"])]
    assert [s["stop_id"] for s in late] == [stop_ids[0]]
    unchanged = dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()
    assert [s["id"] for s in unchanged["stops"]] == stop_ids and unchanged["version"] == route["version"]


def test_drivers_cannot_plan_or_resequence(org, dispatcher):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    assert driver.post("/api/v1/routes", json={"date": tomorrow().isoformat(), "order_ids": []}).status_code == 403
    stop_ids = [s["id"] for s in route["stops"]]
    assert driver.put(f"/api/v1/routes/{route['id']}/sequence", json={"stop_ids": stop_ids[::-1]}).status_code == 403


def test_other_organizations_routes_are_invisible(org, other_org, dispatcher):
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids)
    intruder = other_org.as_role("dispatcher")
    assert intruder.get(f"/api/v1/routes/{route['id']}").status_code == 404
    assert intruder.post(f"/api/v1/routes/{route['id']}/publish").status_code == 404
    assert intruder.get(f"/api/v1/routes?date={tomorrow()}").get_json() == []
    foreign = intruder.post("/api/v1/routes", json={"date": tomorrow().isoformat(), "order_ids": ids})
    assert foreign.status_code == 422


PUSH_SUBSCRIPTION = {"endpoint": "https://push.example.test/send/abc", "keys": {
    "p256dh": "BOr9Vd5cE0G6S7fwYHVGpqeqdZlxhLxr6A6vDkK0e6pVtLh3AZRHSsB8zq8OJ6oFLKjYzQvBJE6X9U8W7n3eGyA",
    "auth": "8eDyX_uCN0XRhSbY5hs7Hg"}}


def test_dispatch_changes_are_pushed_to_the_drivers_subscribed_browsers(app, dispatcher, org):
    from backend.extensions import db
    from backend.notify.models import OutboxMessage as Outbox

    driver = org.as_role("driver")
    subscription = PUSH_SUBSCRIPTION
    created = driver.post("/api/v1/push/subscriptions", json=subscription)
    assert created.status_code in (200, 201), created.get_json()
    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids, publish=True)
    stop_ids = [s["id"] for s in route["stops"]]
    dispatcher.put(f"/api/v1/routes/{route['id']}/sequence", json={"stop_ids": stop_ids[::-1],
                                                                   "version": route["version"]})
    from tests.dispatch.helpers import action

    action(driver, dispatcher.get(f"/api/v1/routes/{route['id']}").get_json(), "route.start")
    with app.app_context():
        rows = db.session.query(Outbox).filter(Outbox.kind == "route_changed").order_by(Outbox.id).all()
        bodies = [row.body for row in rows]
    assert len(bodies) == 2, bodies  # published and resequenced; the driver's own start is not news
    assert "3 stops" in bodies[0] and "to stop 1" in bodies[1]


def test_a_preview_of_a_route_on_the_road_starts_from_the_driver(org, dispatcher):
    from datetime import datetime, timezone

    from tests.dispatch.helpers import action

    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    action(driver, route, "route.start")
    action(driver, route, "stop.complete", route["stops"][0], recipient_name="A")
    far = {"lat": 45.70, "lon": -73.90, "at": datetime.now(timezone.utc).isoformat()}
    driver.post("/api/v1/driver/locations", json={"fixes": [far]})
    stop_ids = [s["id"] for s in route["stops"]]
    preview = dispatcher.post(f"/api/v1/routes/{route['id']}/sequence/preview",
                              json={"stop_ids": [stop_ids[0], stop_ids[2], stop_ids[1]]}).get_json()
    assert preview["from_position"] is True
    visited, *pending = preview["stops"]
    assert visited["stop_id"] == stop_ids[0] and visited["violations"] == []
    # From a driver 30 km away, now: nobody is reached before now.
    now = datetime.now(timezone.utc)
    assert all(datetime.fromisoformat(s["eta"]) > now for s in pending)
