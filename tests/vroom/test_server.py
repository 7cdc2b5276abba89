"""`flask vroom serve` answers as vroom-express does: routes, status codes, error bodies, options, CORS, key."""
from __future__ import annotations

import json
import threading
import time

import requests

from tests.vroom.conftest import ALLOWED_ORIGIN, API_KEY, osrm_meters, post

INVALID_BODY = "Invalid JSON object in request, please add vehicles and jobs or shipments to the object body"
MATRIX = [[0, 100, 200, 300], [100, 0, 100, 200], [200, 100, 0, 100], [300, 200, 100, 0]]


def _problem(**extra):
    return {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
            "jobs": [{"id": j, "location_index": j, "service": 10} for j in (1, 2, 3)],
            "matrices": {"car": {"durations": MATRIX}}, **extra}


def test_post_solves_and_health_answers_empty(vroom_server):
    answer = post(vroom_server, _problem())
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == 0 and body["summary"]["cost"] == 600 and body["unassigned"] == []
    assert set(body["summary"]["computing_times"]) == {"loading", "solving", "routing"}
    health = requests.get(f"{vroom_server.url}/health", timeout=30)
    assert health.status_code == 200 and health.content == b""


def test_refusals_have_vroom_express_statuses_and_bodies(vroom_server):
    for raw in (b"{not json", b"[1, 2]", json.dumps({"vehicles": [{"id": 1}]})):
        answer = post(vroom_server, raw)
        assert (answer.status_code, answer.json()) == (400, {"code": 2, "error": INVALID_BODY})
    too_many = {"vehicles": [{"id": 1, "start": [2.3, 48.8]}], "jobs": [{"id": i, "location": [2.3, 48.8]}
                                                                      for i in range(1001)]}
    answer = post(vroom_server, too_many)
    assert answer.status_code == 413
    assert answer.json() == {"code": 4, "error": "Too many locations ( 1001 ) in query, maximum is set to 1000"}
    # input errors found by the solver: 400 with VROOM's code 2 and the reason
    answer = post(vroom_server, _problem(jobs=[{"id": -1, "location_index": 1}]))
    assert (answer.status_code, answer.json()) == (400, {"code": 2, "error": "Invalid or missing id for job."})


def test_a_url_in_the_request_is_never_fetched(vroom_server, osrm):
    before = len(osrm.requests)
    problem = {"vehicles": [{"id": 1, "start": [2.30, 48.85]}], "jobs": [{"id": 1, "location": [2.31, 48.85]}],
               "options": {"osrm_url": osrm.url}}
    answer = post(vroom_server, problem)
    assert answer.status_code == 400 and answer.json()["code"] == 2 and "osrm_url" in answer.json()["error"]
    assert len(osrm.requests) == before


def test_routing_error_is_a_500_with_code_3(tmp_path_factory):
    from tests.vroom.conftest import _serve

    # a road network that does not answer: VROOM's routing error, which vroom-express serves as 500
    from tests.servers import free_port

    env = {"OSRM_URL": f"http://127.0.0.1:{free_port()}", "OUTBOUND_ALLOW_HTTP": "true",
           "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1", "VROOM_WORKERS": "1"}
    with _serve(tmp_path_factory, env) as server:
        problem = {"vehicles": [{"id": 1, "start": [2.30, 48.85]}], "jobs": [{"id": 1, "location": [2.31, 48.85]}]}
        answer = post(server, problem)
        assert answer.status_code == 500
        assert answer.json()["code"] == 3 and "OSRM" in answer.json()["error"]


def test_option_c_times_the_given_route_instead_of_optimizing(vroom_server):
    problem = _problem()
    problem["vehicles"][0]["steps"] = [{"type": "start"}, {"type": "job", "id": 3}, {"type": "job", "id": 1},
                                       {"type": "job", "id": 2}, {"type": "end"}]
    problem["jobs"][0]["time_windows"] = [[0, 150]]
    solved = post(vroom_server, {**problem, "vehicles": [{"id": 1, "start_index": 0, "end_index": 0}]}).json()
    assert [s.get("id") for s in solved["routes"][0]["steps"]][:2] == [None, 1] and solved["summary"]["violations"] == []
    # solving from that starting route: VROOM refuses it, job 1 would be late
    refused = post(vroom_server, problem)
    assert (refused.status_code, refused.json()) == (400, {"code": 2, "error": "Infeasible route for vehicle 1."})
    planned = post(vroom_server, {**problem, "options": {"c": True}}).json()
    assert [s.get("id") for s in planned["routes"][0]["steps"]] == [None, 3, 1, 2, None]
    assert planned["summary"]["violations"] == [{"cause": "delay", "duration": 300 + 10 + 200 - 150}]
    # vroom-express reads options with JavaScript's Boolean(): 0 is false
    assert post(vroom_server, {**problem, "options": {"c": 0}}).status_code == 400


def test_option_l_bounds_the_search(vroom_server):
    import random

    rng = random.Random(3)
    points = [(rng.uniform(0, 20000), rng.uniform(0, 20000)) for _ in range(121)]
    durations = [[int(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5) for b in points] for a in points]
    problem = {"vehicles": [{"id": v, "start_index": 0, "end_index": 0, "capacity": [30]} for v in range(5)],
               "jobs": [{"id": j, "location_index": j, "delivery": [1]} for j in range(1, 121)],
               "matrices": {"car": {"durations": durations}}, "options": {"l": 0.5}}
    started = time.monotonic()
    answer = post(vroom_server, problem)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200 and answer.json()["summary"]["unassigned"] == 0
    assert elapsed < 0.5 + 2.0, elapsed  # the default for 120 tasks is 5 s: the option was read


