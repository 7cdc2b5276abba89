"""A driver's day through the API: start, load, arrive, deliver with proof, fail, replay, conflicts."""
import base64
import io
import uuid
from datetime import datetime, timedelta, timezone

from PIL import Image

from tests.dispatch.helpers import action, make_orders, make_route

# A real 1x1 JPEG (complete: uploads are decoded and re-encoded, see backend/pod/images.py).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYU"
    "GBIUFRT/wAALCAABAAEBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1Fh"
    "ByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWW"
    "l5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AP1Tr//Z")


def upload(api, kind="photo", key=None):
    return api.post("/api/v1/driver/uploads", data={
        "file": (io.BytesIO(JPEG), "photo.jpg"), "kind": kind, "idempotency_key": key or uuid.uuid4().hex,
        "captured_at": datetime.now(timezone.utc).isoformat(), "lat": "45.52", "lon": "-73.58"},
        content_type="multipart/form-data")


def test_a_day_of_deliveries(org, dispatcher):
    ids = make_orders(dispatcher, 3, cod_amount_cents=2500)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    stops = route["stops"]
    loaded = action(driver, route, "parcel.load", barcode=stops[0]["order"]["parcels"][0]["barcode"])
    assert loaded.status_code == 200, loaded.get_json()
    assert loaded.get_json()["route"]["stops"][0]["order"]["parcels"][0]["loaded_at"]
    unknown = action(driver, route, "parcel.load", barcode="NOT-OURS")
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "unknown_parcel"

    started = action(driver, route, "route.start").get_json()
    assert started["status"] == "applied" and started["route"]["status"] == "in_progress"
    assert {dispatcher.get(f"/api/v1/orders/{i}").get_json()["status"] for i in ids} == {"out_for_delivery"}

    photo = upload(driver).get_json()["id"]
    signature = upload(driver, "signature").get_json()["id"]
    acted_at = datetime.now(timezone.utc) - timedelta(minutes=7)
    missing_cash = action(driver, route, "stop.complete", stops[0], recipient_name="Camille")
    assert missing_cash.status_code == 422
    done = action(driver, route, "stop.complete", stops[0], at=acted_at, recipient_name="Camille",
                  photo_ids=[photo], signature_id=signature, cod_collected_cents=2500)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["route"]["stops"][0]["status"] == "completed"
    order = dispatcher.get(f"/api/v1/orders/{ids[0]}").get_json()
    assert order["status"] == "delivered"
    events = dispatcher.get(f"/api/v1/orders/{ids[0]}/events").get_json()
    delivered = [e for e in events if e["to_status"] == "delivered"][0]
    # The time recorded is when the driver acted, not when the phone synced.
    assert abs(datetime.fromisoformat(delivered["at"]) - acted_at) < timedelta(seconds=1)
    assert [e["type"] for e in events].count("status") >= 4  # planned, dispatched, out, arrived, delivered

    failed = action(driver, route, "stop.fail", stops[1], reason="not_home", note="nobody", photo_ids=[])
    assert failed.status_code == 200
    assert dispatcher.get(f"/api/v1/orders/{ids[1]}").get_json()["failure_reason"] == "not_home"
    no_reason = action(driver, route, "stop.fail", stops[2])
    assert no_reason.status_code == 422

    ended = action(driver, route, "route.end").get_json()
    assert ended["route"]["status"] == "completed"
    assert ended["route"]["stops"][2]["status"] == "skipped"
    assert dispatcher.get(f"/api/v1/orders/{ids[2]}").get_json()["status"] == "failed"


def test_replaying_an_action_applies_it_once(org, dispatcher):
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    key = uuid.uuid4().hex
    first = action(driver, route, "stop.complete", route["stops"][0], key=key, recipient_name="A")
    second = action(driver, route, "stop.complete", route["stops"][0], key=key, recipient_name="A")
    assert first.get_json()["status"] == "applied" and second.get_json()["status"] == "duplicate"
    events = dispatcher.get(f"/api/v1/orders/{ids[0]}/events").get_json()
    assert [e["to_status"] for e in events].count("delivered") == 1


