"""The app's /api/v1/vroom answers a logged-in user as `flask vroom serve` answers anyone: same codes and bodies."""
from __future__ import annotations

INVALID_BODY = "Invalid JSON object in request, please add vehicles and jobs or shipments to the object body"
MATRIX = [[0, 100, 200], [100, 0, 100], [200, 100, 0]]


def _problem(**extra):
    return {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
            "jobs": [{"id": 1, "location_index": 1}, {"id": 2, "location_index": 2}],
            "matrices": {"car": {"durations": MATRIX}}, **extra}


def test_vroom_endpoint_speaks_vroom_express(app, org, dispatcher, job_worker):
    solved = dispatcher.post("/api/v1/vroom", json=_problem())
    assert solved.status_code == 200 and solved.get_json()["code"] == 0
    assert solved.get_json()["summary"]["cost"] == 400
    assert "distance" not in solved.get_json()["summary"]  # no distances given: VROOM leaves it out

    refused = dispatcher.post("/api/v1/vroom", data=b"{nope", headers={"Content-Type": "application/json"})
    assert (refused.status_code, refused.get_json()) == (400, {"code": 2, "error": INVALID_BODY})
    no_task = dispatcher.post("/api/v1/vroom", json=_problem(jobs=[]))
    assert (no_task.status_code, no_task.get_json()) == (400, {"code": 2, "error": "No task defined."})

    planned = dispatcher.post("/api/v1/vroom", json=_problem(
        vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "steps": [
            {"type": "start"}, {"type": "job", "id": 2}, {"type": "job", "id": 1}, {"type": "end"}]}],
        options={"c": True}))
    assert [s.get("id") for s in planned.get_json()["routes"][0]["steps"]] == [None, 2, 1, None]

    health = dispatcher.get("/api/v1/vroom/health")
    assert health.status_code == 200 and health.data == b""


def test_vroom_endpoint_limits_and_roles(app, org, dispatcher):
    app.config["VROOM_MAX_LOCATIONS"] = 1
    too_many = dispatcher.post("/api/v1/vroom", json=_problem())
    assert too_many.status_code == 413
    assert too_many.get_json() == {"code": 4, "error": "Too many locations ( 2 ) in query, maximum is set to 1"}
    assert org.as_role("driver").post("/api/v1/vroom", json=_problem()).status_code == 403
    assert org.as_role("anonymous").post("/api/v1/vroom", json=_problem()).status_code == 401


def test_routing_error_is_a_500_with_code_3(app, org, dispatcher, job_worker):
    from tests.servers import free_port

    # the app's road network does not answer: VROOM's code 3, served as 500 like vroom-express
    app.config.update(OSRM_URL=f"http://127.0.0.1:{free_port()}", OUTBOUND_ALLOW_HTTP=True,
                      OUTBOUND_ALLOWED_NETWORKS="127.0.0.1")
    problem = {"vehicles": [{"id": 1, "start": [2.30, 48.85]}], "jobs": [{"id": 1, "location": [2.31, 48.85]}]}
    answer = dispatcher.post("/api/v1/vroom", json=problem)
    assert answer.status_code == 500 and answer.get_json()["code"] == 3
