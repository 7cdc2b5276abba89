"""The dispatcher console's API: the board, moves between routes, suggestions, proofs — and who may use them."""
import base64
import io
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
from PIL import Image

from tests.dispatch.helpers import action, make_orders, make_route
from tests.support import TZ, order_payload, tomorrow
from tests.support import commit

JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYU"
    "GBIUFRT/wAALCAABAAEBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1Fh"
    "ByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWW"
    "l5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AP1Tr//Z")


def two_routes(org, dispatcher, first=4, second=3, publish=True):
    """Two routes of tomorrow: the first driver's and the second driver's."""
    ids = make_orders(dispatcher, first + second)
    mine = make_route(dispatcher, org, ids[:first], publish=publish)
    theirs = make_route(dispatcher, org, ids[first:], publish=publish, driver_id=org.other_driver_id)
    return mine, theirs


def fresh(api, route_id):
    response = api.get(f"/api/v1/routes/{route_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_board_shows_routes_with_their_summary_and_the_unplanned_orders(org, dispatcher):
    ids = make_orders(dispatcher, 5)
    route = make_route(dispatcher, org, ids[:3])
    response = dispatcher.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}&depot_id={org.depot_id}")
    assert response.status_code == 200, response.get_json()
    board = response.get_json()
    assert [r["id"] for r in board["routes"]] == [route["id"]]
    summary = board["routes"][0]["summary"]
    assert summary["stops"] == 3 and summary["done"] == 0 and summary["remaining"] == 3
    assert summary["distance_m"] > 0 and summary["driving_s"] > 0
    # 3 parcels of 100 is fuller than 3 x 3.5 kg of 1000 kg: the fullest dimension is the van's load.
    assert summary["load_share"] == pytest.approx(0.03, abs=1e-4)
    assert summary["start_at"] and summary["end_at"]
    assert sorted(o["id"] for o in board["unplanned"]) == sorted(ids[3:])
    settings = dispatcher.get("/api/v1/dispatch/settings").get_json()
    assert settings["tile_url"].startswith("https://") and "{z}" in settings["tile_url"]


def test_the_co2_of_a_route_is_its_distance_times_the_vans_emissions(org, dispatcher):
    assert dispatcher.patch(f"/api/v1/vehicles/{org.vehicle_id}", json={"co2_g_per_km": 200}).status_code == 200
    route = make_route(dispatcher, org, make_orders(dispatcher, 2))
    board = dispatcher.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}").get_json()
    summary = board["routes"][0]["summary"]
    assert summary["co2_g"] == round(route["planned_distance_m"] / 1000 * 200)


def test_drivers_are_refused_and_other_organizations_see_nothing(org, other_org, dispatcher):
    mine, theirs = two_routes(org, dispatcher, 2, 2)
    unplanned = make_orders(dispatcher, 1, prefix="U")[0]
    stop_id = mine["stops"][0]["id"]
    calls = [
        ("GET", f"/api/v1/dispatch/board?date={tomorrow().isoformat()}", None),
        ("GET", "/api/v1/dispatch/settings", None),
        ("POST", f"/api/v1/stops/{stop_id}/move/preview", {"to_route_id": theirs["id"]}),
        ("POST", f"/api/v1/stops/{stop_id}/move", {"to_route_id": theirs["id"], "from_version": mine["version"],
                                                   "to_version": theirs["version"]}),
        ("POST", f"/api/v1/routes/{mine['id']}/reoptimization", None),
        ("POST", f"/api/v1/orders/{unplanned}/insertion", None),
        ("POST", f"/api/v1/routes/{mine['id']}/stops", {"order_id": unplanned, "version": mine["version"]}),
        ("POST", f"/api/v1/routes/{mine['id']}/redistribution", None),
        ("POST", f"/api/v1/routes/{mine['id']}/redistribute",
         {"moves": [{"stop_id": stop_id, "to_route_id": theirs["id"]}],
          "versions": [{"route_id": mine["id"], "version": mine["version"]}]}),
        ("GET", f"/api/v1/orders/{unplanned}/proofs", None),
        ("GET", "/api/v1/files/abcdef0123456789abcdef0123456789", None),
    ]
    driver = org.as_role("driver")
    stranger = other_org.as_role("dispatcher")
    for method, path, body in calls:
        refused = driver.request(method, path, json=body) if body is not None else driver.request(method, path)
        assert refused.status_code == 403, (path, refused.get_json())
        assert refused.get_json()["error"]["code"] == "forbidden"
        if "settings" in path or "board" in path:
            continue
        hidden = stranger.request(method, path, json=body) if body is not None else stranger.request(method, path)
        assert hidden.status_code == 404, (path, hidden.get_json())
    # The stranger's own board does not list this organization's routes.
    assert stranger.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}").get_json()["routes"] == []
    assert fresh(dispatcher, mine["id"])["version"] == mine["version"]


