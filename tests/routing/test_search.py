"""Search control: progress reports, cancellation, the PyVRP second engine, large-day decomposition, traffic."""

import json
import random
import subprocess
import sys
import time

from backend.routing import evaluate, solve
from backend.routing.traffic import DEFAULT_HOURLY_FACTORS

from routing_helpers import ROOT, assert_feasible, matrices_for, served_ids


def random_problem(n_jobs=60, n_vehicles=6, seed=1, tw=True, capacity=15):
    rng = random.Random(seed)
    points = [(5000, 5000)] + [(rng.randint(0, 10000), rng.randint(0, 10000)) for _ in range(n_jobs)]
    jobs = []
    for i in range(1, n_jobs + 1):
        job = {"id": i, "location_index": i, "delivery": [rng.randint(1, 3)], "service": 180}
        if tw:
            start = rng.choice([8, 10, 12, 14]) * 3600
            job["time_windows"] = [[start, start + 7200]]
        jobs.append(job)
    vehicles = [{"id": v, "start_index": 0, "end_index": 0, "capacity": [capacity], "time_window": [7 * 3600, 19 * 3600]}
                for v in range(1, n_vehicles + 1)]
    return {"vehicles": vehicles, "jobs": jobs, "matrices": {"car": matrices_for(points, speed=8.0)}}


def test_progress_reports_improvements_with_fraction():
    seen = []
    problem = random_problem()
    sol = solve(problem, time_limit=1.0, on_progress=seen.append)
    assert_feasible(problem, sol)
    assert seen, "no progress reported"
    assert all(set(p) == {"best_cost", "elapsed_s", "fraction"} for p in seen)
    assert all(0.0 <= p["fraction"] <= 1.0 for p in seen)
    costs = [p["best_cost"] for p in seen]
    assert costs == sorted(costs, reverse=True)  # only improvements
    assert seen[-1]["best_cost"] == sol["summary"]["cost"]


def test_should_stop_cancels_and_returns_the_best_plan_so_far():
    problem = random_problem(n_jobs=80)
    polls = []

    def stop_soon():
        polls.append(1)
        return len(polls) > 3

    sol = solve(problem, time_limit=120.0, should_stop=stop_soon)
    assert polls, "should_stop never polled"
    assert sol["code"] == 0 and sol["summary"]["computing_times"]["solving"] < 60_000  # far from the 120 s limit
    assert_feasible(problem, sol)


def test_pyvrp_engine_runs_beside_ortools_and_the_better_plan_wins():
    problem = random_problem(n_jobs=50, seed=4, capacity=30)
    sol = solve(problem, time_limit=3.0, seed=7, objective="vehicles_then_distance")
    assert_feasible(problem, sol)
    assert sol["summary"]["engine"].split("-")[0] in ("pyvrp", "ortools")
    assert served_ids(sol) == list(range(1, 51))
    # same problem, OR-Tools only: the pair needs no more vans, and about the same distance
    # (searches under a time limit on a shared machine are not exactly repeatable)
    alone = solve(dict(problem, options={"engines": "ortools"}), time_limit=3.0, objective="vehicles_then_distance")
    assert len(sol["routes"]) <= len(alone["routes"])
    if len(sol["routes"]) == len(alone["routes"]):
        assert sol["summary"]["distance"] <= alone["summary"]["distance"] * 1.03


def test_large_days_are_decomposed_and_still_feasible():
    problem = random_problem(n_jobs=120, n_vehicles=14, seed=5, capacity=30)
    problem["options"] = {"decompose_above": 40, "engines": "ortools"}
    sol = solve(problem, time_limit=3.0)
    assert_feasible(problem, sol)
    assert len(served_ids(sol)) + len(sol["unassigned"]) == 120
    assert len(served_ids(sol)) == 120


