"""The real-time backbone over real sockets: rooms, route updates, catch-up, location relay.

One eventlet server (with its embedded worker) serves the module, seeded with a small published demo day.
"""
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import socketio

from tests.servers import ROOT, ServerProcess, login_session, migrate


def _seed(env):
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "12",
                    "--drivers", "3"], cwd=ROOT, env={**os.environ, **env},
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("realtime")
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret", "ETA_REFRESH_S": "0"}
    _seed(env)
    with ServerProcess({**env, "REDIS_URL": None}) as running:
        yield running


class Listener:
    """A real Socket.IO client that records every event it receives, with the time of receipt."""

    def __init__(self, server, session=None, auth=None):
        self.events: list[tuple[str, dict, float]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, data: self.events.append((event, data, time.monotonic())))
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies) if session else ""
        self.client.connect(server.url, headers={"Cookie": cookie} if cookie else {}, auth=auth,
                            transports=["websocket"], wait_timeout=10)

    def of(self, name):
        return [data for event, data, _ in self.events if event == name]

    def wait_for(self, name, predicate=lambda d: True, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event, data, received in self.events:
                if event == name and predicate(data):
                    return data, received
            time.sleep(0.01)
        return None, None

    def close(self):
        self.client.disconnect()


@pytest.fixture(scope="module")
def staff(server):
    return login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")


@pytest.fixture(scope="module")
def routes(server, staff):
    """Two published routes of six stops, one per driver, made through the API."""
    orders = staff.get(f"{server.url}/api/v1/orders?per_page=12", timeout=10).json()["items"]
    drivers = staff.get(f"{server.url}/api/v1/drivers", timeout=10).json()["items"]
    made = []
    for index, driver in enumerate(drivers[:2]):
        order_ids = [o["id"] for o in orders[index * 6:(index + 1) * 6]]
        route = staff.post(f"{server.url}/api/v1/routes", json={"date": orders[0]["delivery_date"],
                                                                 "driver_id": driver["id"], "order_ids": order_ids},
                           timeout=30)
        assert route.status_code == 201, route.text
        published = staff.post(f"{server.url}/api/v1/routes/{route.json()['id']}/publish", timeout=10)
        assert published.status_code == 200, published.text
        made.append(published.json())
    return made


def driver_session(server, route):
    return login_session(server.url, route["driver"]["phone"], "1234")


def resequence(server, staff, route_id, reverse=True):
    current = staff.get(f"{server.url}/api/v1/routes/{route_id}", timeout=10).json()
    ids = [s["id"] for s in current["stops"]]
    response = staff.put(f"{server.url}/api/v1/routes/{route_id}/sequence",
                         json={"stop_ids": ids[::-1] if reverse else ids, "version": current["version"]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_resequence_reaches_the_drivers_phone_within_a_second_and_no_one_elses(server, staff, routes):
    mine, theirs = routes
    driver = Listener(server, driver_session(server, mine))
    other = Listener(server, driver_session(server, theirs))
    try:
        sent = time.monotonic()
        updated = resequence(server, staff, mine["id"])
        data, received = driver.wait_for("route.updated", lambda d: d["route"]["version"] == updated["version"])
        assert data is not None, driver.events
        assert received - sent < 1.0
        assert [s["id"] for s in data["route"]["stops"]] == [s["id"] for s in updated["stops"]]
        assert data["change"]["kind"] == "resequenced" and data["change"]["address"]
        time.sleep(0.3)
        assert all(d["route"]["id"] != mine["id"] for d in other.of("route.updated"))
    finally:
        driver.close()
        other.close()


def test_each_audience_gets_its_own_view_of_a_route_change(server, staff, routes):
    """route.updated and route.resync are dumped per audience: the phone never gets the staff summary or cost."""
    from tests.api.audiences import assert_driver_view, assert_staff_view

    route = routes[0]
    session = driver_session(server, route)
    phone, dispatcher = Listener(server, session), Listener(server, staff)
    try:
        updated = resequence(server, staff, route["id"])
        for_phone, _ = phone.wait_for("route.updated", lambda d: d["route"]["version"] == updated["version"])
        for_staff, _ = dispatcher.wait_for("route.updated", lambda d: d["route"]["version"] == updated["version"])
        assert for_phone is not None and for_staff is not None, (phone.events, dispatcher.events)
        assert_driver_view(for_phone["route"])
        assert_staff_view(for_staff["route"])
        resynced = phone.client.call("route.resync", {"route_id": route["id"], "version": 0}, timeout=10)
        assert_driver_view(resynced["route"])
    finally:
        phone.close()
        dispatcher.close()


def test_a_reconnecting_phone_catches_up_after_three_missed_changes(server, staff, routes):
    route = routes[0]
    session = driver_session(server, route)
    phone = Listener(server, session)
    version = staff.get(f"{server.url}/api/v1/routes/{route['id']}", timeout=10).json()["version"]
    phone.close()
    for _ in range(3):
        latest = resequence(server, staff, route["id"])
    assert latest["version"] == version + 3
    phone = Listener(server, session)
    try:
        answer = phone.client.call("route.resync", {"route_id": route["id"], "version": version}, timeout=10)
        assert answer["ok"] and answer["route"]["version"] == latest["version"]
        assert [s["id"] for s in answer["route"]["stops"]] == [s["id"] for s in latest["stops"]]
        current = phone.client.call("route.resync", {"route_id": route["id"], "version": latest["version"]}, timeout=10)
        assert current == {"ok": True, "up_to_date": True, "version": latest["version"]}
    finally:
        phone.close()


def test_a_driver_cannot_watch_or_resync_another_drivers_route(server, routes):
    mine, theirs = routes
    phone = Listener(server, driver_session(server, mine))
    try:
        assert phone.client.call("route.watch", {"route_id": theirs["id"]}, timeout=10)["ok"] is False
        refused = phone.client.call("route.resync", {"route_id": theirs["id"], "version": 0}, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    finally:
        phone.close()


def test_fixes_reach_dispatchers_and_only_the_next_customers_tracking_page(server, staff, routes):
    route = routes[1]
    session = driver_session(server, route)
    now = datetime.now(timezone.utc).isoformat()
    start = session.post(f"{server.url}/api/v1/driver/actions", json={
        "idempotency_key": f"start-{route['id']}-fixes", "type": "route.start", "route_id": route["id"], "at": now},
        timeout=10)
    assert start.status_code == 200, start.text
    stops = start.json()["route"]["stops"]
    pending = [s for s in stops if s["status"] == "pending"]
    tokens = {}
    for stop in pending[:2]:
        order = staff.get(f"{server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()
        tokens[stop["id"]] = order["tracking_token"]
    next_customer = Listener(server, auth={"tracking_token": tokens[pending[0]["id"]]})
    later_customer = Listener(server, auth={"tracking_token": tokens[pending[1]["id"]]})
    dispatcher = Listener(server, staff)
    phone = Listener(server, session)
    try:
        fix = {"lat": 45.51, "lon": -73.6, "accuracy": 5, "heading": 90, "speed": 8,
               "at": datetime.now(timezone.utc).isoformat()}
        assert phone.client.call("location.update", fix, timeout=10) == {"ok": True}
        batch, _ = dispatcher.wait_for("driver.locations",
                                       lambda d: any(i["driver_id"] == route["driver"]["id"] for i in d["items"]))
        assert batch is not None, dispatcher.events
        seen = [i for i in batch["items"] if i["driver_id"] == route["driver"]["id"]][0]
        assert seen["lat"] == 45.51
        shown, _ = next_customer.wait_for("driver.location")
        assert shown is not None and set(shown) == {"lat", "lon", "heading", "at"}
        time.sleep(0.3)
        assert later_customer.of("driver.location") == []
        old = dict(fix, at="2020-01-01T00:00:00+00:00")
        refused = phone.client.call("location.update", old, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == "older_than_last"
        invalid = phone.client.call("location.update", {"lat": 123}, timeout=10)
        assert invalid["ok"] is False and invalid["error"]["code"] == "invalid"
        # The worker recomputes ETAs from the fix and tells the route's watchers.
        eta, _ = dispatcher.wait_for("eta.updated", lambda d: d["route_id"] == route["id"], timeout=15)
        assert eta is not None and eta["stops"]
    finally:
        for listener in (next_customer, later_customer, dispatcher, phone):
            listener.close()


def test_staying_near_the_next_stop_marks_it_arrived(server, staff, routes):
    route = routes[0]
    session = driver_session(server, route)
    started = session.post(f"{server.url}/api/v1/driver/actions", json={
        "idempotency_key": f"start-{route['id']}-geofence", "type": "route.start", "route_id": route["id"],
        "at": datetime.fromtimestamp(time.time() - 120, timezone.utc).isoformat()}, timeout=10)
    assert started.status_code == 200, started.text
    snapshot = started.json()["route"]
    target = [s for s in snapshot["stops"] if s["status"] == "pending"][0]
    phone = Listener(server, session)
    try:
        base = time.time()
        for offset in (0, 30, 60):
            at = datetime.fromtimestamp(base + offset - 60, timezone.utc).isoformat()
            answer = phone.client.call("location.update", {"lat": target["order"]["lat"], "lon": target["order"]["lon"],
                                                           "accuracy": 5, "at": at}, timeout=10)
            assert answer == {"ok": True}, answer
        arrived = session.get(f"{server.url}/api/v1/driver/route", timeout=10).json()
        stop = [s for s in arrived["stops"] if s["id"] == target["id"]][0]
        assert stop["status"] == "arrived" and stop["actual_arrival_at"]
    finally:
        phone.close()


def test_a_customers_instructions_and_a_dispatchers_edit_reach_the_drivers_open_app(server, staff, routes):
    """The stop's new instructions arrive as route.updated (kind `instructions`), no reload needed (which edits
    are news to the driver: tests/dispatch/test_order_news.py)."""
    import requests

    route = routes[0]
    phone = Listener(server, driver_session(server, route))
    try:
        stop = route["stops"][1]
        order = staff.get(f"{server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()
        sent = time.monotonic()
        answer = requests.post(f"{server.url}/api/v1/track/{order['tracking_token']}/instructions",
                               json={"text": "Gate code 4521, leave it by the blue door"}, timeout=10)
        assert answer.status_code == 200, answer.text
        data, received = phone.wait_for("route.updated", lambda d: (d.get("change") or {}).get("kind") == "instructions")
        assert data is not None, phone.events
        assert received - sent < 1.0
        assert data["change"] == {"kind": "instructions", "by": "customer", "stop_id": stop["id"],
                                  "address": order["address"], "sequence": data["change"]["sequence"]}
        shown = next(s for s in data["route"]["stops"] if s["id"] == stop["id"])
        assert shown["order"]["delivery_instructions"] == "Gate code 4521, leave it by the blue door"

        version = data["route"]["version"]
        edited = staff.patch(f"{server.url}/api/v1/orders/{order['id']}", json={"notes": "Heavy: two people"},
                             timeout=10)
        assert edited.status_code == 200, edited.text
        data, _ = phone.wait_for("route.updated", lambda d: d["route"]["version"] > version)
        assert data is not None and data["change"]["kind"] == "updated" and data["change"]["by"] == "dispatch"
    finally:
        phone.close()


def test_an_order_cancelled_on_a_published_route_closes_its_stop_and_tells_the_driver_at_once(server, staff, routes):
    """The driver must not deliver it: the stop is closed (skipped) in the cancelling transaction and the phone
    hears `cancelled` for that stop; a delivery the phone still sends is a conflict that says why."""
    import uuid

    route = routes[1]
    session = driver_session(server, route)
    phone = Listener(server, session)
    try:
        stop = route["stops"][-1]
        sent = time.monotonic()
        cancelled = staff.post(f"{server.url}/api/v1/orders/{stop['order']['id']}/cancel",
                               json={"reason": "customer called"}, timeout=10)
        assert cancelled.status_code == 200, cancelled.text
        data, received = phone.wait_for("route.updated", lambda d: (d.get("change") or {}).get("kind") == "cancelled")
        assert data is not None, phone.events
        assert received - sent < 1.0
        assert data["change"]["stop_id"] == stop["id"] and data["change"]["sequence"] == stop["sequence"]
        assert next(s for s in data["route"]["stops"] if s["id"] == stop["id"])["status"] == "skipped"
        delivered = session.post(f"{server.url}/api/v1/driver/actions", timeout=10, json={
            "idempotency_key": uuid.uuid4().hex, "type": "stop.complete", "route_id": route["id"],
            "stop_id": stop["id"], "at": datetime.now(timezone.utc).isoformat(), "data": {"recipient_name": "A"}})
        assert delivered.status_code == 200, delivered.text
        assert (delivered.json()["status"], delivered.json()["reason"]) == ("conflict", "order_cancelled")
        assert staff.get(f"{server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()["status"] == "cancelled"
    finally:
        phone.close()
