"""Property tests: whatever the mix of constraints, solve returns a plan the independent
checker accepts, and evaluate() re-times that plan to the same ETAs."""

import random

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backend.routing import evaluate, solve

from routing_helpers import assert_feasible, matrices_for


def build(seed: int, n_jobs: int, n_vehicles: int, features: frozenset) -> dict:
    rng = random.Random(seed)
    points = [(rng.randint(0, 3000), rng.randint(0, 3000)) for _ in range(n_jobs + 2 * n_vehicles + 1)]
    jobs = []
    for i in range(1, n_jobs + 1):
        job = {"id": i, "location_index": rng.randrange(len(points)), "service": rng.choice([0, 60, 300])}
        if "capacity" in features:
            job["delivery"] = [rng.randint(0, 4), rng.randint(0, 2)]
            if rng.random() < 0.3:
                job["pickup"] = [rng.randint(0, 3), 0]
        if "windows" in features and rng.random() < 0.7:
            a = rng.randint(0, 8000)
            job["time_windows"] = [[a, a + rng.randint(300, 3000)]]
            if rng.random() < 0.3:
                job["time_windows"].append([a + 5000, a + 9000])
        if "setup" in features:
            job["setup"] = rng.choice([0, 120])
        if "skills" in features and rng.random() < 0.3:
            job["skills"] = [rng.randint(1, 2)]
        if "priority" in features:
            job["priority"] = rng.randint(0, 100)
        jobs.append(job)
    vehicles = []
    for v in range(1, n_vehicles + 1):
        veh = {"id": v, "time_window": [0, rng.choice([6000, 12000, 20000])]}
        if not ("open" in features and rng.random() < 0.4):
            veh["start_index"] = 0
        if not ("open" in features and rng.random() < 0.4) or "start_index" not in veh:
            veh["end_index"] = rng.choice([0, len(points) - v])
        if "capacity" in features:
            veh["capacity"] = [rng.randint(5, 15), rng.randint(2, 6)]
        if "skills" in features:
            veh["skills"] = rng.sample([1, 2], rng.randint(0, 2))
        if "breaks" in features:
            a = rng.randint(1000, 5000)
            veh["breaks"] = [{"id": 1, "time_windows": [[a, a + 1500]], "service": 300}]
        if "limits" in features:
            veh["max_tasks"] = rng.randint(1, 6)
            veh["max_distance"] = rng.randint(3000, 15000)
            veh["max_travel_time"] = rng.randint(3000, 15000)
        if "costs" in features:
            veh["costs"] = {"fixed": rng.randint(0, 3000), "per_hour": rng.randint(0, 7200), "per_km": rng.randint(0, 500)}
        vehicles.append(veh)
    problem = {"vehicles": vehicles, "jobs": jobs, "matrices": {"car": matrices_for(points)}}
    if "shipments" in features:
        amount = [1, 1] if "capacity" in features else []
        problem["shipments"] = [
            {"pickup": {"id": k, "location_index": rng.randrange(len(points)), "service": 60},
             "delivery": {"id": k, "location_index": rng.randrange(len(points)), "service": 60},
             **({"amount": amount} if amount else {})}
            for k in range(1, rng.randint(1, 3) + 1)
        ]
    if "balance" in features:
        problem["options"] = {"balance": True}
    return problem


FEATURES = ["capacity", "windows", "setup", "skills", "priority", "open", "breaks", "limits", "costs", "shipments", "balance"]


def _check(seed, n_jobs, n_vehicles, features):
    problem = build(seed, n_jobs, n_vehicles, features)
    sol = solve(problem, time_limit=0.2)
    assert_feasible(problem, sol)
    replay = dict(problem, vehicles=[dict(v) for v in problem["vehicles"]])
    for v in replay["vehicles"]:
        route = next((r for r in sol["routes"] if r["vehicle"] == v["id"]), None)
        v["steps"] = [] if route is None else [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in route["steps"]]
    timed = evaluate(replay)
    assert [[s["arrival"] for s in r["steps"]] for r in timed["routes"]] == [[s["arrival"] for s in r["steps"]] for r in sol["routes"]]
    assert timed["summary"]["cost"] == sol["summary"]["cost"]


# derandomize: the same examples on every run, so CI is repeatable; enough of them to
# meet most pairs of features.  Explicit examples: plans once re-timed past the shift.
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_jobs=st.integers(1, 12), n_vehicles=st.integers(1, 3),
       features=st.frozensets(st.sampled_from(FEATURES)))
@example(seed=7071, n_jobs=10, n_vehicles=2, features=frozenset({"breaks", "setup", "windows"}))  # break after the end
@example(seed=8118, n_jobs=1, n_vehicles=3, features=frozenset({"breaks", "capacity", "setup", "shipments", "windows"}))  # mid-drive break
@example(seed=9398, n_jobs=9, n_vehicles=1, features=frozenset({"breaks", "capacity", "priority", "setup", "skills", "windows"}))
@example(seed=7879, n_jobs=9, n_vehicles=2, features=frozenset({"breaks", "costs", "open", "setup", "skills", "windows"}))
def test_any_problem_gets_a_feasible_plan_that_evaluate_agrees_with(seed, n_jobs, n_vehicles, features):
    _check(seed, n_jobs, n_vehicles, features)


# Breaks interact with windows, setup and the shift's end: explored on their own so that
# every run meets many such combinations (1 in ~30 of these problems once failed).
@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_jobs=st.integers(1, 12), n_vehicles=st.integers(1, 3),
       features=st.frozensets(st.sampled_from(FEATURES)))
def test_problems_with_breaks_setup_and_windows(seed, n_jobs, n_vehicles, features):
    _check(seed, n_jobs, n_vehicles, features | {"breaks", "setup", "windows"})
