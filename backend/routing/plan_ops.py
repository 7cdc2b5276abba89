"""Operations on existing plans: evaluate (VROOM plan mode), insert_job, reoptimize_route."""

from __future__ import annotations

import copy
import time

from .errors import RoutingError
from .output import REASON_NO_ROOM, solution_to_dict, task_alone_reason, unassigned_entry
from .problem import LazyMatrix, parse_problem, steps_to_sequences
from .placement import best_schedule, latest_departure
from .schedule import END, START, TASK, schedule_route

REASON_NOT_PLANNED = "not_planned"  # evaluate(): the task is in no vehicle's steps


BOUND_KEYS = ("service_at", "service_after", "service_before")


def _step_constraints(veh) -> dict:
    """Plan mode: service_at / service_after / service_before of each step, keyed by item position
    (START and END for the start and end steps)."""
    out = {}
    pos = 0
    for step in veh.steps or []:
        kind = step.get("type")
        bounds = {k: step[k] for k in BOUND_KEYS if k in step}
        for k, value in bounds.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RoutingError(f"vehicle {veh.id} step {k} must be a non-negative integer")
        if kind in (START, END):
            if bounds:
                out[kind] = bounds
            continue
        if bounds:
            out[pos] = bounds
        pos += 1
    return out


def _timed(model, v, items, constraints=None, *, with_earliest: bool = False):
    """Time a fixed sequence as VROOM's plan mode does.

    The van leaves at its shift's start, or earlier when a later step's service_at /
    service_before cannot be met otherwise (the start step then shows a lead_time), or
    at the start step's own bounds; then as late as removes waiting without ending later.
    ``with_earliest``: also return the timing when leaving at that earliest departure:
    ``(schedule, earliest)``.
    """
    constraints = constraints or {}
    departure = _departure_for_deadlines(model, v, items, constraints)
    first = schedule_route(model, v, items, traffic=model.traffic, step_constraints=constraints,
                           start_time=departure)
    chosen = first
    if departure >= model.vehicles[v].time_window[0] and START not in constraints and first.waiting_time:
        later_start = latest_departure(model, v, first) if not first.infeasible else departure
        if later_start > departure:
            later = schedule_route(model, v, items, traffic=model.traffic, step_constraints=constraints,
                                   start_time=later_start)
            if (later.infeasible, later.n_violations, later.lateness, later.end_time) <= \
                    (first.infeasible, first.n_violations, first.lateness, first.end_time):
                chosen = later
    end_bounds = constraints.get(END) or {}
    arrive_by = end_bounds.get("service_at", end_bounds.get("service_after"))
    if arrive_by is not None and chosen.steps[-1].arrival < arrive_by and START not in constraints:
        # the end may not come before its bound: leave that much later rather than wait there
        shifted = schedule_route(model, v, items, traffic=model.traffic, step_constraints=constraints,
                                 start_time=chosen.steps[0].arrival + arrive_by - chosen.steps[-1].arrival)
        if (shifted.infeasible, shifted.n_violations, shifted.lateness) <= \
                (chosen.infeasible, chosen.n_violations, chosen.lateness):
            chosen = shifted
    return (chosen, first) if with_earliest else chosen


def _departure_for_deadlines(model, v, items, constraints) -> int:
    """The shift's start, or the latest departure that still meets every step's service_at /
    service_before when driving without waiting (VROOM's start candidate)."""
    veh = model.vehicles[v]
    departure = veh.time_window[0]
    elapsed, place = 0, veh.start_loc
    travel = model.travel_matrix(v)

    def deadline(key):
        bounds = constraints.get(key) or {}
        values = [bounds[k] for k in ("service_at", "service_before") if bounds.get(k) is not None]
        return min(values) if values else None

    candidates = []
    for key in [START] + list(range(len(items))) + [END]:
        if key == END:
            if place is not None and veh.end_loc is not None:
                elapsed += int(travel[place, veh.end_loc])
        elif key != START:
            kind, x = items[key]
            if kind == TASK:
                task = model.tasks[x]
                if place is not None:
                    elapsed += int(travel[place, task.loc])
        latest = deadline(key)
        if latest is not None:
            candidates.append(latest - elapsed)
        if key not in (START, END):
            kind, x = items[key]
            if kind == TASK:
                task = model.tasks[x]
                elapsed += (model.setup(x, v) if place != task.loc else 0) + model.service(x, v)
                place = task.loc
            else:
                elapsed += veh.breaks[x].service
    if candidates:
        departure = min(departure, max(0, min(candidates)))
    return departure


