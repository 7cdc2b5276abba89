"""Each business constraint on a small problem where it binds, checked by the independent checker."""


from backend.routing import solve

from routing_helpers import assert_feasible, line_problem, matrices_for, route_of, served_ids

T = 0.5  # seconds per solve: these problems are tiny


def test_capacity_in_several_dimensions_binds_on_the_second_one():
    # weight capacity 10 would carry all four; the 2 parcel slots allow only two per van
    problem = line_problem(4, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "capacity": [10, 2]},
        {"id": 2, "start_index": 0, "end_index": 0, "capacity": [10, 2]},
    ], delivery=[3, 1])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert served_ids(sol) == [1, 2, 3, 4]
    assert all(len(route_of(sol, v)) == 2 for v in (1, 2))


def test_capacity_leaves_what_cannot_fit_unassigned():
    problem = line_problem(4, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [10, 2]}], delivery=[3, 1])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert len(served_ids(sol)) == 2
    assert {u["reason"] for u in sol["unassigned"]} == {"no_room"}


def test_pickups_after_deliveries_when_the_van_is_full():
    # The van leaves with 2 units for the far job; collecting 2 units first (near the depot) would overload it.
    problem = line_problem(2, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [2]}])
    problem["jobs"][0]["pickup"] = [2]   # near
    problem["jobs"][1]["delivery"] = [2]  # far
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert route_of(sol, 1) == [2, 1]


def test_job_amount_exceeding_every_capacity_is_unassigned_with_reason_capacity():
    problem = line_problem(2, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [5]}], delivery=[1])
    problem["jobs"][1]["delivery"] = [6]
    sol = solve(problem, time_limit=T)
    assert sol["code"] == 0
    assert_feasible(problem, sol)
    assert sol["unassigned"] == [{"id": 2, "type": "job", "location_index": 2, "reason": "capacity"}]


def test_second_time_window_used_when_the_first_cannot_be_reached():
    problem = line_problem(1)
    problem["jobs"][0]["time_windows"] = [[0, 50], [1000, 1100]]  # 100 s away: the first window is missed
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    step = sol["routes"][0]["steps"][1]
    assert 1000 <= step["arrival"] + step["setup"] + step["waiting_time"] <= 1100


def test_time_windows_force_an_order_against_distance():
    problem = line_problem(3)
    problem["jobs"][2]["time_windows"] = [[0, 320]]  # far job first
    problem["jobs"][0]["time_windows"] = [[500, 900]]
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert route_of(sol, 1)[0] == 3


def test_setup_is_paid_once_per_place_and_service_every_time():
    problem = line_problem(2, setup=100, service=10)
    problem["jobs"][1]["location_index"] = 1  # both jobs at the same door
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    steps = [s for s in sol["routes"][0]["steps"] if s["type"] == "job"]
    assert [s["setup"] for s in steps] == [100, 0]
    assert steps[1]["arrival"] == steps[0]["arrival"] + 100 + 10
    assert sol["summary"]["setup"] == 100 and sol["summary"]["service"] == 20


def test_vehicle_shift_limits_reachable_jobs():
    problem = line_problem(4, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "time_window": [1000, 1500]}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert served_ids(sol) == [1, 2]  # job 3 is 600 s round trip
    assert sol["routes"][0]["steps"][0]["arrival"] >= 1000
    assert {(u["id"], u["reason"]) for u in sol["unassigned"]} == {(3, "time_window"), (4, "time_window")}