def test_uploads_are_idempotent_and_only_images(org, dispatcher):
    driver = org.as_role("driver")
    key = uuid.uuid4().hex
    first, again = upload(driver, key=key), upload(driver, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    fake = driver.post("/api/v1/driver/uploads", data={"file": (io.BytesIO(b"MZ\x90 not an image"), "x.jpg"),
                                                        "kind": "photo", "idempotency_key": uuid.uuid4().hex},
                       content_type="multipart/form-data")
    assert fake.status_code == 422
    assert dispatcher.post("/api/v1/driver/uploads", data={}, content_type="multipart/form-data").status_code == 403


def test_an_order_cancelled_before_the_offline_delivery_synced_is_a_conflict_both_sides_see(org, dispatcher):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    action(driver, route, "route.start")
    offline_at = datetime.now(timezone.utc) - timedelta(minutes=3)
    assert dispatcher.post(f"/api/v1/orders/{ids[0]}/cancel", json={"reason": "customer called"}).status_code == 200
    synced = action(driver, route, "stop.complete", route["stops"][0], at=offline_at, recipient_name="B")
    assert synced.status_code == 200
    body = synced.get_json()
    assert body["status"] == "conflict" and "cancelled" in body["message"]
    assert body["reason"] == "order_cancelled"  # what the phone words in the driver's language
    assert dispatcher.get(f"/api/v1/orders/{ids[0]}").get_json()["status"] == "cancelled"
    events = dispatcher.get(f"/api/v1/orders/{ids[0]}/events").get_json()
    conflict = [e for e in events if e["type"] == "conflict"]
    assert len(conflict) == 1 and conflict[0]["details"]["data"]["recipient_name"] == "B"


def test_a_replayed_conflict_answers_as_the_first_time_with_its_reason(org, dispatcher):
    """The phone may never hear the first answer (the connection dropped): its replay must be told the same
    conflict, or the phone drops the entry as done and the driver never sees that it was not recorded."""
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    action(driver, route, "route.start")
    assert dispatcher.post(f"/api/v1/orders/{ids[0]}/cancel", json={"reason": "customer called"}).status_code == 200
    key = uuid.uuid4().hex
    first = action(driver, route, "stop.complete", route["stops"][0], key=key, recipient_name="B").get_json()
    replay = action(driver, route, "stop.complete", route["stops"][0], key=key, recipient_name="B").get_json()
    assert first["status"] == "conflict" and first["reason"] == "order_cancelled"
    assert (replay["status"], replay["reason"], replay["message"]) == ("conflict", "order_cancelled", first["message"])
    events = dispatcher.get(f"/api/v1/orders/{ids[0]}/events").get_json()
    assert [e["type"] for e in events].count("conflict") == 1  # told once, not again on the replay


def test_a_driver_cannot_act_on_another_drivers_route(org, dispatcher):
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids, publish=True)
    intruder = org.as_role("other_driver")
    response = action(intruder, route, "stop.complete", route["stops"][0])
    assert response.status_code == 404
    assert dispatcher.get(f"/api/v1/orders/{ids[0]}").get_json()["status"] == "dispatched"


def test_actions_stamped_in_the_future_are_refused(org, dispatcher):
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids, publish=True)
    response = action(org.as_role("driver"), route, "route.start", at=datetime.now(timezone.utc) + timedelta(hours=2))
    assert response.status_code == 422 and "at" in response.get_json()["error"]["fields"]


def test_id_check_orders_need_the_check(org, dispatcher):
    ids = make_orders(dispatcher, 1, requires_id_check=True, min_age=18)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    refused = action(driver, route, "stop.complete", route["stops"][0], recipient_name="C", id_checked=True)
    assert refused.status_code == 422 and "age_verified" in refused.get_json()["error"]["fields"]
    accepted = action(driver, route, "stop.complete", route["stops"][0], recipient_name="C", id_checked=True,
                      age_verified=True)
    assert accepted.get_json()["status"] == "applied"


def test_offline_location_batches_keep_their_times(org, dispatcher):
    driver = org.as_role("driver")
    now = datetime.now(timezone.utc)
    fixes = [{"lat": 45.5 + i * 0.001, "lon": -73.6, "accuracy": 8, "at": (now - timedelta(minutes=10 - i)).isoformat()}
             for i in range(5)]
    fixes.append({"lat": 45.5, "lon": -73.6, "at": (now + timedelta(hours=1)).isoformat()})
    response = driver.post("/api/v1/driver/locations", json={"fixes": fixes})
    assert response.status_code == 200
    assert response.get_json()["accepted"] == 5
    assert response.get_json()["rejected"] == [{"index": 5, "reason": "in_future"}]
    resent = driver.post("/api/v1/driver/locations", json={"fixes": fixes[:5]}).get_json()
    assert (resent["accepted"], resent["duplicates"]) == (0, 5)
    from backend.extensions import db
    from backend.tracking.models import LocationFix

    with org.app.app_context():
        assert db.session.query(LocationFix).count() == 5
    bad = driver.post("/api/v1/driver/locations", json={"fixes": [{"lat": 95, "lon": 0, "at": now.isoformat()}]})
    assert bad.status_code == 422
    naive = driver.post("/api/v1/driver/locations", json={"fixes": [{"lat": 45, "lon": 0, "at": "2026-01-01T10:00:00"}]})
    assert naive.status_code == 422