def test_moving_a_stop_to_another_driver_bumps_both_routes_and_both_phones_see_it(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher)
    moving = mine["stops"][1]
    preview = dispatcher.post(f"/api/v1/stops/{moving['id']}/move/preview",
                              json={"to_route_id": theirs["id"], "position": 1})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert [s["stop_id"] for s in body["to"]["stops"]][0] == moving["id"]
    assert moving["id"] not in [s["stop_id"] for s in body["from"]["stops"]]
    assert all(s["eta"] for s in body["to"]["stops"])
    assert fresh(dispatcher, mine["id"])["version"] == mine["version"], "a preview changes nothing"

    moved = dispatcher.post(f"/api/v1/stops/{moving['id']}/move", json={
        "to_route_id": theirs["id"], "position": 1, "from_version": mine["version"], "to_version": theirs["version"]})
    assert moved.status_code == 200, moved.get_json()
    result = moved.get_json()
    assert result["from"]["version"] == mine["version"] + 1 and result["to"]["version"] == theirs["version"] + 1
    assert [s["id"] for s in result["to"]["stops"]][0] == moving["id"]
    assert [s["sequence"] for s in result["from"]["stops"]] == [1, 2, 3]
    # The phones read the same thing: the first driver lost the stop, the second has it first.
    first_phone = org.as_role("driver").get(f"/api/v1/driver/route?date={tomorrow().isoformat()}").get_json()
    second_phone = org.as_role("other_driver").get(f"/api/v1/driver/route?date={tomorrow().isoformat()}").get_json()
    assert moving["id"] not in [s["id"] for s in first_phone["stops"]]
    assert second_phone["stops"][0]["id"] == moving["id"]
    assert dispatcher.get(f"/api/v1/orders/{moving['order']['id']}").get_json()["status"] == "dispatched"
    events = dispatcher.get(f"/api/v1/orders/{moving['order']['id']}/events").get_json()
    assert any(e["type"] == "reassigned" for e in events)


def test_a_move_made_on_a_stale_version_is_refused_with_the_fresh_route(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher)
    ids = [s["id"] for s in mine["stops"]]
    assert dispatcher.put(f"/api/v1/routes/{mine['id']}/sequence",
                          json={"stop_ids": ids[::-1], "version": mine["version"]}).status_code == 200
    stale = dispatcher.post(f"/api/v1/stops/{ids[0]}/move", json={
        "to_route_id": theirs["id"], "from_version": mine["version"], "to_version": theirs["version"]})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "version_conflict"
    assert error["route"]["id"] == mine["id"] and error["route"]["version"] == mine["version"] + 1
    stale_target = dispatcher.post(f"/api/v1/stops/{ids[0]}/move", json={
        "to_route_id": theirs["id"], "from_version": mine["version"] + 1, "to_version": theirs["version"] - 1 or 1})
    if theirs["version"] > 1:
        assert stale_target.status_code == 409 and stale_target.get_json()["error"]["route"]["id"] == theirs["id"]
    # Nothing moved.
    assert ids[0] in [s["id"] for s in fresh(dispatcher, mine["id"])["stops"]]
    assert len(fresh(dispatcher, theirs["id"])["stops"]) == len(theirs["stops"])


