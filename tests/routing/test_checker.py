"""The independent checker itself must catch broken plans (otherwise the other tests prove nothing)."""

import copy

from backend.routing import solve

from routing_helpers import checker, line_problem


def _solved():
    problem = line_problem(3, delivery=[1], service=60, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [3],
                                                                   "time_window": [0, 5000]}])
    problem["jobs"][2]["time_windows"] = [[0, 2000]]
    return problem, solve(problem, time_limit=0.2)


def test_checker_accepts_the_solvers_plan():
    problem, sol = _solved()
    assert checker.check_vroom_solution(problem, sol) == []


def test_checker_catches_overload_lateness_teleporting_and_missing_jobs():
    problem, sol = _solved()
    overloaded = copy.deepcopy(problem)
    overloaded["vehicles"][0]["capacity"] = [2]
    assert any("capacity" in e for e in checker.check_vroom_solution(overloaded, sol))

    late = copy.deepcopy(problem)
    late["jobs"][2]["time_windows"] = [[0, 10]]
    assert any("outside" in e for e in checker.check_vroom_solution(late, sol))

    teleport = copy.deepcopy(sol)
    teleport["routes"][0]["steps"][2]["arrival"] -= 50
    assert any("before possible" in e for e in checker.check_vroom_solution(problem, teleport))

    missing = copy.deepcopy(sol)
    missing["routes"][0]["steps"].pop(1)
    assert any("appears 0 times" in e for e in checker.check_vroom_solution(problem, missing))

    skills = copy.deepcopy(problem)
    skills["jobs"][0]["skills"] = [4]
    assert any("needs skills" in e for e in checker.check_vroom_solution(skills, sol))

    shift = copy.deepcopy(problem)
    shift["vehicles"][0]["time_window"] = [0, 100]
    assert any("after shift" in e for e in checker.check_vroom_solution(shift, sol))

    limits = copy.deepcopy(problem)
    limits["vehicles"][0].update(max_tasks=2, max_distance=10, max_travel_time=10)
    errs = checker.check_vroom_solution(limits, sol)
    assert any("max_tasks" in e for e in errs) and any("max_distance" in e for e in errs) and any("max_travel_time" in e for e in errs)


def test_checker_on_solomon_routes():
    inst = {"vehicles": 2, "capacity": 10, "x": [0, 3, 0], "y": [0, 4, 5], "demand": [0, 6, 6],
            "ready": [0, 0, 0], "due": [100, 100, 6], "service": [0, 1, 1]}
    errs, n, dist = checker.check_solomon(inst, [[1], [2]])
    assert errs == [] and n == 2 and abs(dist - 20.0) < 1e-9
    errs, _, _ = checker.check_solomon(inst, [[1, 2]])
    assert any("capacity" in e for e in errs) and any("after due" in e for e in errs)
