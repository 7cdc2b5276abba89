"""solve(): VROOM problem in, VROOM solution out.

How the time limit is spent (it covers the whole call: reading the problem and its
matrices, building the engines' models, searching, re-timing and writing the plan;
each search gets what is left once its model is built, at least MIN_SEARCH_S):

1. tasks no vehicle could ever serve (skills, capacity, unreachable windows)
   are set aside with their reason;
2. OR-Tools builds a first plan (insertion heuristics under time windows) and
   improves it with guided local search; when the problem fits PyVRP's model
   (see pyvrp_engine.can_express), PyVRP runs meanwhile on the other core;
3. for ``vehicles_then_distance``, and whenever vehicles' fixed costs exceed any
   saving another vehicle could bring (``Model.minimises_fleet``: VROOM's clients
   ask for the smallest fleet that way), OR-Tools first minimises the fleet (a big
   fixed cost per vehicle), then tries to empty one more route at a time,
   then polishes distance with that many vehicles; PyVRP minimises the fleet too;
4. every candidate plan is re-timed by our evaluator; the best feasible one
   wins (most priority served, then the objective);
5. with ``options.traffic``, the plan is re-solved with each leg's travel time
   scaled by the hour it is actually driven in, until the plan is stable;
6. days of more than ``options.decompose_above`` (default 500) stops are
   planned by parts on every core (``by_parts``): sectors for a first plan, then
   groups of routes improved in turn, in helper processes sharing the matrices.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from .errors import INTERNAL_ERROR, RoutingError
from .ortools_engine import COST_SCALE, FSS, OrToolsModel
from .output import REASON_NO_ROOM, solution_to_dict, task_alone_reason
from .problem import Model, parse_problem, steps_to_sequences
from .pyvrp_engine import FLEET_SHARE, PyVrpProcess, build_spec, can_express, distance_phase_spec, run_spec
from .by_parts import plan_by_parts
from .plan_ops import check_starting_routes
from .plans import Plan, Progress

# Above this many stops, by parts (measured on city days under load: 600 stops at 15 s, 73,134
# by parts against 78,103 for the whole-day portfolio; 300 stops: about even, the first plan later)
DEFAULT_DECOMPOSE_ABOVE = 500
TRAFFIC_STATIC_SHARE = 0.5
SHARED_PHASE_MIN_TIME = 6.0
PYVRP_RESULT_MARGIN_S = 0.25  # PyVRP stops this long before the deadline: plan transfer and comparison
PYVRP_MIN_TIME = 2.0  # below this, spawning a process costs more than it brings
PYVRP_STARTUP_S = 1.0  # spawn + imports + data transfer (~0.7 s measured on the 2-core dev machine)
PYVRP_GRACE_S = 0.1  # how long past the searches' deadline the parent still waits for PyVRP's plan
MIN_SEARCH_S = 0.1  # a search gets at least this long, even when building its model used up the time
# The searches end this long before the time limit (+ PyVRP's grace when it may run): re-timing
# the last plans and writing the output
FINISH_RESERVE_S = 0.02
FINISH_PER_TASK_S = 0.0001  # per task (re-timing a plan of 2,000 stops takes ~0.07 s)
# Small problems stop when the search has converged rather than at the time limit: after
# stall_solutions(n) solutions in a row without improvement.  On random 10-stop problems guided
# local search found its best within 100 solutions of the one before in 29 of 30 cases (every
# one of them at pyvroom's cost but one); a solution of a 10-stop search costs ~0.2 ms.
SMALL_PROBLEM_TASKS = 30


def stall_solutions(n_tasks: int) -> int:
    return max(100, 10 * n_tasks)


def default_time_limit(n_tasks: int) -> float:
    """Seconds to spend when the caller gives none: short for small days, longer for big ones."""
    if n_tasks <= 30:
        return 1.0
    if n_tasks <= 150:
        return 5.0
    if n_tasks <= 600:
        return 15.0
    return 30.0


def _check_options(model: Model):
    opts = model.options
    for key in ("balance",):
        if key in opts and not isinstance(opts[key], bool):
            raise RoutingError(f"options.{key} must be true or false")
    if "decompose_above" in opts and (not isinstance(opts["decompose_above"], int) or opts["decompose_above"] < 10):
        raise RoutingError("options.decompose_above must be an integer >= 10")


def solve(problem: dict, *, time_limit: float | None = None, seed: int | None = None,
          on_progress: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None,
          objective: str | None = None, matrix_provider=None, initial_routes: str = "check") -> dict:
    """Optimize a VROOM problem; returns a VROOM solution (raises RoutingError on bad input).

    ``objective``: "cost" (VROOM's: fixed + per-hour + per-km + per-task-hour), "vehicles_then_distance"
    (fewest vans, then shortest distance: Solomon's convention) or "co2" (cost plus
    a CO2 price per kg: ``options.co2_cost_per_kg``, vehicles' ``co2_g_per_km``);
    default: ``options.objective`` or "cost".  ``matrix_provider``: the road network
    for a problem given by coordinates (the operator's OSRM), see parse_problem.
    ``initial_routes``: vehicles' ``steps`` seed the search; "check" refuses steps that
    break a constraint, as VROOM does; "hint" only uses what fits (a driver running late).
    """
    t_load = time.monotonic()  # the time limit runs from here
    model = parse_problem(problem, objective=objective, matrix_provider=matrix_provider)
    if not model.tasks:
        raise RoutingError("No task defined.")
    _check_options(model)
    if initial_routes == "check":
        check_starting_routes(model)
    if time_limit is None:
        time_limit = float(model.options.get("time_limit", default_time_limit(len(model.tasks))))
    if not isinstance(time_limit, (int, float)) or time_limit <= 0:
        raise RoutingError("time_limit must be a positive number of seconds")
    seed = int(seed if seed is not None else model.options.get("seed", 0))
    loading_ms = int((time.monotonic() - t_load) * 1000)
    try:
        return _solve_model(model, time_limit=float(time_limit), seed=seed, on_progress=on_progress,
                            should_stop=should_stop, loading_ms=loading_ms, started=t_load)
    except RoutingError:
        raise
    except Exception as exc:  # pragma: no cover - a bug, reported with VROOM's internal code
        raise RoutingError(f"internal error: {type(exc).__name__}: {exc}", INTERNAL_ERROR) from exc


def _solve_model(model: Model, *, time_limit: float, seed: int, on_progress, should_stop, loading_ms: int,
                 hint: list | None = None, started: float | None = None) -> dict:
    t0 = time.monotonic() if started is None else started
    # the searches stop early enough to re-time their plans and write the output by t0 + time_limit
    finish = FINISH_RESERVE_S + FINISH_PER_TASK_S * len(model.tasks)
    if time_limit >= PYVRP_MIN_TIME:
        finish += PYVRP_GRACE_S
    deadline = t0 + max(time_limit - finish, min(time_limit, MIN_SEARCH_S))
    progress = Progress(on_progress, time_limit, t0)
    balance = bool(model.options.get("balance", False))

    # 1. tasks nobody can serve are out, with their reason
    impossible = {}
    for t in range(len(model.tasks)):
        if t in impossible:
            continue
        reason = task_alone_reason(model, t)
        if reason is not None:
            impossible[t] = reason
            if model.tasks[t].partner is not None:
                impossible[model.tasks[t].partner] = reason
    candidates = [t for t in range(len(model.tasks)) if t not in impossible]
    candidate_set = set(candidates)

    if hint is None and any(veh.steps for veh in model.vehicles):
        # vehicles' current steps (VROOM's initial routes) seed the search
        try:
            hint = [[x for kind, x in seq if kind == "task" and x in candidate_set] for seq in steps_to_sequences(model)]
        except RoutingError:
            hint = None

    plans: list[Plan] = []
    search_info = {"stopped": "time_limit", "solutions": 0}
    search_limit, search_deadline = time_limit, deadline
    big_day = len(candidates) > int(model.options.get("decompose_above", DEFAULT_DECOMPOSE_ABOVE))
    if model.traffic is not None and not big_day:
        # half the time for the static plan, half for re-solving with traffic (big days:
        # the whole time for the plan by parts; it is then timed with traffic, not re-solved)
        search_limit = time_limit * TRAFFIC_STATIC_SHARE
        search_deadline = time.monotonic() + (deadline - time.monotonic()) * TRAFFIC_STATIC_SHARE
    if candidates:
        plans = _search(model, candidates, time_limit=search_limit, deadline=search_deadline, seed=seed,
                        progress=progress, should_stop=should_stop, balance=balance, hint=hint, search_info=search_info)
    if not plans:
        plans = [Plan(model, [[] for _ in model.vehicles], "empty")]
    best = min(plans, key=lambda p: p.score(candidate_set))

    # 5. traffic: re-solve with the hour each leg is actually driven in
    traffic_info = None
    if model.traffic is not None and candidates:
        best, traffic_info = _traffic_iterations(model, best, candidates, deadline=deadline,
                                                 progress=progress, should_stop=should_stop, balance=balance)

    unassigned = [(t, impossible[t]) for t in sorted(impossible)]
    for t in best.dropped:
        if t not in impossible:
            unassigned.append((t, REASON_NO_ROOM))
    unassigned.sort(key=lambda x: x[0])
    progress.report(best.objective(), force=True)
    extra = {}
    summary_extra = {"engine": best.source, "search": search_info}
    if traffic_info:
        summary_extra["traffic"] = traffic_info
    out = solution_to_dict(
        model, [s for s in best.schedules], unassigned,
        computing_times={"loading": loading_ms, "solving": int((time.monotonic() - t0) * 1000) - loading_ms,
                         "routing": 0}, extra=extra)
    out["summary"].update(summary_extra)
    return out


def _search(model: Model, candidates: list, *, time_limit: float, deadline: float, seed: int, progress,
            should_stop, balance: bool, hint: list | None, search_info: dict) -> list:
    """Candidate plans from the engines; ``search_info`` learns why the main search stopped."""
    plans = []
    n = len(candidates)
    decompose_above = int(model.options.get("decompose_above", DEFAULT_DECOMPOSE_ABOVE))
    if n > decompose_above:
        # 6. big days: by parts, on every core (see by_parts)
        engine = ("pyvrp" if can_express(model, balance=balance) and model.options.get("engines", "auto") != "ortools"
                  else "ortools")
        return plan_by_parts(model, candidates, deadline=deadline, seed=seed, progress=progress, should_stop=should_stop,
                             hint=hint, engine=engine, balance=balance)
    pyvrp_job = None
    spec = {}
    use_pyvrp = (can_express(model, balance=balance) and time_limit >= PYVRP_MIN_TIME and n > SMALL_PROBLEM_TASKS
                 and model.options.get("engines", "auto") != "ortools")
    if use_pyvrp:
        # leave the parent time to collect and compare
        budget = max(0.5, time_limit - PYVRP_STARTUP_S - 0.0005 * n)
        spec = build_spec(model, candidates, COST_SCALE, budget, seed)
        # leave time after PyVRP's deadline to ship its plan back and compare plans
        spec["deadline_epoch"] = time.time() + max(0.5, deadline - time.monotonic() - PYVRP_RESULT_MARGIN_S - 0.0005 * n)
        try:
            pyvrp_job = PyVrpProcess(spec)
        except (AssertionError, OSError, RuntimeError):
            # e.g. called from a daemonic worker process, which may not have children:
            # OR-Tools alone still gives a plan.
            pyvrp_job = None

    def stopped():
        return should_stop is not None and should_stop()

    def on_solution(cost, _elapsed):
        progress.report(cost / COST_SCALE)

    # Below ~6 s PyVRP's distance phase is too short for a second seed to pay;
    # OR-Tools then keeps its core for the whole time (measured on Solomon / tests).
    shared_distance_phase = pyvrp_job is not None and spec.get("minimise_fleet") and time_limit >= SHARED_PHASE_MIN_TIME
    if deadline - time.monotonic() > 0.05 and not stopped():
        if model.minimises_fleet:
            ortools_deadline = deadline
            if shared_distance_phase:
                # OR-Tools works while PyVRP minimises the fleet; then this core joins
                # PyVRP's distance phase with another seed (see below).
                ortools_deadline = time.monotonic() + 0.2 + (spec["deadline_epoch"] - time.time()) * FLEET_SHARE
            small = n <= SMALL_PROBLEM_TASKS and pyvrp_job is None
            plans.extend(_fleet_then_distance(model, candidates, deadline=min(deadline, ortools_deadline), hint=hint,
                                              on_solution=on_solution, should_stop=should_stop, balance=balance,
                                              stall=stall_solutions(n) if small else None, search_info=search_info))
        else:
            engine = OrToolsModel(model, tasks=candidates, balance=balance)
            small = n <= SMALL_PROBLEM_TASKS and pyvrp_job is None
            result = engine.solve(time_limit=_left(deadline), hint=hint, on_solution=on_solution, should_stop=should_stop,
                                  stall_solutions=stall_solutions(n) if small else None)
            search_info.update(stopped=result.stopped, solutions=result.solutions)
            if result.objective is not None:
                plans.append(Plan(model, result.routes, "ortools", breaks=result.breaks))
    if shared_distance_phase and not stopped():
        fleet = pyvrp_job.fleet_size(timeout=max(0.0, deadline - time.monotonic() - 0.5), should_stop=should_stop)
        if fleet:
            try:
                got = run_spec(distance_phase_spec(spec, fleet, seed + 1), should_stop=should_stop)
            except Exception:  # the child's plan and OR-Tools' remain
                got = None
            if got and got.get("feasible"):
                plans.append(Plan(model, [got["routes"].get(v, []) for v in range(len(model.vehicles))], "pyvrp-seed2"))
    if pyvrp_job is not None:
        if stopped():
            pyvrp_job.stop()
        else:
            got = pyvrp_job.result(timeout=max(0.0, deadline + PYVRP_GRACE_S - time.monotonic()), should_stop=should_stop)
            if got and "routes" in got and got.get("feasible"):
                routes = [got["routes"].get(v, []) for v in range(len(model.vehicles))]
                plans.append(Plan(model, routes, "pyvrp"))
    if hint and not plans:
        plans.append(Plan(model, hint, "hint"))
    if not plans and not stopped():
        # no plan within the time (a model too big for it): the first solution, however long it takes
        engine = OrToolsModel(model, tasks=candidates, balance=balance)
        result = engine.solve(time_limit=None, should_stop=should_stop, first_solution_only=True,
                              first_solution=FSS.PATH_CHEAPEST_ARC if n > 400 else None)
        if result.objective is not None:
            plans.append(Plan(model, result.routes, "ortools-first", breaks=result.breaks))
    return plans


def _left(deadline: float) -> float:
    """Seconds for a search whose model is built: what is left, at least MIN_SEARCH_S."""
    return max(MIN_SEARCH_S, deadline - time.monotonic())


def _breaks_of(result, vehicles: list, n_vehicles: int) -> list | None:
    """An engine result's break placements (per engine vehicle) per model vehicle."""
    if not result.breaks:
        return None
    out = [None] * n_vehicles
    for k, v in enumerate(vehicles):
        out[v] = result.breaks[k]
    return out


def _routes_of(plan_routes: list, vehicles: list) -> list:
    return [plan_routes[v] for v in vehicles]


def _fleet_then_distance(model: Model, candidates: list, *, deadline: float, hint, on_solution, should_stop, balance,
                         stall: int | None = None, search_info: dict | None = None) -> list:
    """Hierarchical objective (fewest vehicles, then distance or cost) in three phases.

    Phase 1: big fixed cost per vehicle, guided local search.  Phase 2 (route
    elimination): forbid all but k-1 of the used vehicles, start from the
    current plan with the smallest route's stops unassigned, and accept if the
    search re-inserts them all.  Phase 3: polish distance with the fleet fixed.
    ``stall``: each phase stops once its search has converged (small problems);
    ``search_info`` learns why the last phase stopped and the solutions of all phases.
    """
    info = {"stopped": "time_limit", "solutions": 0} if search_info is None else search_info

    def count(res):
        info.update(stopped=res.stopped, solutions=info.get("solutions", 0) + res.solutions)

    plans = []
    total = max(0.1, deadline - time.monotonic())
    phase1_end = time.monotonic() + total * 0.45
    engine = OrToolsModel(model, tasks=candidates, balance=balance)
    result = engine.solve(time_limit=_left(phase1_end), hint=hint, on_solution=on_solution, should_stop=should_stop,
                          stall_solutions=stall)
    count(result)
    if result.objective is None:
        return plans
    best_routes = result.routes
    plans.append(Plan(model, best_routes, "ortools", breaks=result.breaks))
    # Phase 2: empty the shortest route while time remains.
    while time.monotonic() < deadline - total * 0.2 and not (should_stop and should_stop()):
        used = [v for v, r in enumerate(best_routes) if r]
        if len(used) <= 1:
            break
        smallest = min(used, key=lambda v: len(best_routes[v]))
        keep = [v for v in used if v != smallest]
        engine_k = OrToolsModel(model, vehicles=keep, tasks=candidates, fixed_cost_override=0.0, balance=balance)
        budget = min(total * 0.15, deadline - total * 0.2 - time.monotonic())
        if budget <= 0.05:
            break
        res = engine_k.solve(time_limit=budget, hint=_routes_of(best_routes, keep), should_stop=should_stop,
                             first_solution=FSS.PARALLEL_CHEAPEST_INSERTION, stall_solutions=stall)
        count(res)
        if res.objective is None:
            break
        # accepted only if it serves all it served before (some stops may have no room at all)
        if sum(len(r) for r in res.routes) < sum(len(r) for r in best_routes):
            break
        new_routes = [[] for _ in model.vehicles]
        for k, v in enumerate(keep):
            new_routes[v] = res.routes[k]
        best_routes = new_routes
        plans.append(Plan(model, best_routes, "ortools-elimination", breaks=_breaks_of(res, keep, len(model.vehicles))))
    # Phase 3: distance with the fleet fixed.
    used = [v for v, r in enumerate(best_routes) if r]
    if used and deadline - time.monotonic() > 0.05 and not (should_stop and should_stop()):
        engine_d = OrToolsModel(model, vehicles=used, tasks=candidates, fixed_cost_override=0.0, balance=balance)
        # its costs leave out the vehicles' fixed costs (the same for every plan of this phase):
        # progress reports them, comparable with the other phases' and the final cost
        fixed = sum(int(round(model.vehicle_fixed_cost(v) * COST_SCALE)) for v in used)
        report = None if on_solution is None else (lambda cost, elapsed: on_solution(cost + fixed, elapsed))
        res = engine_d.solve(time_limit=_left(deadline), hint=_routes_of(best_routes, used), on_solution=report,
                             should_stop=should_stop, stall_solutions=stall)
        count(res)
        if res.objective is not None:
            new_routes = [[] for _ in model.vehicles]
            for k, v in enumerate(used):
                new_routes[v] = res.routes[k]
            plans.append(Plan(model, new_routes, "ortools-distance", breaks=_breaks_of(res, used, len(model.vehicles))))
    return plans


def _traffic_iterations(model: Model, plan: Plan, candidates: list, *, deadline: float, progress, should_stop,
                        balance: bool, max_rounds: int = 3):
    """Re-solve with each node's outgoing legs scaled by the traffic factor of the
    hour the current plan leaves it, until the plan stops changing."""
    traffic = model.traffic
    current = Plan(model, plan.routes, plan.source, traffic=traffic)
    info = {"rounds": 0, "static_lateness_s": current.lateness, "static_violations": current.violations}
    for _round in range(max_rounds):
        if time.monotonic() >= deadline - 0.05 or (should_stop and should_stop()):
            break
        factors = np.ones(len(candidates) + 2 * len(model.vehicles))
        node_of = {t: i for i, t in enumerate(candidates)}
        for s in current.schedules:
            for st in s.steps:
                if st.task is not None and st.task in node_of:
                    factors[node_of[st.task]] = traffic.factor_at(st.departure)
            k = s.vehicle
            factors[len(candidates) + k] = traffic.factor_at(s.steps[0].arrival)
        round_end = time.monotonic() + (deadline - time.monotonic()) / (max_rounds - _round)
        engine = OrToolsModel(model, tasks=candidates, travel_factor_by_node=factors, balance=balance)
        res = engine.solve(time_limit=_left(round_end), hint=current.routes, should_stop=should_stop,
                           stall_solutions=stall_solutions(len(candidates)) if len(candidates) <= SMALL_PROBLEM_TASKS else None)
        info["rounds"] += 1
        if res.objective is None:
            break
        candidate = Plan(model, res.routes, current.source + "+traffic", traffic=traffic, breaks=res.breaks)
        cset = set(candidates)
        if candidate.score(cset) < current.score(cset):
            changed = candidate.routes != current.routes
            current = candidate
            if not changed:
                break
        else:
            break
    info["lateness_s"] = current.lateness
    info["violations"] = current.violations
    return current, info