def test_dispatchers_see_last_positions_and_whether_they_are_stale(org, dispatcher):
    driver = org.as_role("driver")
    old = datetime.now(timezone.utc) - timedelta(minutes=30)
    driver.post("/api/v1/driver/locations", json={"fixes": [{"lat": 45.5, "lon": -73.6, "at": old.isoformat()}]})
    positions = dispatcher.get("/api/v1/positions").get_json()
    assert [(p["driver_id"], p["stale"]) for p in positions] == [(org.driver_id, True)]
    driver.post("/api/v1/driver/locations", json={"fixes": [{"lat": 45.51, "lon": -73.6,
                                                             "at": datetime.now(timezone.utc).isoformat()}]})
    assert dispatcher.get("/api/v1/positions").get_json()[0]["stale"] is False
    assert driver.get("/api/v1/positions").status_code == 403


def test_dispatchers_see_only_their_organizations_drivers_positions(org, dispatcher, other_org):
    now = datetime.now(timezone.utc).isoformat()
    for fixture, lat in ((org, 45.50), (other_org, 46.80)):
        for role in ("driver", "other_driver"):
            sent = fixture.as_role(role).post("/api/v1/driver/locations",
                                              json={"fixes": [{"lat": lat, "lon": -73.6, "at": now}]})
            assert sent.status_code == 200, sent.get_json()
    for fixture, api, lat in ((org, dispatcher, 45.50), (other_org, other_org.as_role("dispatcher"), 46.80)):
        positions = api.get("/api/v1/positions").get_json()
        assert sorted(p["driver_id"] for p in positions) == sorted([fixture.driver_id, fixture.other_driver_id])
        assert {p["lat"] for p in positions} == {lat}


def test_proof_files_are_served_to_the_orders_tracking_link_and_staff_only(org, dispatcher, other_org):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    photo = upload(driver).get_json()["id"]
    action(driver, route, "stop.complete", route["stops"][0], recipient_name="Zoé", photo_ids=[photo])
    token = dispatcher.get(f"/api/v1/orders/{ids[0]}").get_json()["tracking_token"]
    other_token = dispatcher.get(f"/api/v1/orders/{ids[1]}").get_json()["tracking_token"]
    from tests.support import Api

    customer = Api(org.app)
    view = customer.get(f"/api/v1/track/{token}").get_json()
    assert view["pod"]["outcome"] == "delivered" and view["pod"]["recipient_name"] == "Zoé"
    assert view["pod"]["photos"] == [f"/api/v1/track/{token}/files/{photo}"]
    image = customer.get(view["pod"]["photos"][0])
    # The stored photo is the upload drawn again (backend/pod/images.py): the same picture, new bytes.
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (1, 1)
    # Another order's link cannot reach this photo, nor can another organization's staff.
    assert customer.get(f"/api/v1/track/{other_token}/files/{photo}").status_code == 404
    assert customer.get(f"/api/v1/track/{other_token}").get_json()["pod"] is None
    assert other_org.as_role("dispatcher").get(f"/api/v1/files/{photo}").status_code == 404
    assert dispatcher.get(f"/api/v1/files/{photo}").status_code == 200


def test_staff_read_ratings_and_complaints(org, dispatcher, other_org):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    from tests.support import Api

    for index, score in ((0, 5), (1, 2)):
        action(driver, route, "stop.complete", route["stops"][index], recipient_name="R")
        token = dispatcher.get(f"/api/v1/orders/{ids[index]}").get_json()["tracking_token"]
        answer = Api(org.app).post(f"/api/v1/track/{token}/rating", json={"score": score, "comment": f"c{score}"})
        assert answer.status_code in (200, 201), answer.get_json()
    ratings = dispatcher.get("/api/v1/ratings").get_json()
    assert ratings["total"] == 2 and {r["score"] for r in ratings["items"]} == {2, 5}
    complaints = dispatcher.get("/api/v1/ratings?max_score=3").get_json()["items"]
    assert [(c["external_ref"], c["comment"]) for c in complaints] == [("R-2", "c2")]
    assert complaints[0]["driver_id"] == org.driver_id
    assert other_org.as_role("dispatcher").get("/api/v1/ratings").get_json()["total"] == 0
    assert driver.get("/api/v1/ratings").status_code == 403


