"""Operations on existing plans: evaluate (VROOM plan mode), insert_job, reoptimize_route."""

from __future__ import annotations

import copy
import time

from .errors import RoutingError
from .output import REASON_NO_ROOM, route_to_dict, solution_to_dict, task_alone_reason, unassigned_entry
from .problem import parse_problem, steps_to_sequences
from .schedule import BREAK, TASK, schedule_route

REASON_NOT_PLANNED = "not_planned"  # evaluate(): the task is in no vehicle's steps


def _step_constraints(veh) -> dict:
    """Plan mode: service_at / service_after / service_before of each step, keyed by item position."""
    out = {}
    pos = 0
    for step in veh.steps or []:
        if step.get("type") in ("start", "end"):
            continue
        bounds = {k: step[k] for k in ("service_at", "service_after", "service_before") if k in step}
        for k, value in bounds.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RoutingError(f"vehicle {veh.id} step {k} must be a non-negative integer")
        if bounds:
            out[pos] = bounds
        pos += 1
    return out


def _timed(model, v, items, constraints=None):
    """Schedule a fixed sequence, leaving the start late enough to avoid waiting at the first stop."""
    first = schedule_route(model, v, items, traffic=model.traffic, step_constraints=constraints)
    if items and items[0][0] == TASK and len(first.steps) > 2 and first.steps[1].waiting_time > 0:
        later = schedule_route(model, v, items, traffic=model.traffic, step_constraints=constraints,
                               start_time=first.steps[0].arrival + first.steps[1].waiting_time)
        if (later.n_violations, later.lateness) <= (first.n_violations, first.lateness):
            return later
    return first


def evaluate(problem: dict) -> dict:
    """VROOM plan mode: each vehicle's ``steps`` is a fixed sequence; returns ETAs,
    waiting times and the violations of every step and route (nothing is re-ordered)."""
    t0 = time.monotonic()
    model = parse_problem(problem, require_steps=True)
    sequences = steps_to_sequences(model)
    schedules = []
    planned = set()
    for v, items in enumerate(sequences):
        planned.update(x for kind, x in items if kind == TASK)
        schedules.append(_timed(model, v, items, _step_constraints(model.vehicles[v])))
    unassigned = [(t, REASON_NOT_PLANNED) for t in range(len(model.tasks)) if t not in planned]
    return solution_to_dict(model, schedules, unassigned, computing_times={"loading": 0, "solving": int((time.monotonic() - t0) * 1000)})