def test_open_end_route_stops_at_last_job():
    problem = line_problem(3, vehicles=[{"id": 1, "start_index": 0}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert sol["routes"][0]["duration"] == 300  # no drive back
    steps = sol["routes"][0]["steps"]
    # as VROOM: the end of an open route is shown at its last job's place, with no drive to it
    assert steps[-1]["location_index"] == steps[-2]["location_index"] and steps[-1]["duration"] == 300


def test_open_start_route_begins_at_first_job():
    problem = line_problem(3, vehicles=[{"id": 1, "end_index": 0}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert route_of(sol, 1) == [3, 2, 1]
    assert sol["routes"][0]["duration"] == 300


def test_driver_break_is_taken_inside_its_window():
    problem = line_problem(4, service=100, vehicles=[{
        "id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 5000],
        "breaks": [{"id": 7, "time_windows": [[300, 400]], "service": 600}]}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    brk = [s for s in sol["routes"][0]["steps"] if s["type"] == "break"]
    assert len(brk) == 1 and 300 <= brk[0]["arrival"] + brk[0]["waiting_time"] <= 400
    assert served_ids(sol) == [1, 2, 3, 4]


def test_break_max_load_puts_the_break_after_the_deliveries():
    problem = line_problem(3, delivery=[1], vehicles=[{
        "id": 1, "start_index": 0, "end_index": 0, "capacity": [5],
        "breaks": [{"id": 1, "time_windows": [[0, 100000]], "service": 60, "max_load": [0]}]}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    types = [s["type"] for s in sol["routes"][0]["steps"]]
    assert types.index("break") > max(i for i, t in enumerate(types) if t == "job")


def test_skills_send_the_job_to_the_vehicle_that_has_them():
    problem = line_problem(3, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0},
        {"id": 2, "start_index": 3, "end_index": 3, "skills": [7]},
    ])
    problem["jobs"][0]["skills"] = [7]  # next to vehicle 1's depot, but only vehicle 2 can do it
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert 1 in route_of(sol, 2)


def test_job_needing_a_skill_nobody_has_is_unassigned_with_reason_skills():
    problem = line_problem(2)
    problem["jobs"][0]["skills"] = [99]
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert [(u["id"], u["reason"]) for u in sol["unassigned"]] == [(1, "skills")]


def test_lowest_priority_is_dropped_first():
    problem = line_problem(3, delivery=[1], vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "capacity": [2]}])
    for job, prio in zip(problem["jobs"], (0, 10, 5)):
        job["priority"] = prio
    problem["jobs"][0]["location_index"] = 1  # the low-priority job is also the cheapest to serve
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert served_ids(sol) == [2, 3]
    assert sol["unassigned"][0]["id"] == 1 and sol["unassigned"][0]["reason"] == "no_room"
    assert sol["summary"]["priority"] == 15


def test_max_tasks_per_vehicle():
    problem = line_problem(4, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "max_tasks": 1},
        {"id": 2, "start_index": 0, "end_index": 0, "max_tasks": 3},
    ])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert len(route_of(sol, 1)) <= 1 and len(route_of(sol, 2)) <= 3
    assert served_ids(sol) == [1, 2, 3, 4]


def test_max_travel_time_excludes_far_jobs_but_not_service_time():
    problem = line_problem(3, service=1000, vehicles=[{"id": 1, "start_index": 0, "end_index": 0, "max_travel_time": 500}])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert served_ids(sol) == [1, 2]  # 400 s of driving; service time does not count
    assert [(u["id"], u["reason"]) for u in sol["unassigned"]] == [(3, "max_travel_time")]


def test_max_distance_per_vehicle():
    problem = line_problem(3, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "max_distance": 250},
        {"id": 2, "start_index": 0, "end_index": 0, "max_distance": 10000, "costs": {"fixed": 5000}},
    ])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert sol["routes"] and all(r["distance"] <= 250 for r in sol["routes"] if r["vehicle"] == 1)
    assert served_ids(sol) == [1, 2, 3]


def test_shipment_pickup_comes_before_its_delivery_in_the_same_van():
    points = [(0, 0), (400, 0), (100, 0)]
    problem = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [1]},
                     {"id": 2, "start_index": 0, "end_index": 0, "capacity": [1]}],
        "shipments": [
            {"pickup": {"id": 1, "location_index": 1, "service": 30}, "delivery": {"id": 1, "location_index": 2}, "amount": [1]},
            {"pickup": {"id": 2, "location_index": 2}, "delivery": {"id": 2, "location_index": 1}, "amount": [1]},
        ],
        "matrices": {"car": matrices_for(points)},
    }
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert served_ids(sol, "pickup") == [1, 2] and served_ids(sol, "delivery") == [1, 2]