def test_health_and_small_solves_answer_while_a_long_solve_runs(vroom_server):
    """Solving never blocks the server: it runs in worker processes, not on a web thread."""
    import random

    rng = random.Random(5)
    points = [(rng.uniform(0, 20000), rng.uniform(0, 20000)) for _ in range(201)]
    durations = [[int(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5) for b in points] for a in points]
    long_problem = {"vehicles": [{"id": v, "start_index": 0, "end_index": 0} for v in range(4)],
                    "jobs": [{"id": j, "location_index": j} for j in range(1, 201)],
                    "matrices": {"car": {"durations": durations}}, "options": {"l": 4}}
    results = {}
    worker = threading.Thread(target=lambda: results.setdefault("long", post(vroom_server, long_problem)))
    worker.start()
    time.sleep(1.0)
    started = time.monotonic()
    health = requests.get(f"{vroom_server.url}/health", timeout=30)
    small = post(vroom_server, _problem())
    waited = time.monotonic() - started
    worker.join()
    assert health.status_code == 200 and small.status_code == 200
    assert results["long"].status_code == 200
    assert waited < 2.5, waited  # a second worker process answered; the long solve had 3 s to go


def test_cors_as_vroom_express_by_default(vroom_server):
    answer = post(vroom_server, _problem(), headers={"Origin": "https://anywhere.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Headers"] == "Origin, X-Requested-With, Content-Type, Accept"
    preflight = requests.options(f"{vroom_server.url}/", headers={
        "Origin": "https://anywhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert preflight.status_code in (200, 204) and preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_api_key_and_allowed_origin_by_setting(configured_server):
    plain = post(configured_server, _problem())
    assert plain.status_code == 401 and plain.json()["code"] == 2
    assert plain.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = post(configured_server, _problem(), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    for headers in ({"Authorization": f"Bearer {API_KEY}"}, {"X-Api-Key": API_KEY}):
        assert post(configured_server, _problem(), headers=headers).status_code == 200
    # not in the query string: it would be written to every access log
    assert post(configured_server, _problem(), params={"api_key": API_KEY}).status_code == 401
    # the health check stays open to load balancers
    assert requests.get(f"{configured_server.url}/health", timeout=30).status_code == 200
    allowed = post(configured_server, _problem(), headers={"X-Api-Key": API_KEY, "Origin": ALLOWED_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "X-Api-Key" in allowed.headers["Access-Control-Allow-Headers"]
    other = post(configured_server, _problem(), headers={"X-Api-Key": API_KEY, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_limits_by_setting(configured_server):
    key = {"X-Api-Key": API_KEY}
    seven = _problem(jobs=[{"id": j, "location_index": 1} for j in range(7)])
    answer = post(configured_server, seven, headers=key)
    assert (answer.status_code, answer.json()["code"]) == (413, 4)
    three_vans = _problem(vehicles=[{"id": v, "start_index": 0} for v in range(3)])
    answer = post(configured_server, three_vans, headers=key)
    assert answer.status_code == 413
    assert answer.json() == {"code": 4, "error": "Too many vehicles ( 3 ) in query, maximum is set to 2"}
    huge = b'{"vehicles": [], "jobs": [], "padding": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    answer = post(configured_server, huge, headers=key)
    assert (answer.status_code, answer.json()["code"]) == (413, 4)


def test_option_g_adds_road_geometry_and_distances(configured_server, osrm):
    depot, stops = [2.30, 48.85], [[2.31, 48.85], [2.31, 48.86]]
    problem = {"vehicles": [{"id": 1, "start": depot, "end": depot}],
               "jobs": [{"id": i + 1, "location": place} for i, place in enumerate(stops)], "options": {"g": True}}
    body = post(configured_server, problem, headers={"X-Api-Key": API_KEY}).json()
    assert body["code"] == 0
    route = body["routes"][0]
    from tests.vroom.conftest import encode_polyline

    path = [s["location"] for s in route["steps"]]
    assert route["geometry"] == encode_polyline(path)
    legs = [round(osrm_meters(a, b)) for a, b in zip(path, path[1:])]
    assert [s["distance"] for s in route["steps"]] == [0] + [sum(legs[:i + 1]) for i in range(len(legs))]
    assert route["distance"] == sum(legs) == body["summary"]["distance"]
    assert body["summary"]["computing_times"]["routing"] >= 0
    assert any(r["path"].startswith("/route/v1/car/") for r in osrm.requests)


def test_option_g_refused_with_the_reason_when_it_cannot_be_met(vroom_server):
    answer = post(vroom_server, _problem(options={"g": True}))  # indices, no coordinates
    assert (answer.status_code, answer.json()) == (400, {"code": 2, "error": "Route geometry request with missing coordinates."})
    with_coords = {"vehicles": [{"id": 1, "start": [2.30, 48.85]}], "jobs": [{"id": 1, "location": [2.31, 48.85]}],
                   "options": {"g": True}}
    answer = post(vroom_server, with_coords)  # this server has no road network
    assert answer.status_code == 400 and "OSRM_URL" in answer.json()["error"]