def _traffic_factor(tz=0):
    return lambda t: DEFAULT_HOURLY_FACTORS[int(((t + tz) // 3600) % 24)]


def test_traffic_etas_use_the_hour_each_leg_is_driven():
    points = [(0, 0), (3600, 0), (7200, 0)]  # one hour per leg at 1 m/s
    problem = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [7 * 3600, 23 * 3600]}],
        "jobs": [{"id": 1, "location_index": 1, "time_windows": [[7 * 3600, 22 * 3600]]},
                 {"id": 2, "location_index": 2, "time_windows": [[7 * 3600, 22 * 3600]]}],
        "matrices": {"car": matrices_for(points)},
        "options": {"traffic": True},
    }
    sol = solve(problem, time_limit=0.5)
    assert_feasible(problem, sol, traffic_factor=_traffic_factor())
    steps = sol["routes"][0]["steps"]
    first_leg = steps[1]["arrival"] - steps[0]["arrival"]
    assert first_leg == round(3600 * DEFAULT_HOURLY_FACTORS[steps[0]["arrival"] // 3600 % 24])
    assert first_leg > 3600  # 7 o'clock rush hour


def test_traffic_aware_plan_is_on_time_where_the_static_plan_is_late():
    # Two stops with tight windows; the static plan looks fine but one leg falls in the rush hour.
    problem = random_problem(n_jobs=30, n_vehicles=4, seed=9)
    problem["options"] = {"traffic": {"hourly_factors": [1.0] * 7 + [1.8] * 3 + [1.0] * 14, "tz_offset_s": 0}}
    aware = solve(problem, time_limit=2.0)
    factors = problem["options"]["traffic"]["hourly_factors"]
    assert_feasible(problem, aware, traffic_factor=lambda t: factors[int(t // 3600 % 24)])
    # the static plan, timed under the same traffic, is never better
    static = solve(dict(problem, options={}), time_limit=2.0)
    replay = dict(problem, vehicles=[dict(v) for v in problem["vehicles"]])
    for r in static["routes"]:
        v = next(v for v in replay["vehicles"] if v["id"] == r["vehicle"])
        v["steps"] = [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in r["steps"]]
    timed = evaluate(replay)
    late = sum(v.get("duration", 0) for v in timed["summary"]["violations"] if v["cause"] == "delay")
    assert aware["summary"]["traffic"]["lateness_s"] <= late
    assert aware["summary"]["unassigned"] <= static["summary"]["unassigned"] + 2


def test_cli_solve_and_evaluate(tmp_path):
    problem = random_problem(n_jobs=12, n_vehicles=2, seed=2)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem))
    run = subprocess.run([sys.executable, "-m", "backend.routing", "solve", str(path), "--time-limit", "0.5", "--seed", "3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    sol = json.loads(run.stdout)
    assert_feasible(problem, sol)
    assert "progress:" in run.stderr
    for r in sol["routes"]:
        v = next(v for v in problem["vehicles"] if v["id"] == r["vehicle"])
        v["steps"] = [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in r["steps"]]
    path.write_text(json.dumps(problem))
    run = subprocess.run([sys.executable, "-m", "backend.routing", "evaluate", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["cost"] == sol["summary"]["cost"]


def test_cli_reports_input_errors_with_vroom_code(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"vehicles": [], "jobs": []}))
    run = subprocess.run([sys.executable, "-m", "backend.routing", "solve", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    out = json.loads(run.stdout)
    assert out["code"] == 2 and "vehicles" in out["error"]


def test_time_limit_covers_reading_building_and_writing():
    # 800 stops on custom matrices, as many vans as it takes at 40 stops each: matrices to read,
    # helper processes to start, a first plan by parts, rounds by groups of routes; all of it
    # within the limit (it used to come on top of it).  At 3 s on a loaded machine there was no
    # time left to move a stop a sector short of vans had left out: 5 s leaves a round for it.
    from benchmarks.routing.city import city_problem, strip

    problem = strip(city_problem(800, 2))
    t0 = time.monotonic()
    sol = solve(problem, time_limit=5.0)
    wall = time.monotonic() - t0
    # The margin is the work after the deadline (re-timing, output), with room for a busy CI machine;
    # the old behaviour put every model build on top of the limit.
    assert wall <= 5.0 + 0.5, wall
    assert_feasible(problem, sol)
    assert sol["summary"]["unassigned"] == 0


def test_a_limit_too_short_for_a_search_still_gives_a_first_plan():
    from benchmarks.routing.city import city_problem, strip

    problem = strip(city_problem(300, 2))
    sol = solve(problem, time_limit=0.05)
    assert_feasible(problem, sol)
    assert sol["summary"]["unassigned"] == 0  # not an empty plan


def test_a_small_problem_stops_when_its_search_has_converged(capsys):
    """10 stops answer in milliseconds: the search stops once it can no longer improve, not at the
    time limit.  The time is reported (machines differ); the guarantee tested is the work done."""
    import random

    rng = random.Random(11)
    points = [(rng.uniform(0, 10000), rng.uniform(0, 10000)) for _ in range(11)]
    durations = [[int(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 / 10) for b in points] for a in points]
    problem = {"vehicles": [{"id": v, "start_index": 0, "end_index": 0, "capacity": [6], "time_window": [0, 28800]}
                            for v in (1, 2)],
               "jobs": [{"id": j, "location_index": j, "service": 300, "delivery": [1],
                         **({"time_windows": [[3600 * (j % 4), 3600 * (j % 4 + 2)]]} if j % 2 else {})}
                        for j in range(1, 11)],
               "matrices": {"car": {"durations": durations}}}
    timings = []
    for _ in range(5):
        t0 = time.monotonic()
        sol = solve(problem)  # the default limit for 10 stops is 1 s
        timings.append(time.monotonic() - t0)
        assert sol["summary"]["search"]["stopped"] == "converged", sol["summary"]["search"]
        assert sol["summary"]["unassigned"] == 0
        assert_feasible(problem, sol)
    timings.sort()
    with capsys.disabled():
        print(f"\n10-stop solve: median {timings[2] * 1000:.0f} ms, worst {timings[-1] * 1000:.0f} ms "
              f"(stopped: converged after {sol['summary']['search']['solutions']} solutions)")