def test_only_pending_stops_move_and_never_before_visited_ones(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher)
    driver = org.as_role("driver")
    arrived = action(driver, mine, "stop.arrive", mine["stops"][0])
    assert arrived.status_code == 200, arrived.get_json()
    current = fresh(dispatcher, mine["id"])
    refused = dispatcher.post(f"/api/v1/stops/{mine['stops'][0]['id']}/move", json={
        "to_route_id": theirs["id"], "from_version": current["version"], "to_version": theirs["version"]})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "stop_not_movable"
    # Onto the in-progress route, a stop cannot go before the stop the driver is at.
    before_visited = dispatcher.post(f"/api/v1/stops/{theirs['stops'][0]['id']}/move", json={
        "to_route_id": mine["id"], "position": 1, "from_version": theirs["version"], "to_version": current["version"]})
    assert before_visited.status_code == 422 and "position" in before_visited.get_json()["error"]["fields"]
    onto_itself = dispatcher.post(f"/api/v1/stops/{mine['stops'][1]['id']}/move/preview",
                                  json={"to_route_id": mine["id"]})
    assert onto_itself.status_code == 422
    # Joining a route on the road, the order goes out for delivery with it.
    joined = dispatcher.post(f"/api/v1/stops/{theirs['stops'][0]['id']}/move", json={
        "to_route_id": mine["id"], "position": 2, "from_version": theirs["version"], "to_version": current["version"]})
    assert joined.status_code == 200, joined.get_json()
    assert [s["id"] for s in joined.get_json()["to"]["stops"]][1] == theirs["stops"][0]["id"]
    assert dispatcher.get(f"/api/v1/orders/{theirs['stops'][0]['order']['id']}").get_json()["status"] == \
        "out_for_delivery"


def test_a_move_that_breaks_a_window_is_shown_before_confirming(org, dispatcher):
    day = tomorrow()
    ids = make_orders(dispatcher, 3)
    # A tight early window: in last place on a route with three later stops, it is missed.
    early = datetime.combine(day, time(8, 0), TZ)
    created = dispatcher.post("/api/v1/orders", json=order_payload(
        "TIGHT-1", parcels=["TIGHT-1-P1"],
        time_windows=[{"start": early.isoformat(), "end": (early + timedelta(minutes=40)).isoformat()}]))
    assert created.status_code == 201, created.get_json()
    tight = created.get_json()["id"]
    mine = make_route(dispatcher, org, [tight], publish=True)
    theirs = make_route(dispatcher, org, ids, publish=True, driver_id=org.other_driver_id)
    preview = dispatcher.post(f"/api/v1/stops/{mine['stops'][0]['id']}/move/preview",
                              json={"to_route_id": theirs["id"]}).get_json()
    causes = {(v["stop_id"], v["cause"]) for v in preview["new_violations"]}
    assert (mine["stops"][0]["id"], "delay") in causes, preview["new_violations"]


