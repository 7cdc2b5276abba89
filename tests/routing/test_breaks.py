"""Driver breaks: OR-Tools' plans must be feasible under VROOM's break rules, which our
evaluator (and the independent checker) apply.

Where VROOM's rules and OR-Tools' break intervals differ, each case below made OR-Tools
accept a plan that our timing then reported late (a ``delay`` past the shift's end):
* a break after the route's end (OR-Tools allows breaks before a start and after an end);
* a break while the stop's setup is done (setup, break, service: VROOM takes the break on
  arrival, before the setup);
* a break in the middle of a drive (drive, break, drive on: VROOM's van breaks where it
  is, before the drive or on arrival).
In each, the cheap van (no fixed cost) cannot serve the job with its break inside its
shift, so the job must go to the other van.
"""

from backend.routing import evaluate, solve

from routing_helpers import assert_feasible, line_problem, route_of

T = 0.5


def _two_vans(distance, tight_end, brk, **job):
    return line_problem(1, spacing=distance, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, tight_end], "breaks": [brk]},
        {"id": 2, "start_index": 0, "end_index": 0, "time_window": [0, 100_000], "costs": {"fixed": 5000},
         "breaks": [dict(brk, time_windows=[[0, 100_000]])]},
    ], **job)


def _assert_served_by_the_second_van(problem):
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert sol["summary"]["violations"] == []
    assert route_of(sol, 2) == [1] and route_of(sol, 1) == []
    return sol


def test_no_break_after_the_end_of_the_route():
    # 400 s out and back; the break may only start in [700, 900]: 800 s of driving + 300 s of
    # break do not fit in the 1000 s shift (OR-Tools put the break at 800-1100, after the end).
    _assert_served_by_the_second_van(_two_vans(400, 1000, {"id": 1, "time_windows": [[700, 900]], "service": 300}))


def test_no_break_between_setup_and_service():
    # Arrive at 100, break window opens at 150: setup (200) first and the break during it is
    # not VROOM's timing; break 150-250, setup 250-450, back at 550 > 500.
    _assert_served_by_the_second_van(_two_vans(100, 500, {"id": 1, "time_windows": [[150, 160]], "service": 100}, setup=200))


def test_no_break_in_the_middle_of_a_drive():
    # A 1000 s drive, a break that must start in [100, 200]: driving 100 s, breaking, driving
    # on is not VROOM's timing; breaking at the depot first gets back at 2200 > 2100.
    _assert_served_by_the_second_van(_two_vans(1000, 2100, {"id": 1, "time_windows": [[100, 200]], "service": 100}))


def test_break_placement_is_what_evaluate_gives_for_the_same_steps():
    problem = line_problem(4, spacing=500, service=60, setup=120, vehicles=[{
        "id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 8000],
        "breaks": [{"id": 1, "time_windows": [[900, 1300]], "service": 600},
                   {"id": 2, "time_windows": [[3000, 3600]], "service": 300}]}])
    problem["jobs"][3]["time_windows"] = [[2500, 2700]]
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    replay = dict(problem, vehicles=[dict(problem["vehicles"][0], steps=[
        {"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in sol["routes"][0]["steps"]])])
    timed = evaluate(replay)
    assert [s["arrival"] for s in timed["routes"][0]["steps"]] == [s["arrival"] for s in sol["routes"][0]["steps"]]
    assert [s["type"] for s in sol["routes"][0]["steps"]].count("break") == 2