def evaluate(problem: dict, *, matrix_provider=None) -> dict:
    """VROOM plan mode: each vehicle's ``steps`` is a fixed sequence; returns ETAs,
    waiting times and the violations of every step and route (nothing is re-ordered).

    A route whose steps' service_at / service_after / service_before cannot all be met
    is refused, as VROOM does ("Infeasible route for vehicle ...")."""
    t0 = time.monotonic()
    model = parse_problem(problem, require_steps=True, matrix_provider=matrix_provider)
    if not model.tasks:
        raise RoutingError("No task defined.")
    loading_ms = int((time.monotonic() - t0) * 1000)
    sequences = steps_to_sequences(model)
    schedules = []
    planned = set()
    for v, items in enumerate(sequences):
        planned.update(x for kind, x in items if kind == TASK)
        timed = _timed(model, v, items, _step_constraints(model.vehicles[v]))
        if timed.infeasible and items:
            raise RoutingError(f"Infeasible route for vehicle {model.vehicles[v].id}.")
        schedules.append(timed)
    unassigned = [(t, REASON_NOT_PLANNED) for t in range(len(model.tasks)) if t not in planned]
    return solution_to_dict(model, schedules, unassigned, computing_times={
        "loading": loading_ms, "solving": int((time.monotonic() - t0) * 1000) - loading_ms, "routing": 0})


def check_starting_routes(model) -> None:
    """VROOM refuses a starting route (a vehicle's ``steps`` in solve mode) that breaks a
    constraint; its breaks are placed by the solver, only its tasks' order counts."""
    sequences = steps_to_sequences(model)
    for v, items in enumerate(sequences):
        order = [x for kind, x in items if kind == "task"]
        if not order:
            continue
        veh = model.vehicles[v]
        for t in order:
            if not model.can_serve(v, t) or task_alone_reason(model, t, vehicles=[v]) is not None:
                raise RoutingError(f"Missing skill or step out of reach for vehicle {veh.id} and "
                                   f"{model.tasks[t].kind} {model.tasks[t].id}.")
        timed = best_schedule(model, v, order)
        causes = {x["cause"] for x in timed.violations}
        for cause, message in (("load", "Route over capacity"), ("precedence", "Invalid shipment in route"),
                               ("max_travel_time", "Route over max_travel_time"),
                               ("max_distance", "Route over max_distance"), ("max_tasks", "Too many tasks")):
            if cause in causes:
                raise RoutingError(f"{message} for vehicle {veh.id}.")
        if causes:
            raise RoutingError(f"Infeasible route for vehicle {veh.id}.")


def insert_job(problem: dict, job: dict) -> dict:
    """Cheapest feasible insertion of one new ``job`` into the current routes (vehicles' ``steps``).

    Routes are not re-ordered: the job goes where it adds the least cost without
    creating a violation the route did not have.  Returns ``{"vehicle", "position",
    "cost_delta", "solution"}`` (position = index among the vehicle's steps after
    its start), or ``{"unassigned": {id, type, location, reason}}``.

    The cost of a route is the sum of its legs, so a position's detour is its cost
    delta: positions are tried cheapest first and the first one that keeps the
    route's violations is the answer.  Positions that cannot be feasible are set
    aside beforehand with exact or safe bounds (capacity, max_travel_time,
    max_distance, the job's own window, the delay the rest of the route can
    absorb); custom matrices are read only where needed (see LazyMatrix).
    """
    if not isinstance(job, dict):
        raise RoutingError("job must be an object")
    extended = dict(problem)
    extended["jobs"] = list(problem.get("jobs", [])) + [job]
    model = parse_problem(extended, require_steps=True, lazy_matrices=True)
    new_task = model.task_index[("job", job.get("id"))]
    sequences = steps_to_sequences(model)
    task = model.tasks[new_task]

    constraints = [_step_constraints(veh) for veh in model.vehicles]
    baselines = [_timed(model, v, items, constraints[v], with_earliest=True) for v, items in enumerate(sequences)]
    candidates = []
    for v, items in enumerate(sequences):
        veh = model.vehicles[v]
        if not model.can_serve(v, new_task):
            continue
        if veh.max_tasks is not None and sum(1 for k, _ in items if k == TASK) >= veh.max_tasks:
            continue
        base, earliest = baselines[v]
        # the places the van drives between around each insertion point: the last stop
        # before it (or the start) and the next stop after it (or the end); breaks are no place
        locs = _leg_ends(model, veh, items)
        has_tasks = any(k == TASK for k, _ in items)
        # an unused vehicle costs nothing (not even its start -> end leg): the job pays it all
        fixed = 0.0 if has_tasks else model.vehicle_fixed_cost(v)
        detours = _detours(model.cost_matrix(v), locs, task.loc, unused=not has_tasks)
        # time spent at the job, when its vehicle prices it (setup assumed spent: a bound)
        fixed += veh.per_task_hour / 3600.0 * (model.setup(new_task, v) + model.service(new_task, v))
        bounds = _InsertionBounds(model, v, new_task, locs, base, earliest,
                                  timing=model.traffic is None and not constraints[v])
        for pos in range(len(items) + 1):
            if bounds.may_fit(pos):
                candidates.append((float(detours[pos]) + fixed, v, pos))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    for delta, v, pos in candidates:
        base = baselines[v][0]
        trial = sequences[v][:pos] + [(TASK, new_task)] + sequences[v][pos:]
        shifted = {(p + 1 if isinstance(p, int) and p >= pos else p): c for p, c in constraints[v].items()}
        s = _timed(model, v, trial, shifted)
        if s.infeasible <= base.infeasible and s.n_violations <= base.n_violations and s.lateness <= base.lateness \
                and _no_new_causes(base, s):
            sequences[v] = trial
            schedules = [s if u == v else baselines[u][0] for u in range(len(sequences))]
            planned = {x for items in sequences for k, x in items if k == TASK}
            unassigned = [(t, REASON_NOT_PLANNED) for t in range(len(model.tasks)) if t not in planned]
            base_cost = base.cost if base.task_indices() else 0.0
            return {
                "vehicle": model.vehicles[v].id,
                "position": pos,
                "cost_delta": int(round(s.cost - base_cost)),
                "solution": solution_to_dict(model, schedules, unassigned),
            }
    reason = task_alone_reason(model, new_task)
    return {"unassigned": unassigned_entry(model, new_task, reason or REASON_NO_ROOM)}