def test_an_urgent_order_is_suggested_into_the_best_route_and_inserted_on_confirmation(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher, 3, 3)
    urgent = make_orders(dispatcher, 1, prefix="URGENT")[0]
    suggestion = dispatcher.post(f"/api/v1/orders/{urgent}/insertion")
    assert suggestion.status_code == 200, suggestion.get_json()
    body = suggestion.get_json()
    assert body["route_id"] in (mine["id"], theirs["id"]) and body["position"] >= 1
    assert urgent in [s["order_id"] for s in body["preview"]["stops"]]
    assert fresh(dispatcher, body["route_id"])["version"] == body["version"], "a suggestion saves nothing"

    inserted = dispatcher.post(f"/api/v1/routes/{body['route_id']}/stops",
                               json={"order_id": urgent, "position": body["position"], "version": body["version"]})
    assert inserted.status_code == 201, inserted.get_json()
    route = inserted.get_json()
    assert route["version"] == body["version"] + 1
    assert route["stops"][body["position"] - 1]["order"]["id"] == urgent
    assert dispatcher.get(f"/api/v1/orders/{urgent}").get_json()["status"] == "dispatched"
    again = dispatcher.post(f"/api/v1/orders/{urgent}/insertion")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_plannable"
    stale = dispatcher.post(f"/api/v1/routes/{body['route_id']}/stops",
                            json={"order_id": make_orders(dispatcher, 1, prefix="LATE")[0], "version": body["version"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["route"]["version"] == body["version"] + 1


def test_a_broken_down_drivers_stops_are_redistributed_on_confirmation(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher, 3, 2)
    suggestion = dispatcher.post(f"/api/v1/routes/{mine['id']}/redistribution")
    assert suggestion.status_code == 200, suggestion.get_json()
    plan = suggestion.get_json()
    assert {m["stop_id"] for m in plan["moves"]} | {u["stop_id"] for u in plan["unassigned"]} == \
        {s["id"] for s in mine["stops"]}
    assert plan["moves"], plan
    assert all(m["to_route_id"] == theirs["id"] for m in plan["moves"])
    applied = dispatcher.post(f"/api/v1/routes/{mine['id']}/redistribute",
                              json={"moves": [{k: m[k] for k in ("stop_id", "to_route_id", "position")}
                                              for m in plan["moves"]], "versions": plan["versions"]})
    assert applied.status_code == 200, applied.get_json()
    routes = {r["id"]: r for r in applied.get_json()["routes"]}
    assert len(routes[mine["id"]]["stops"]) == len(plan["unassigned"])
    assert len(routes[theirs["id"]]["stops"]) == 2 + len(plan["moves"])
    assert routes[mine["id"]]["version"] == mine["version"] + 1
    assert routes[theirs["id"]]["version"] == theirs["version"] + 1
    # The same plan again is stale: refused, nothing applied twice.
    again = dispatcher.post(f"/api/v1/routes/{mine['id']}/redistribute",
                            json={"moves": [{k: m[k] for k in ("stop_id", "to_route_id", "position")}
                                            for m in plan["moves"]], "versions": plan["versions"]})
    assert again.status_code in (409, 422)
    missing_version = dispatcher.post(f"/api/v1/routes/{theirs['id']}/redistribute", json={
        "moves": [{"stop_id": theirs["stops"][0]["id"], "to_route_id": mine["id"]}],
        "versions": [{"route_id": theirs["id"], "version": routes[theirs["id"]]["version"]}]})
    assert missing_version.status_code == 422 and "versions" in missing_version.get_json()["error"]["fields"]


def test_reoptimizing_suggests_an_order_of_the_remaining_stops_that_the_sequence_endpoint_accepts(org, dispatcher):
    ids = make_orders(dispatcher, 5)
    route = make_route(dispatcher, org, ids[::-1], publish=True)
    suggestion = dispatcher.post(f"/api/v1/routes/{route['id']}/reoptimization")
    assert suggestion.status_code == 200, suggestion.get_json()
    body = suggestion.get_json()
    assert sorted(body["stop_ids"]) == sorted(s["id"] for s in route["stops"])
    # Reversed, the windows (9:00, 10:00, ... 13:00) are missed; the suggestion keeps every one of them.
    current = dispatcher.post(f"/api/v1/routes/{route['id']}/sequence/preview",
                              json={"stop_ids": [s["id"] for s in route["stops"]]}).get_json()
    assert any(s["violations"] for s in current["stops"])
    assert not any(s["violations"] for s in body["preview"]["stops"]) and body["new_violations"] == []
    saved = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence",
                           json={"stop_ids": body["stop_ids"], "version": body["version"]})
    assert saved.status_code == 200, saved.get_json()
    assert [s["id"] for s in saved.get_json()["stops"]] == body["stop_ids"]
    short = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="ONE"), driver_id=org.other_driver_id)
    nothing = dispatcher.post(f"/api/v1/routes/{short['id']}/reoptimization")
    assert nothing.status_code == 422 and nothing.get_json()["error"]["code"] == "nothing_to_optimize"


