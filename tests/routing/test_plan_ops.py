"""Plan mode (evaluate), inserting one order into live routes, re-optimizing one driver's route."""

import random

from backend.routing import evaluate, insert_job, reoptimize_route, solve

from routing_helpers import assert_feasible, line_problem, matrices_for, route_of


def _steps(*ids):
    return [{"type": "start"}] + [{"type": "job", "id": i} for i in ids] + [{"type": "end"}]


def test_evaluate_gives_etas_in_the_given_order():
    problem = line_problem(3, service=10)
    problem["vehicles"][0]["steps"] = _steps(3, 1, 2)  # deliberately not the best order
    out = evaluate(problem)
    assert_feasible(problem, out)
    route = out["routes"][0]
    assert [s.get("id") for s in route["steps"]] == [None, 3, 1, 2, None]
    assert [s["arrival"] for s in route["steps"]] == [0, 300, 510, 620, 830]
    assert route["duration"] == 800 and out["summary"]["service"] == 30


def test_evaluate_reports_violations_instead_of_fixing_them():
    problem = line_problem(3, delivery=[2], vehicles=[{
        "id": 1, "start_index": 0, "end_index": 0, "capacity": [4], "max_tasks": 2, "time_window": [0, 500],
        "max_travel_time": 400, "max_distance": 400, "breaks": [{"id": 1, "time_windows": [[0, 10]], "service": 5}]}])
    problem["jobs"][0]["time_windows"] = [[0, 50]]
    problem["jobs"][2]["skills"] = [3]
    problem["vehicles"][0]["steps"] = _steps(3, 1, 2)
    out = evaluate(problem)
    causes = {v["cause"] for v in out["routes"][0]["violations"]}
    assert causes == {"delay", "load", "max_tasks", "skills", "max_travel_time", "max_distance", "missing_break"}
    job1 = next(s for s in out["routes"][0]["steps"] if s.get("id") == 1)
    assert job1["violations"] == [{"cause": "delay", "duration": 500 - 50}]


def test_evaluate_reports_precedence_and_break_max_load():
    points = [(0, 0), (100, 0), (200, 0)]
    problem = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [5],
                      "breaks": [{"id": 9, "service": 10, "max_load": [0]}],
                      "steps": [{"type": "start"}, {"type": "delivery", "id": 1}, {"type": "pickup", "id": 1},
                                {"type": "break", "id": 9}, {"type": "job", "id": 2}, {"type": "end"}]}],
        "jobs": [{"id": 2, "location_index": 1, "delivery": [1]}],
        "shipments": [{"pickup": {"id": 1, "location_index": 1}, "delivery": {"id": 1, "location_index": 2}, "amount": [1]}],
        "matrices": {"car": matrices_for(points)},
    }
    out = evaluate(problem)
    causes = [v["cause"] for v in out["routes"][0]["violations"]]
    assert "precedence" in causes and "max_load" in causes


def test_evaluate_honours_service_at_and_lists_unplanned_jobs():
    problem = line_problem(3)
    problem["vehicles"][0]["steps"] = [{"type": "job", "id": 1, "service_at": 1000}, {"type": "job", "id": 2}]
    out = evaluate(problem)
    job1 = out["routes"][0]["steps"][1]
    assert job1["arrival"] + job1["waiting_time"] == 1000
    assert [(u["id"], u["reason"]) for u in out["unassigned"]] == [(3, "not_planned")]


def _city_routes(n_routes=4, per_route=6, seed=3):
    rng = random.Random(seed)
    points = [(5000, 5000)] + [(rng.randint(0, 10000), rng.randint(0, 10000)) for _ in range(n_routes * per_route + 1)]
    problem = {
        "vehicles": [{"id": v + 1, "start_index": 0, "end_index": 0, "capacity": [per_route + 1], "time_window": [0, 36000]}
                     for v in range(n_routes)],
        "jobs": [{"id": i, "location_index": i, "delivery": [1], "service": 120} for i in range(1, n_routes * per_route + 1)],
        "matrices": {"car": matrices_for(points, speed=8.0)},
    }
    planned = solve(problem, time_limit=0.5)
    for r in planned["routes"]:
        veh = next(v for v in problem["vehicles"] if v["id"] == r["vehicle"])
        veh["steps"] = [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in r["steps"]]
    return problem, len(points) - 1