def _leg_ends(model, veh, items: list) -> list:
    """For each insertion point p (before items[p]): (place before, place after)."""
    n = len(items)
    before = [veh.start_loc] * (n + 1)
    for p in range(1, n + 1):
        kind, x = items[p - 1]
        before[p] = model.tasks[x].loc if kind == TASK else before[p - 1]
    after = [veh.end_loc] * (n + 1)
    for p in range(n - 1, -1, -1):
        kind, x = items[p]
        after[p] = model.tasks[x].loc if kind == TASK else after[p + 1]
    return list(zip(before, after))


def _detours(cost, locs: list, x: int, unused: bool = False) -> list:
    """Cost added by visiting location ``x`` between the places locs[p] = (a, b), for every p
    (``unused``: the vehicle has no stop yet, so its a -> b leg is not driven)."""
    to_x, from_x = _col_row(cost, x)
    out = []
    for a, b in locs:
        d = (float(to_x[a]) if a is not None else 0.0) + (float(from_x[b]) if b is not None else 0.0)
        if a is not None and b is not None and not unused:
            d -= float(cost[a, b])
        out.append(d)
    return out


MAX = 2**62  # above any load


class _InsertionBounds:
    """Necessary conditions for inserting ``task`` at a position of a route, such that the
    route gets no new violation cause, no more violations and no more lateness.

    * capacity (unless the route is already overloaded): loads before the job grow by
      its delivery, loads after it by its pickup (exact);
    * max_travel_time / max_distance (unless already exceeded): the detour's travel
      and distance (exact);
    * with ``timing`` (no traffic, no step bounds: a delay then never makes a later
      step earlier), from the route's earliest timing (leaving at the shift's start;
      any departure is later): the job cannot start before leaving the previous stop
      and driving, and must not start late; the delay passed on to the next step is
      absorbed by its waiting, must keep its start within its last window (a step
      already late absorbs nothing) and passes on, with the setup the next step may
      now have to spend; breaks may move, so only their waiting counts; the end must
      stay within the shift.
    """

    def __init__(self, model, v, t, locs, base, earliest, timing: bool):
        task = model.tasks[t]
        self.model, self.task, self.locs = model, task, locs
        veh = model.vehicles[v]
        self.veh = veh
        self.rank = veh.type_rank
        self.job_setup, self.job_service = model.setup(t, v), model.service(t, v)
        causes = {x["cause"] for x in base.violations} | {x["cause"] for x in earliest.violations}
        steps = earliest.steps
        self.steps = steps
        self.travel = model.travel_matrix(v)
        self.dist = model.distance_matrix(v)
        self.travel_to, self.travel_from = _col_row(self.travel, task.loc)
        self.check_travel = veh.max_travel_time is not None and "max_travel_time" not in causes
        self.check_distance = veh.max_distance is not None and "max_distance" not in causes
        if self.check_distance:
            self.dist_to, self.dist_from = _col_row(self.dist, task.loc)
        self.duration, self.distance = earliest.duration, earliest.distance
        # loads: steps[0..p] before an insertion at p, steps[p+1..] after
        self.check_load = "load" not in causes and model.n_dims > 0
        if self.check_load:
            n_dims = model.n_dims
            self.cap = veh.capacity
            self.d, self.pk = task.initial_load, tuple(i + c for i, c in zip(task.initial_load, task.load_change))
            self.prefix_max, self.suffix_max = [], [None] * len(steps)
            running = [-MAX] * n_dims
            for st in steps:
                running = [max(r, l) for r, l in zip(running, st.load)]
                self.prefix_max.append(running)
            running = [-MAX] * n_dims
            for k in range(len(steps) - 1, -1, -1):
                running = [max(r, l) for r, l in zip(running, steps[k].load)]
                self.suffix_max[k] = running
        self.timing = timing
        if not timing:
            return
        # when the van can leave the last stop before each insertion point (breaks ignored)
        self.leave, self.leave_loc = [], []
        t, loc = steps[0].arrival, veh.start_loc
        for st in steps[:-1]:
            if st.type not in ("start", "break"):
                t, loc = st.departure, st.loc
            self.leave.append(t)
            self.leave_loc.append(loc)
        # delay on arriving at each step that adds no lateness further on
        absorb = [0] * len(steps)
        end = steps[-1]
        absorb[-1] = max(0, veh.time_window[1] - end.arrival)
        for k in range(len(steps) - 2, 0, -1):
            st = steps[k]
            if st.type == "break":
                absorb[k] = 0 if st.lateness else st.waiting_time + absorb[k + 1]
            else:
                last_end = model.tasks[st.task].time_windows[-1][1]
                absorb[k] = st.waiting_time + min(max(0, last_end - st.task_start), absorb[k + 1])
        self.absorb = absorb

    def may_fit(self, pos: int) -> bool:
        task, veh, steps = self.task, self.veh, self.steps
        if self.check_load:
            before, after = self.prefix_max[pos], self.suffix_max[pos + 1]
            for dim, c in enumerate(self.cap):
                if before[dim] + self.d[dim] > c or after[dim] + self.pk[dim] > c or steps[pos].load[dim] + self.pk[dim] > c:
                    return False
        a, b = self.locs[pos]
        x = task.loc
        if self.check_travel:
            extra = (int(self.travel_to[a]) if a is not None else 0) + (int(self.travel_from[b]) if b is not None else 0)
            if a is not None and b is not None:
                extra -= int(self.travel[a, b])
            if self.duration + extra > veh.max_travel_time:
                return False
        if self.check_distance:
            extra = (int(self.dist_to[a]) if a is not None else 0) + (int(self.dist_from[b]) if b is not None else 0)
            if a is not None and b is not None:
                extra -= int(self.dist[a, b])
            if self.distance + extra > veh.max_distance:
                return False
        if not self.timing:
            return True
        # the job's own window
        prev = self.leave_loc[pos]
        arrive = self.leave[pos] + (int(self.travel_to[prev]) if prev is not None else 0)
        windows = task.time_windows
        if arrive > windows[-1][1]:
            return False
        # the delay passed on to the next step (a task or the end; before a break: not bounded here)
        nxt = steps[pos + 1]
        if nxt.type == "break":
            return True
        begin = arrive
        for w0, w1 in windows:
            if w1 >= arrive:
                begin = max(w0, arrive)
                break
        leave_job = begin + (self.job_setup if prev != x else 0) + self.job_service
        if nxt.type == "end":
            arrive_next = leave_job + (int(self.travel_from[nxt.loc]) if nxt.loc is not None else 0)
            return arrive_next - nxt.arrival <= self.absorb[pos + 1]
        delay = leave_job + int(self.travel_from[nxt.loc]) - nxt.arrival
        if delay > self.absorb[pos + 1]:
            return False
        # after the job, the next stop spends its setup unless it is at the job's place
        extra_setup = (self.model.tasks[nxt.task].setups[self.rank] if x != nxt.loc else 0) - nxt.setup
        if extra_setup > 0:
            return max(0, delay - nxt.waiting_time) + extra_setup <= self.absorb[pos + 2]
        return True


def _col_row(m, x: int):
    """Column and row ``x`` of a matrix (numpy or lazy)."""
    if isinstance(m, LazyMatrix):
        return m.col(x), m.row(x)
    return m[:, x], m[x, :]



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
    return solve(sub, time_limit=time_limit, seed=seed, objective=objective, initial_routes="hint")
