"""A driver's fixes that find them at the next stop are one use case: the fixes and the arrival the
geofence finds commit together, once (a helper that committed on its own would split them)."""
from datetime import datetime, timedelta, timezone

from flask_sqlalchemy.session import Session
from sqlalchemy import event

from tests.dispatch.helpers import action, make_orders, make_route


def test_fixes_that_arrive_at_the_next_stop_commit_once_with_the_arrival(app, org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    driver = org.as_role("driver")
    started = action(driver, route, "route.start", at=datetime.now(timezone.utc) - timedelta(minutes=5))
    assert started.status_code == 200, started.get_json()
    stop = started.get_json()["route"]["stops"][0]
    near = {"lat": stop["order"]["lat"], "lon": stop["order"]["lon"], "accuracy": 5}
    now = datetime.now(timezone.utc)
    first = driver.post("/api/v1/driver/locations",
                        json={"fixes": [{**near, "at": (now - timedelta(seconds=60)).isoformat()}]})
    assert first.status_code == 200, first.get_json()

    commits = []

    def count(session):
        commits.append(session)

    event.listen(Session, "after_commit", count)
    try:
        second = driver.post("/api/v1/driver/locations", json={"fixes": [{**near, "at": now.isoformat()}]})
    finally:
        event.remove(Session, "after_commit", count)
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["accepted"] == 1
    assert len(commits) == 1

    arrived = driver.get(f"/api/v1/driver/route?date={route['date']}").get_json()
    shown = next(s for s in arrived["stops"] if s["id"] == stop["id"])
    assert shown["status"] == "arrived" and shown["actual_arrival_at"]
    # The same stop is not arrived twice: the geofence's key per stop is taken.
    again = driver.post("/api/v1/driver/locations",
                        json={"fixes": [{**near, "at": (now + timedelta(seconds=1)).isoformat()}]})
    assert again.status_code == 200, again.get_json()
    assert driver.get(f"/api/v1/driver/route?date={route['date']}").get_json()["version"] == arrived["version"]
