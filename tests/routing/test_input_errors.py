"""Malformed or contradictory problems raise RoutingError(code 2) saying why."""

import copy

import pytest

from backend.routing import RoutingError, evaluate, solve

from routing_helpers import line_problem


def _solve_error(problem, **kw) -> RoutingError:
    with pytest.raises(RoutingError) as info:
        solve(problem, time_limit=0.2, **kw)
    assert info.value.code == 2
    return info.value


def _broken(mutate):
    problem = line_problem(2)
    mutate(problem)
    return problem


@pytest.mark.parametrize("mutate, words", [
    (lambda p: p["jobs"][0].update(location_index=9), "outside the 3x3 matrix"),
    (lambda p: p["jobs"][0].update(time_windows=[[500, 100]]), "starts after it ends"),
    (lambda p: p["jobs"][0].update(time_windows=[[0, 100], [50, 200]]), "overlap"),
    (lambda p: p["jobs"][1].update(id=1), "duplicate job id 1"),
    (lambda p: p.update(vehicles=[]), "non-empty 'vehicles'"),
    (lambda p: p["jobs"][0].update(service=-5), "service must be >= 0"),
    (lambda p: p["jobs"][0].update(priority=101), "priority"),
    (lambda p: p["jobs"][0].pop("location_index"), "needs location_index"),
    (lambda p: p["matrices"]["car"].update(durations=[[0, 1], [1, 0]]), "size differs"),
    (lambda p: p["matrices"]["car"].update(durations=[[0, 1, 2], [1, 0]]), "square matrix"),
    (lambda p: p["vehicles"][0].update(capacity=[5], id=3) or p["jobs"][0].update(delivery=[1, 1]), "2 dimensions"),
    (lambda p: p["vehicles"][0].update(profile="bike"), "no 'durations' for profile 'bike'"),
    (lambda p: p["vehicles"][0].update(time_window=[10]), "pair"),
    (lambda p: p["jobs"][0].update(skills="fragile"), "skills must be a list"),
    (lambda p: p["vehicles"][0].update(costs={"per_km": "cheap"}), "per_km must be a number"),
    (lambda p: p.update(options={"objective": "fastest"}), "unknown objective"),
    (lambda p: p.update(jobs=[{"id": 5, "location": [2.35, 48.85]}], matrices={}), "has start_index but the problem has no matrices"),
])
def test_malformed_problem_is_an_input_error(mutate, words):
    assert words in _solve_error(_broken(mutate)).message


def test_coordinates_must_be_lon_lat():
    problem = {"vehicles": [{"id": 1, "start": [2.35, 48.85]}], "jobs": [{"id": 1, "location": [48.85, 200.0]}]}
    assert "[lon, lat]" in _solve_error(problem).message


def test_not_a_dict_and_bad_time_limit():
    _solve_error([1, 2, 3])
    with pytest.raises(RoutingError) as info:
        solve(line_problem(1), time_limit=-1)
    assert info.value.code == 2 and "time_limit" in info.value.message


def test_error_output_follows_vroom():
    err = RoutingError("bad thing")
    assert err.to_output() == {"code": 2, "error": "bad thing"}


def test_evaluate_rejects_steps_with_unknown_jobs():
    problem = line_problem(2)
    problem["vehicles"][0]["steps"] = [{"type": "start"}, {"type": "job", "id": 42}, {"type": "end"}]
    with pytest.raises(RoutingError) as info:
        evaluate(problem)
    assert info.value.code == 2 and info.value.message == "Invalid job id 42 for vehicle 1."


def test_evaluate_rejects_a_job_planned_twice():
    problem = line_problem(2, vehicles=[{"id": 1, "start_index": 0}, {"id": 2, "start_index": 0}])
    for v in problem["vehicles"]:
        v["steps"] = [{"type": "job", "id": 1}]
    with pytest.raises(RoutingError, match="Duplicate job id 1 in input steps for vehicle 2"):
        evaluate(problem)


def test_input_is_not_modified():
    problem = line_problem(3, delivery=[1], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [3]}])
    before = copy.deepcopy(problem)
    solve(problem, time_limit=0.2)
    assert problem == before