def test_proofs_of_delivery_with_photos_and_the_distance_from_the_address(org, other_org, dispatcher):
    ids = make_orders(dispatcher, 1)
    route = make_route(dispatcher, org, ids, publish=True)
    driver = org.as_role("driver")
    photo = driver.post("/api/v1/driver/uploads", data={
        "file": (io.BytesIO(JPEG), "photo.jpg"), "kind": "photo", "idempotency_key": uuid.uuid4().hex,
        "captured_at": datetime.now(timezone.utc).isoformat(), "lat": "45.5263", "lon": "-73.5853"},
        content_type="multipart/form-data").get_json()["id"]
    stop = route["stops"][0]
    body = {"idempotency_key": uuid.uuid4().hex, "type": "stop.complete", "route_id": route["id"],
            "stop_id": stop["id"], "at": datetime.now(timezone.utc).isoformat(), "lat": stop["order"]["lat"] + 0.001,
            "lon": stop["order"]["lon"], "data": {"recipient_name": "Camille", "photo_ids": [photo]}}
    assert driver.post("/api/v1/driver/actions", json=body).status_code == 200
    proofs = dispatcher.get(f"/api/v1/orders/{ids[0]}/proofs")
    assert proofs.status_code == 200, proofs.get_json()
    [proof] = proofs.get_json()
    assert proof["outcome"] == "delivered" and proof["recipient_name"] == "Camille"
    assert proof["distance_from_address_m"] == pytest.approx(111, abs=2)  # 0.001° of latitude
    assert proof["photos"][0]["id"] == photo and proof["photos"][0]["lat"] == pytest.approx(45.5263)
    downloaded = dispatcher.get(proof["photos"][0]["url"])
    # The stored photo is the upload drawn again (backend/pod/images.py): the same picture, new bytes.
    assert downloaded.status_code == 200 and Image.open(io.BytesIO(downloaded.data)).size == (1, 1)
    assert downloaded.headers["Content-Type"] == "image/jpeg"
    assert other_org.as_role("dispatcher").get(proof["photos"][0]["url"]).status_code == 404
    assert dispatcher.get("/api/v1/files/..%2F..%2Fetc").status_code == 404


def test_bad_input_is_a_4xx_with_the_error_shape(org, dispatcher):
    mine, theirs = two_routes(org, dispatcher, 2, 1)
    stop_id = mine["stops"][0]["id"]
    for path, body in [
        (f"/api/v1/stops/{stop_id}/move", {"to_route_id": theirs["id"]}),
        (f"/api/v1/stops/{stop_id}/move/preview", {"to_route_id": theirs["id"], "position": 99}),
        (f"/api/v1/stops/{stop_id}/move/preview", {"to_route_id": "x"}),
        (f"/api/v1/routes/{mine['id']}/redistribute", {"moves": [], "versions": []}),
        (f"/api/v1/routes/{mine['id']}/stops", {"order_id": -1, "version": 1}),
    ]:
        response = dispatcher.post(path, json=body)
        assert response.status_code == 422, (path, response.get_json())
        assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
    assert dispatcher.get("/api/v1/dispatch/board").status_code == 422
    assert dispatcher.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}&depot_id=999999").status_code == 404


def test_the_board_tells_how_late_a_route_runs_and_which_stops_are_at_risk(app, org, dispatcher):
    from backend.dispatch.models import Stop
    from backend.extensions import db

    route = make_route(dispatcher, org, make_orders(dispatcher, 3), publish=True)
    assert action(org.as_role("driver"), route, "route.start").status_code == 200
    first, second = sorted(route["stops"], key=lambda s: s["sequence"])[:2]
    with app.app_context():
        # What the ETA worker would have written: the next stop 12 minutes behind its plan, the one
        # after it past the end of its window.
        next_stop = db.session.get(Stop, first["id"])
        next_stop.eta_at = next_stop.planned_arrival_at + timedelta(minutes=12)
        late = db.session.get(Stop, second["id"])
        late.eta_at = late.order.time_windows[0].end_at + timedelta(minutes=5)
        commit()
    board = dispatcher.get(f"/api/v1/dispatch/board?date={tomorrow().isoformat()}").get_json()
    summary = board["routes"][0]["summary"]
    assert summary["delay_s"] == 12 * 60
    assert summary["at_risk"] == [{"stop_id": second["id"], "late_by_s": 300}]
    assert summary["done"] == 0 and summary["remaining"] == 3