def test_insert_job_finds_the_cheapest_feasible_position():
    problem, new_index = _city_routes()
    job = {"id": 999, "location_index": new_index, "delivery": [1], "service": 60}
    result = insert_job(problem, job)
    assert_feasible(dict(problem, jobs=problem["jobs"] + [job]), result["solution"])
    # brute force over every position: nothing feasible is cheaper
    best = None
    for veh in problem["vehicles"]:
        jobs_in = [s["id"] for s in veh.get("steps", []) if s["type"] == "job"]
        for pos in range(len(jobs_in) + 1):
            trial = dict(problem, jobs=problem["jobs"] + [job], vehicles=[dict(v) for v in problem["vehicles"]])
            for v in trial["vehicles"]:
                if v["id"] == veh["id"]:
                    v["steps"] = _steps(*(jobs_in[:pos] + [999] + jobs_in[pos:]))
            out = evaluate(trial)
            if not out["summary"]["violations"]:
                base = evaluate(problem)["summary"]["cost"]
                delta = out["summary"]["cost"] - base
                best = delta if best is None else min(best, delta)
    assert abs(result["cost_delta"] - best) <= 1  # rounding of route costs
    assert 999 in route_of(result["solution"], result["vehicle"])


def test_insert_job_respects_capacity_and_reports_why_not():
    problem, new_index = _city_routes(n_routes=2, per_route=3)
    for v in problem["vehicles"]:
        v["capacity"] = [len([s for s in v.get("steps", []) if s["type"] == "job"])]  # every van is full
    result = insert_job(problem, {"id": 999, "location_index": new_index, "delivery": [1]})
    assert result == {"unassigned": {"id": 999, "type": "job", "location_index": new_index, "reason": "no_room"}}
    too_big = insert_job(problem, {"id": 998, "location_index": new_index, "delivery": [50]})
    assert too_big["unassigned"]["reason"] == "capacity"


def test_insert_job_respects_time_windows():
    problem = line_problem(2, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "steps": _steps(1, 2)},
        {"id": 2, "start_index": 0, "end_index": 0, "steps": []}])
    problem["jobs"][1]["time_windows"] = [[200, 210]]
    # a stop between 1 and 2 would make job 2 late: it must go elsewhere, even at a fixed cost
    result = insert_job(problem, {"id": 3, "location_index": 1, "time_windows": [[0, 100]], "service": 50})
    assert result["vehicle"] in (1, 2)
    assert_feasible(dict(problem, jobs=problem["jobs"] + [{"id": 3, "location_index": 1, "time_windows": [[0, 100]], "service": 50}]),
                    result["solution"])


def test_reoptimize_route_resequences_from_the_drivers_position():
    points = [(300, 0), (0, 0), (100, 0), (200, 0), (400, 0), (500, 0)]  # driver is at index 0, mid-line
    problem = {
        "vehicles": [{"id": 4, "start_index": 0, "end_index": 1, "time_window": [36000, 50000],
                      "steps": _steps(11, 12, 13, 14, 15)}],  # the old order zig-zags
        "jobs": [{"id": 10 + i, "location_index": i, "service": 60} for i in range(1, 6)],
        "matrices": {"car": matrices_for(points)},
    }
    sol = reoptimize_route(problem)
    assert_feasible(problem, sol)
    order = route_of(sol, 4)
    assert set(order[:2]) == {14, 15} and order[2:] == [13, 12, 11]  # out to the far end, then home
    assert sol["routes"][0]["duration"] == 700
    assert sol["routes"][0]["steps"][0]["arrival"] >= 36000


def test_reoptimize_route_picks_one_vehicle_of_many():
    problem, _ = _city_routes(n_routes=3, per_route=5)
    vid = problem["vehicles"][1]["id"]
    sol = reoptimize_route(problem, vehicle_id=vid)
    before = sorted(s["id"] for s in problem["vehicles"][1]["steps"] if s["type"] == "job")
    assert sorted(route_of(sol, vid)) == before
    assert [r["vehicle"] for r in sol["routes"]] == [vid]
