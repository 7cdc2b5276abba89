"""Plan mode (evaluate), inserting one order into live routes, re-optimizing one driver's route."""

import random

import pytest

from backend.routing import RoutingError, evaluate, insert_job, reoptimize_route, solve

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
    # as VROOM: each cause once per step, and the route limits on every step reached beyond them
    assert job1["violations"] == [{"cause": "delay", "duration": 500 - 50}, {"cause": "max_travel_time"},
                                  {"cause": "max_distance"}]
    job2 = next(s for s in out["routes"][0]["steps"] if s.get("id") == 2)
    assert {"cause": "max_tasks"} in job2["violations"]


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


def _acceptable(base_route, route):
    """insert_job's rule: no new cause, no more violations, no more lateness (than the route had)."""
    def lateness(r):
        return sum(v.get("duration", 0) for v in r["violations"] if v["cause"] == "delay")
    causes = {v["cause"] for v in base_route["violations"]}
    return (len(route["violations"]) <= len(base_route["violations"]) and lateness(route) <= lateness(base_route)
            and all(v["cause"] in causes for v in route["violations"]))


def _brute_force_insertion(problem, job):
    """Every vehicle and position, timed by evaluate(): the cheapest acceptable (delta, vehicle, position)."""
    extended = dict(problem, jobs=problem["jobs"] + [job])
    base = evaluate(extended)
    base_routes = {r["vehicle"]: r for r in base["routes"]}
    best = None
    for veh in problem["vehicles"]:
        items = [s for s in veh["steps"] if s["type"] not in ("start", "end")]
        for pos in range(len(items) + 1):
            steps = [{"type": "start"}] + items[:pos] + [{"type": "job", "id": job["id"]}] + items[pos:] + [{"type": "end"}]
            trial = dict(extended, vehicles=[dict(v, steps=steps) if v["id"] == veh["id"] else v for v in problem["vehicles"]])
            route = next(r for r in evaluate(trial)["routes"] if r["vehicle"] == veh["id"])
            before = base_routes.get(veh["id"], {"violations": [], "cost": 0})
            if _acceptable(before, route):
                delta = route["cost"] - before["cost"]
                if best is None or delta < best[0]:
                    best = (delta, veh["id"], pos)
    return best


def _planned_problem(seed):
    """A small solved day (windows, capacity, setup, breaks, limits... as the property tests draw
    them), one planned job taken out to be inserted again; some routes shuffled (then late)."""
    from test_properties import FEATURES, build

    rng = random.Random(seed)
    features = frozenset(f for f in FEATURES if f not in ("balance", "shipments") and rng.random() < 0.5)
    problem = build(seed, rng.randint(4, 12), rng.randint(1, 3), features | {"windows"})
    sol = solve(problem, time_limit=0.2)
    for veh in problem["vehicles"]:
        route = next((r for r in sol["routes"] if r["vehicle"] == veh["id"]), None)
        steps = [] if route is None else [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in route["steps"]]
        if steps and rng.random() < 0.3:
            middle = steps[1:-1]
            rng.shuffle(middle)
            steps = [steps[0]] + middle + [steps[-1]]
        veh["steps"] = steps
    planned = [s["id"] for v in problem["vehicles"] for s in v["steps"] if s["type"] == "job"]
    taken = rng.choice(planned) if planned else problem["jobs"][0]["id"]
    job = next(j for j in problem["jobs"] if j["id"] == taken)
    problem["jobs"] = [j for j in problem["jobs"] if j["id"] != taken]
    for veh in problem["vehicles"]:
        veh["steps"] = [s for s in veh["steps"] if not (s["type"] == "job" and s["id"] == taken)]
    return problem, job


@pytest.mark.parametrize("seed", range(32))
def test_insert_job_is_the_cheapest_acceptable_position_by_brute_force(seed):
    problem, job = _planned_problem(seed)
    result = insert_job(problem, job)
    best = _brute_force_insertion(problem, job)
    if best is None:
        assert "unassigned" in result
        return
    assert "vehicle" in result, (result, best)
    assert abs(result["cost_delta"] - best[0]) <= 1  # route costs are rounded separately
    chosen = next(r for r in result["solution"]["routes"] if r["vehicle"] == result["vehicle"])
    base = next((r for r in evaluate(dict(problem, jobs=problem["jobs"] + [job]))["routes"] if r["vehicle"] == result["vehicle"]),
                {"violations": [], "cost": 0})
    assert _acceptable(base, chosen)
    # insert_job reads the matrices lazily: its plan is timed exactly as evaluate() times it
    replay = dict(problem, jobs=problem["jobs"] + [job], vehicles=[dict(v) for v in problem["vehicles"]])
    for v in replay["vehicles"]:
        route = next((r for r in result["solution"]["routes"] if r["vehicle"] == v["id"]), None)
        v["steps"] = [] if route is None else [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in route["steps"]]
    timed = evaluate(replay)
    assert timed["routes"] == result["solution"]["routes"]
    assert timed["summary"]["cost"] == result["solution"]["summary"]["cost"]


def test_insert_job_reads_custom_matrices_lazily_but_rejects_bad_entries_it_reads():
    problem = line_problem(3, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "speed_factor": 2.0,
                                         "costs": {"per_km": 100}, "steps": _steps(1, 2, 3)}])
    job = {"id": 9, "location_index": 2}
    fine = insert_job(problem, job)
    assert fine["position"] in (1, 2) and fine["cost_delta"] == 0  # next to job 2, at the same place
    problem["matrices"]["car"]["durations"][2][3] = "soon"
    try:
        insert_job(problem, job)
    except RoutingError as err:
        assert err.code == 2 and "matrices.car.durations" in str(err)
    else:
        raise AssertionError("a bad matrix entry on a route was accepted")
