"""Nothing is announced before the commit that made it true.

Every event is caught where it leaves our code for the Socket.IO server, and at that very moment a second,
independent database connection reads what the event announces: a phone told "version 5" must be able to
fetch version 5. An emit moved before its commit (or flushed on before_commit) makes these tests fail.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from tests.dispatch.helpers import action, make_orders, make_route


@pytest.fixture
def announced(app, monkeypatch):
    """(event, payload, what an outside reader saw when it was sent) for every event sent."""
    from backend.extensions import socketio

    reader = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    seen = []
    real_emit = socketio.server.emit

    def observe(event, data=None, *args, **kwargs):
        with reader.connect() as connection:
            seen.append((event, data, _committed(connection, event, data)))
        return real_emit(event, data, *args, **kwargs)

    monkeypatch.setattr(socketio.server, "emit", observe)
    yield seen
    reader.dispose()


def _committed(connection, event, data) -> dict:
    if event == "route.updated":
        route_id = data["route"]["id"]
        version = connection.execute(text("SELECT version FROM routes WHERE id = :id"), {"id": route_id}).scalar()
        stops = connection.execute(text("SELECT id, status FROM stops WHERE route_id = :id"), {"id": route_id}).all()
        return {"version": version, "stops": {row[0]: row[1] for row in stops}}
    if event == "alert" and data.get("order_id"):
        conflicts = connection.execute(text(
            "SELECT count(*) FROM order_events WHERE order_id = :id AND type = 'conflict'"), {"id": data["order_id"]})
        return {"conflicts": conflicts.scalar()}
    return {}


def _route_updates(announced):
    return [(data, seen) for event, data, seen in announced if event == "route.updated"]


def test_route_changes_are_announced_only_once_committed(org, dispatcher, announced):
    ids = make_orders(dispatcher, 4)
    mine = make_route(dispatcher, org, ids[:3], publish=True)
    theirs = make_route(dispatcher, org, ids[3:], publish=True, driver_id=org.other_driver_id)
    driver = org.as_role("driver")
    assert action(driver, mine, "route.start").get_json()["status"] == "applied"
    assert action(driver, mine, "stop.arrive", mine["stops"][0]).get_json()["status"] == "applied"
    current = dispatcher.get(f"/api/v1/routes/{mine['id']}").get_json()
    order = [s["id"] for s in current["stops"]]
    assert dispatcher.put(f"/api/v1/routes/{mine['id']}/sequence",
                          json={"stop_ids": order[:1] + order[1:][::-1], "version": current["version"]}).status_code == 200
    current = dispatcher.get(f"/api/v1/routes/{mine['id']}").get_json()
    moved = dispatcher.post(f"/api/v1/stops/{order[1]}/move", json={
        "to_route_id": theirs["id"], "from_version": current["version"], "to_version": theirs["version"]})
    assert moved.status_code == 200, moved.get_json()
    updates = _route_updates(announced)
    kinds = {(data.get("change") or {}).get("kind") for data, _ in updates}
    assert {"published", "started", "updated", "resequenced", "removed", "added"} <= kinds, kinds
    for data, seen in updates:
        assert seen["version"] == data["route"]["version"], (data.get("change"), seen)
        for stop in data["route"]["stops"]:
            assert seen["stops"].get(stop["id"]) == stop["status"], (data.get("change"), stop["id"])


def test_a_conflict_alert_comes_after_the_conflict_is_recorded(org, dispatcher, announced):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    action(driver, route, "route.start")
    assert dispatcher.post(f"/api/v1/orders/{ids[0]}/cancel", json={"reason": "called"}).status_code == 200
    synced = action(driver, route, "stop.complete", route["stops"][0],
                    at=datetime.now(timezone.utc) - timedelta(minutes=2), recipient_name="R")
    assert synced.get_json()["status"] == "conflict"
    alerts = [(data, seen) for event, data, seen in announced if event == "alert" and data.get("kind") == "driver_conflict"]
    assert len(alerts) == 1 and alerts[0][1]["conflicts"] == 1