def test_the_tracking_view_gives_the_destination_and_the_recipients_language(org, dispatcher):
    from tests.support import Api, order_payload

    order = dispatcher.post("/api/v1/orders", json=order_payload("LANG-1")).get_json()

    view = Api(org.app).get(f"/api/v1/track/{order['tracking_token']}").get_json()
    assert view["destination"] == {"lat": order["lat"], "lon": order["lon"]}
    assert view["language"] == "fr"


def _dispatch_listener(app, org_id):
    """A dispatcher's socket in the organization's room (joined by hand: see tests/notify/test_channels.py)."""
    from backend.extensions import socketio
    from backend.realtime import rooms

    client = socketio.test_client(app)
    socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/"), rooms.dispatch(org_id))
    return client


def test_a_stop_moved_to_another_driver_while_the_phone_was_offline_is_a_conflict_both_sides_see(app, org, dispatcher):
    ids = make_orders(dispatcher, 4)
    mine = make_route(dispatcher, org, ids[:3], publish=True)
    theirs = make_route(dispatcher, org, ids[3:], publish=True, driver_id=org.other_driver_id)
    driver = org.as_role("driver")
    assert action(driver, mine, "route.start").get_json()["status"] == "applied"
    moving = mine["stops"][0]
    # The phone goes offline; dispatch hands the first stop to the other driver meanwhile.
    current = dispatcher.get(f"/api/v1/routes/{mine['id']}").get_json()
    moved = dispatcher.post(f"/api/v1/stops/{moving['id']}/move", json={
        "to_route_id": theirs["id"], "from_version": current["version"], "to_version": theirs["version"]})
    assert moved.status_code == 200, moved.get_json()
    listener = _dispatch_listener(app, org.org_id)
    order_id = moving["order"]["id"]
    status_before = dispatcher.get(f"/api/v1/orders/{order_id}").get_json()["status"]
    tapped_at = datetime.now(timezone.utc) - timedelta(minutes=4)
    photo = upload(driver).get_json()["id"]
    key = uuid.uuid4().hex
    synced = action(driver, mine, "stop.complete", moving, at=tapped_at, key=key, recipient_name="Dana",
                    note="porch", photo_ids=[photo])
    assert synced.status_code == 200, synced.get_json()
    body = synced.get_json()
    assert body["status"] == "conflict" and "moved" in body["message"] and body["reason"] == "stop_moved"
    assert moving["id"] not in [s["id"] for s in body["route"]["stops"]]
    assert dispatcher.get(f"/api/v1/orders/{order_id}").get_json()["status"] == status_before  # not delivered
    conflicts = [e for e in dispatcher.get(f"/api/v1/orders/{order_id}/events").get_json() if e["type"] == "conflict"]
    assert len(conflicts) == 1
    kept = conflicts[0]
    assert kept["details"]["data"] == {"recipient_name": "Dana", "note": "porch", "photo_ids": [photo]}
    assert kept["details"]["action"] == "stop.complete" and kept["details"]["route_id"] == mine["id"]
    assert abs(datetime.fromisoformat(kept["at"]) - tapped_at) < timedelta(seconds=1)
    [alert] = [m["args"][0] for m in listener.get_received() if m["name"] == "alert"]
    assert alert["kind"] == "driver_conflict" and alert["order_id"] == order_id and alert["stop_id"] == moving["id"]
    assert alert["driver_id"] == org.driver_id and "moved" in alert["message"]
    listener.disconnect()
    # The other driver's stop is untouched, and the phone's next action on its own stop applies.
    other_phone = org.as_role("other_driver").get(f"/api/v1/routes/{theirs['id']}").get_json()
    assert next(s for s in other_phone["stops"] if s["id"] == moving["id"])["status"] == "pending"
    later = action(driver, mine, "stop.arrive", mine["stops"][1])
    assert later.status_code == 200 and later.get_json()["status"] == "applied"
    # Replayed (the phone did not hear the answer): the same conflict, not a second one.
    replayed = action(driver, mine, "stop.complete", moving, at=tapped_at, key=key, recipient_name="Dana")
    assert replayed.status_code == 200
    assert (replayed.get_json()["status"], replayed.get_json()["reason"]) == ("conflict", "stop_moved")
    assert len([e for e in dispatcher.get(f"/api/v1/orders/{order_id}/events").get_json()
                if e["type"] == "conflict"]) == 1


def test_a_stop_that_was_never_on_the_drivers_route_is_not_found_and_leaves_no_trace(org, dispatcher):
    ids = make_orders(dispatcher, 2)
    mine = make_route(dispatcher, org, ids[:1], publish=True)
    theirs = make_route(dispatcher, org, ids[1:], publish=True, driver_id=org.other_driver_id)
    response = action(org.as_role("driver"), mine, "stop.complete", theirs["stops"][0], recipient_name="X")
    assert response.status_code == 404
    events = dispatcher.get(f"/api/v1/orders/{ids[1]}/events").get_json()
    assert [e for e in events if e["type"] == "conflict"] == []