def test_fixed_cost_per_vehicle_prefers_the_cheaper_van():
    problem = line_problem(3, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "costs": {"fixed": 10000}},
        {"id": 2, "start_index": 0, "end_index": 0, "costs": {"fixed": 100}},
    ])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert [r["vehicle"] for r in sol["routes"]] == [2]
    assert sol["summary"]["cost"] == 100 + 600  # fixed + 600 s driven at 3600 per hour


def test_per_km_and_per_hour_costs_choose_the_cheaper_vehicle():
    problem = line_problem(3, vehicles=[
        {"id": 1, "start_index": 0, "end_index": 0, "costs": {"per_hour": 0, "per_km": 1000}},
        {"id": 2, "start_index": 0, "end_index": 0, "costs": {"per_hour": 36, "per_km": 100}},
    ])
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert [r["vehicle"] for r in sol["routes"]] == [2]
    assert sol["routes"][0]["cost"] == round(600 * 36 / 3600 + 600 * 100 / 1000)


def test_custom_costs_matrix_is_the_travel_cost():
    problem = line_problem(2)
    n = 3
    problem["matrices"]["car"]["costs"] = [[0 if i == j else 7 for j in range(n)] for i in range(n)]
    sol = solve(problem, time_limit=T)
    assert_feasible(problem, sol)
    assert sol["summary"]["cost"] == 21


def test_balance_option_spreads_the_work():
    vehicles = [{"id": k, "start_index": 0, "end_index": 0} for k in (1, 2)]
    problem = line_problem(6, spacing=10, service=600, vehicles=vehicles)
    plain = solve(problem, time_limit=T)
    balanced_problem = dict(problem, options={"balance": True})
    balanced = solve(balanced_problem, time_limit=T)
    assert_feasible(problem, plain)
    assert_feasible(balanced_problem, balanced)

    def longest_day(sol):
        return max(r["steps"][-1]["arrival"] - r["steps"][0]["arrival"] for r in sol["routes"])

    assert len(plain["routes"]) == 1  # cheapest: one van does it all
    assert len(balanced["routes"]) == 2
    assert longest_day(balanced) < longest_day(plain)


def test_co2_objective_prefers_the_electric_van_when_costs_are_close():
    vehicles = [
        {"id": 1, "start_index": 0, "end_index": 0, "co2_g_per_km": 250, "costs": {"fixed": 0}},
        {"id": 2, "start_index": 0, "end_index": 0, "co2_g_per_km": 0, "costs": {"fixed": 50}},
    ]
    problem = line_problem(3, spacing=1000, vehicles=vehicles)
    by_cost = solve(problem, time_limit=T)
    by_co2 = solve(problem, time_limit=T, objective="co2")
    assert_feasible(problem, by_cost)
    assert_feasible(problem, by_co2)
    assert [r["vehicle"] for r in by_cost["routes"]] == [1]
    assert [r["vehicle"] for r in by_co2["routes"]] == [2]
    assert by_co2["summary"]["co2_g"] == 0


def test_vehicles_then_distance_uses_fewer_vans_even_if_longer():
    # two clusters; one van can do both within its shift, two vans would drive less
    points = [(0, 0), (1000, 0), (1010, 0), (-1000, 0), (-1010, 0)]
    problem = {
        "vehicles": [{"id": k, "start_index": 0, "end_index": 0, "time_window": [0, 10000]} for k in (1, 2)],
        "jobs": [{"id": i, "location_index": i} for i in range(1, 5)],
        "matrices": {"car": matrices_for(points)},
    }
    sol = solve(problem, time_limit=1.0, objective="vehicles_then_distance")
    assert_feasible(problem, sol)
    assert len(sol["routes"]) == 1