def insert_job(problem: dict, job: dict) -> dict:
    """Cheapest feasible insertion of one new ``job`` into the current routes (vehicles' ``steps``).

    Routes are not re-ordered: the job goes where it adds the least cost without
    creating a violation the route did not have.  Returns ``{"vehicle", "position",
    "cost_delta", "solution"}`` (position = index among the vehicle's steps after
    its start), or ``{"unassigned": {id, type, location, reason}}``.
    """
    if not isinstance(job, dict):
        raise RoutingError("job must be an object")
    extended = dict(problem)
    extended["jobs"] = list(problem.get("jobs", [])) + [job]
    model = parse_problem(extended, require_steps=True)
    new_task = model.task_index[("job", job.get("id"))]
    sequences = steps_to_sequences(model)
    task = model.tasks[new_task]

    reason = task_alone_reason(model, new_task)
    candidates = []
    baselines = {}
    for v, items in enumerate(sequences):
        veh = model.vehicles[v]
        if not model.can_serve(v, new_task):
            continue
        if veh.max_tasks is not None and sum(1 for k, _ in items if k == TASK) >= veh.max_tasks:
            continue
        cost = model.cost_matrix(v)
        # the location before/after each insertion point
        locs = [veh.start_loc] + [model.tasks[x].loc if k == TASK else None for k, x in items] + [veh.end_loc]
        # breaks stay where the van is: carry the previous location through them
        for i in range(1, len(locs) - 1):
            if locs[i] is None:
                locs[i] = locs[i - 1]
        has_tasks = any(k == TASK for k, _ in items)
        fixed = 0.0 if has_tasks else model.vehicle_fixed_cost(v)
        for pos in range(len(items) + 1):
            a, b = locs[pos], locs[pos + 1]
            detour = (cost[a, task.loc] if a is not None else 0.0) + (cost[task.loc, b] if b is not None else 0.0)
            detour -= cost[a, b] if a is not None and b is not None else 0.0
            candidates.append((float(detour) + fixed, v, pos))
    # The cost of a route is the sum of its arcs, so the detour *is* the cost
    # delta: the first feasible candidate in detour order is the cheapest.
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    for delta, v, pos in candidates:
        if v not in baselines:
            baselines[v] = _timed(model, v, sequences[v], _step_constraints(model.vehicles[v]))
        base = baselines[v]
        trial = sequences[v][:pos] + [(TASK, new_task)] + sequences[v][pos:]
        constraints = {(p + 1 if p >= pos else p): c for p, c in _step_constraints(model.vehicles[v]).items()}
        s = _timed(model, v, trial, constraints)
        if s.n_violations <= base.n_violations and s.lateness <= base.lateness and _no_new_causes(base, s):
            sequences[v] = trial
            schedules = [
                s if u == v else baselines.get(u) or _timed(model, u, items, _step_constraints(model.vehicles[u]))
                for u, items in enumerate(sequences)
            ]
            planned = {x for items in sequences for k, x in items if k == TASK}
            unassigned = [(t, REASON_NOT_PLANNED) for t in range(len(model.tasks)) if t not in planned]
            return {
                "vehicle": model.vehicles[v].id,
                "position": pos,
                "cost_delta": int(round(s.cost - base.cost)),
                "solution": solution_to_dict(model, schedules, unassigned),
            }
    return {"unassigned": unassigned_entry(model, new_task, reason or REASON_NO_ROOM)}


def _no_new_causes(base, new) -> bool:
    before = {v["cause"] for v in base.violations}
    return all(v["cause"] in before for v in new.violations)


def reoptimize_route(problem: dict, *, vehicle_id: int | None = None, time_limit: float | None = None,
                     seed: int | None = None, objective: str | None = None) -> dict:
    """Re-sequence one driver's remaining stops.

    ``problem`` holds the vehicle whose ``start`` is the driver's current position
    and whose ``time_window`` starts now, and the stops not yet done (finished
    ones removed).  Its ``steps``, if given, are the current order and seed the
    search.  With several vehicles, ``vehicle_id`` picks the one; the jobs listed
    in its steps (or all jobs when there are no steps) are re-sequenced.
    Returns a VROOM solution with one route (stops that no longer fit are
    unassigned with a reason).
    """
    from .solver import solve  # local: solver imports this module's siblings

    vehicles = problem.get("vehicles") if isinstance(problem, dict) else None
    if not isinstance(vehicles, list) or not vehicles:
        raise RoutingError("problem needs a non-empty 'vehicles' list")
    if vehicle_id is None:
        if len(vehicles) != 1:
            raise RoutingError("reoptimize_route needs one vehicle, or vehicle_id to pick one")
        vehicle = vehicles[0]
    else:
        matches = [v for v in vehicles if isinstance(v, dict) and v.get("id") == vehicle_id]
        if not matches:
            raise RoutingError(f"no vehicle with id {vehicle_id}")
        vehicle = matches[0]
    sub = dict(problem)
    sub["vehicles"] = [copy.deepcopy(vehicle)]
    if vehicle_id is not None and vehicle.get("steps"):
        ids = {(s.get("type"), s.get("id")) for s in vehicle["steps"]}
        sub["jobs"] = [j for j in problem.get("jobs", []) if ("job", j.get("id")) in ids]
        sub["shipments"] = [s for s in problem.get("shipments", []) if ("pickup", s.get("pickup", {}).get("id")) in ids]
    n_stops = len(sub.get("jobs", [])) + 2 * len(sub.get("shipments", []))
    if time_limit is None:
        time_limit = 0.3 if n_stops <= 25 else 0.6
    return solve(sub, time_limit=time_limit, seed=seed, objective=objective)