def test_a_conflict_never_writes_to_another_organizations_order(app, org, other_org, dispatcher):
    """A driver's action names a stop id of another organization: neither its order nor its log is touched."""
    mine = make_route(dispatcher, org, make_orders(dispatcher, 1), publish=True)
    their_dispatcher = other_org.as_role("dispatcher")
    their_ids = make_orders(their_dispatcher, 1, prefix="X")
    theirs = make_route(their_dispatcher, other_org, their_ids, publish=True)
    driver = org.as_role("driver")
    assert action(driver, mine, "route.end").get_json()["route"]["status"] == "completed"
    listener = _dispatch_listener(app, org.org_id)
    # route.start on a completed route is a conflict; the stop id rides along from another organization.
    body = {"idempotency_key": uuid.uuid4().hex, "type": "route.start", "route_id": mine["id"],
            "stop_id": theirs["stops"][0]["id"], "at": datetime.now(timezone.utc).isoformat()}
    answer = driver.post("/api/v1/driver/actions", json=body)
    assert answer.status_code == 200 and answer.get_json()["status"] == "conflict"
    assert action(driver, mine, "stop.arrive", theirs["stops"][0]).status_code == 404
    events = their_dispatcher.get(f"/api/v1/orders/{their_ids[0]}/events").get_json()
    assert [e for e in events if e["type"] == "conflict"] == []
    [alert] = [m["args"][0] for m in listener.get_received() if m["name"] == "alert"]
    assert alert["stop_id"] is None and alert["order_id"] is None
    listener.disconnect()
    from backend.dispatch.models import DriverAction
    from backend.extensions import db

    with app.app_context():
        assert {a.stop_id for a in db.session.query(DriverAction).filter_by(route_id=mine["id"])} == {None}


def test_what_is_stored_is_when_the_driver_tapped_not_when_the_phone_synced(org, dispatcher):
    """A phone offline for the morning syncs at noon: arrivals, departures, proofs and the order's log keep
    the taps' times."""
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    first, second = route["stops"]
    morning = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    taps = {"start": morning, "arrive": morning + timedelta(minutes=21), "complete": morning + timedelta(minutes=26),
            "arrive_2": morning + timedelta(minutes=47), "fail": morning + timedelta(minutes=52),
            "end": morning + timedelta(minutes=80)}
    assert action(driver, route, "route.start", at=taps["start"]).get_json()["status"] == "applied"
    assert action(driver, route, "stop.arrive", first, at=taps["arrive"]).get_json()["status"] == "applied"
    assert action(driver, route, "stop.complete", first, at=taps["complete"], recipient_name="Ana").status_code == 200
    assert action(driver, route, "stop.arrive", second, at=taps["arrive_2"]).status_code == 200
    assert action(driver, route, "stop.fail", second, at=taps["fail"], reason="not_home").status_code == 200
    assert action(driver, route, "route.end", at=taps["end"]).status_code == 200

    def same(value, tapped):
        return value is not None and abs(datetime.fromisoformat(value) - tapped) < timedelta(seconds=1)

    stored = dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()
    assert same(stored["started_at"], taps["start"]) and same(stored["completed_at"], taps["end"])
    stops = {s["id"]: s for s in stored["stops"]}
    assert same(stops[first["id"]]["actual_arrival_at"], taps["arrive"])
    assert same(stops[first["id"]]["actual_departure_at"], taps["complete"])
    assert same(stops[second["id"]]["actual_arrival_at"], taps["arrive_2"])
    assert same(stops[second["id"]]["actual_departure_at"], taps["fail"])
    [delivered] = dispatcher.get(f"/api/v1/orders/{ids[0]}/proofs").get_json()
    [failed] = dispatcher.get(f"/api/v1/orders/{ids[1]}/proofs").get_json()
    assert delivered["outcome"] == "delivered" and same(delivered["at"], taps["complete"])
    assert failed["outcome"] == "failed" and same(failed["at"], taps["fail"])
    for order_id, expected in ((ids[0], {"arrived": taps["arrive"], "delivered": taps["complete"]}),
                               (ids[1], {"arrived": taps["arrive_2"], "failed": taps["fail"]})):
        events = dispatcher.get(f"/api/v1/orders/{order_id}/events").get_json()
        for status, tapped in expected.items():
            [event] = [e for e in events if e["to_status"] == status]
            assert same(event["at"], tapped), (order_id, status)
