"""Timing of a fixed sequence of stops: ETAs, waiting, loads, costs and violations.

This is the one place that decides when a van is where.  The solvers only
choose sequences; every plan they return is re-timed here, which is also how
plan mode (``evaluate``) and insertion work, and how traffic (the hour a leg is
driven in) enters the ETAs.

Timing rules (VROOM's):
* the van leaves its start at the shift start, or later when that only removes
  waiting (the end of the route stays as early as it can be);
* arrival = departure + travel; a task *starts* at the first time window still
  open, after waiting if the window has not opened yet (the window constrains
  the start, not the end: setup and service may run past it); ``setup`` is
  spent when arriving from another place, then ``service``, both of the
  vehicle type's values; arriving after every window is a ``delay``;
* a driver break is taken where the van is, during waiting at the next stop if
  its window allows, otherwise before driving on; it is a violation to take it
  outside its windows (``delay``) or with more load than its ``max_load``;
* plan mode: a step's ``service_at`` / ``service_after`` / ``service_before``
  (start and end steps included) are hard bounds on its start; the windows
  become soft, so a start forced before a window is a ``lead_time``; bounds
  nothing can meet make the route infeasible (VROOM refuses it).

Costs follow VROOM to the unit: fixed cost + travel cost (the custom ``costs``
matrix, or per_hour x travel hours + per_km x km, rounded; with no time
constraint anywhere VROOM truncates instead) + per_task_hour x task hours
(setup and service, breaks included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .problem import Model

TASK, BREAK = "task", "break"
START, END = "start", "end"  # step_constraints keys of the start and end steps


@dataclass
class Step:
    type: str  # start, job, pickup, delivery, break, end
    id: int | None
    loc: int | None
    arrival: int
    setup: int = 0
    service: int = 0
    waiting_time: int = 0
    load: tuple = ()
    duration: int = 0  # cumulated travel time when reaching the step
    distance: int = 0  # cumulated distance
    violations: list = field(default_factory=list)  # causes, each once per step
    task: int | None = None
    lateness: int = 0  # "delay" duration
    lead_time: int = 0  # "lead_time" duration (plan mode: started before its window)

    @property
    def task_start(self) -> int:
        """When the task (or break) starts: what its time windows constrain."""
        return self.arrival + self.waiting_time

    @property
    def service_start(self) -> int:
        return self.arrival + self.waiting_time + self.setup

    @property
    def departure(self) -> int:
        return self.arrival + self.waiting_time + self.setup + self.service


@dataclass
class RouteSchedule:
    vehicle: int
    steps: list
    items: list
    travel_cost: float  # the objective's travel cost (float; the search's measure)
    fixed_cost: float
    duration: int
    distance: int
    setup: int
    service: int
    waiting_time: int
    priority: int
    delivery: tuple
    pickup: tuple
    violations: list  # [{"cause": ..., "duration": ...}], one per occurrence
    lateness: int
    task_cost: float = 0.0  # per_task_hour x task hours
    vroom_cost: int = 0  # the route's cost as VROOM computes it (integer units)
    infeasible: bool = False  # plan mode: a step's service_at/after/before cannot be met

    @property
    def cost(self) -> float:
        return self.travel_cost + self.task_cost + self.fixed_cost

    @property
    def n_violations(self) -> int:
        return len(self.violations)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def end_time(self) -> int:
        return self.steps[-1].arrival

    def task_indices(self) -> list:
        return [x for kind, x in self.items if kind == TASK]


def _pick_window(windows, earliest: int):
    """(start, delay) of a task ready at ``earliest``: the first window still open."""
    for a, b in windows:
        if b >= earliest:
            return max(a, earliest), 0
    return earliest, earliest - windows[-1][1]


def _bounds(constraint: dict | None) -> tuple:
    """(earliest, latest) start a plan-mode step allows (None: no bound)."""
    if not constraint:
        return None, None
    at = constraint.get("service_at")
    if at is not None:
        return at, at
    return constraint.get("service_after"), constraint.get("service_before")


def _start_within(windows, ready: int, lo, hi) -> tuple:
    """(start, delay, lead_time) of a task ready at ``ready`` whose start must lie in [lo, hi]
    (hard bounds) and should lie in one of ``windows`` (soft when bounded: VROOM's plan mode
    takes the smaller of the delay after the window before and the lead on the window after)."""
    earliest = ready if lo is None else max(ready, lo)
    if hi is None or earliest > hi:
        start, delay = _pick_window(windows, earliest)
        return start, delay, 0
    previous_end = None
    for a, b in windows:
        if b >= earliest:
            if a <= earliest:
                return earliest, 0, 0
            if a <= hi:
                return a, 0, 0
            # the window opens after the latest allowed start
            lead = a - hi
            if previous_end is not None and earliest - previous_end < lead:
                return earliest, earliest - previous_end, 0
            return hi, 0, lead
        previous_end = b
    return earliest, earliest - windows[-1][1], 0


def schedule_route(model: Model, v: int, items: list, *, traffic=None, start_time: int | None = None, step_constraints=None) -> RouteSchedule:
    """Time the route of vehicle ``v`` through ``items`` = [("task", t) | ("break", b)].

    ``traffic`` (a TrafficProfile) scales each leg by the factor of the hour it
    starts in.  ``step_constraints`` (plan mode) maps an item position, or
    START / END, to the step's ``service_at`` / ``service_after`` / ``service_before``.
    """
    constraints = step_constraints or {}
    walk = _RouteWalk(model, v, items, traffic, start_time, constraints.get(START))
    for pos, (kind, x) in enumerate(items):
        if kind == BREAK:
            walk.take_break(pos, x, constraints.get(pos))
        else:
            walk.serve(x, constraints.get(pos))
    walk.finish(constraints.get(END))
    return walk.schedule()


class _RouteWalk:
    """The van's clock, place, load and running totals while it works through a route."""

    def __init__(self, model: Model, v: int, items: list, traffic, start_time: int | None, start_bounds: dict | None):
        self.model, self.v, self.items, self.traffic = model, v, items, traffic
        self.veh = veh = model.vehicles[v]
        self.type_rank = veh.type_rank
        self.travel = model.travel_matrix(v)
        self.base_travel = model.durations[veh.profile]
        self.dist = model.distance_matrix(v)
        self.cost = model.cost_matrix(v)
        self.custom_cost = model.custom_costs.get(veh.profile)
        self.task_items = [x for kind, x in items if kind == TASK]
        self.position = {t: i for i, t in enumerate(self.task_items)}
        self.infeasible = False
        # a vehicle leaves loaded with the deliveries of its jobs
        self.load = [0] * model.n_dims
        for t in self.task_items:
            for d, x in enumerate(model.tasks[t].initial_load):
                self.load[d] += x
        lo, hi = _bounds(start_bounds)
        t0 = veh.time_window[0] if start_time is None else start_time
        if lo is not None:
            t0 = lo if start_bounds.get("service_at") is not None else max(t0, lo)
        if hi is not None and t0 > hi:
            self.infeasible = True
        self.t_now = t0
        start = Step("start", None, veh.start_loc, t0, load=tuple(self.load))
        if t0 < veh.time_window[0]:
            start.violations.append("lead_time")
            start.lead_time = veh.time_window[0] - t0
        if any(l > c for l, c in zip(self.load, veh.capacity)):
            start.violations.append("load")  # leaves the depot overloaded
        self.steps = [start]
        self.prev_loc = veh.start_loc
        self.cum_travel = self.cum_dist = 0
        self.base_travel_sum = 0  # travel at speed factor 1, as VROOM prices it
        self.custom_cost_sum = 0
        self.travel_cost = 0.0
        self.total_setup = self.total_service = self.total_waiting = self.total_lateness = 0
        self.done_breaks = set()

    def leg(self, a, b, depart):
        """Seconds, metres and cost of driving from place a to place b, leaving at ``depart``."""
        if a is None or b is None:
            return 0, 0, 0.0
        seconds = int(self.travel[a, b])
        if self.traffic is not None:
            seconds = self.traffic.travel_time(seconds, depart)
        return seconds, int(self.dist[a, b]), float(self.cost[a, b])

    def drive(self, a, b, secs: int, meters: int, cost: float):
        self.cum_travel += secs
        self.cum_dist += meters
        self.travel_cost += cost
        if a is not None and b is not None:
            self.base_travel_sum += int(self.base_travel[a, b])
            if self.custom_cost is not None:
                self.custom_cost_sum += int(self.custom_cost[a, b])

    def violate(self, step: Step, delay: int, lead: int = 0):
        if delay:
            step.violations.append("delay")
            step.lateness = delay
            self.total_lateness += delay
        if lead:
            step.violations.append("lead_time")
            step.lead_time = lead

    def take_break(self, pos: int, b: int, bounds: dict | None):
        """A break is taken where the van is: on arrival at the next place (possibly during the
        waiting there) when its window allows, otherwise before driving on."""
        brk = self.veh.breaks[b]
        lo, hi = _bounds(bounds)
        self.done_breaks.add(b)
        next_loc = self.veh.end_loc
        for k2, x2 in self.items[pos + 1:]:
            if k2 == TASK:
                next_loc = self.model.tasks[x2].loc
                break
        secs, meters, c = self.leg(self.prev_loc, next_loc, self.t_now)
        arrive_next = self.t_now + secs
        begin, delay, lead = _start_within(brk.time_windows, arrive_next, lo, hi)
        if delay == 0 and lead == 0 and next_loc is not None and self.prev_loc is not None:
            # drive first, break on arrival (possibly inside the waiting)
            self.drive(self.prev_loc, next_loc, secs, meters, c)
            arrival, self.prev_loc = arrive_next, next_loc
            after_travel = True
        else:
            begin, delay, lead = _start_within(brk.time_windows, self.t_now, lo, hi)
            arrival = self.t_now
            after_travel = False
        if hi is not None and begin > hi:
            self.infeasible = True
        step = Step("break", brk.id, self.prev_loc, arrival, 0, brk.service, begin - arrival, tuple(self.load),
                    self.cum_travel, self.cum_dist)
        self.violate(step, delay, lead)
        if brk.max_load is not None and any(l > m for l, m in zip(self.load, brk.max_load)):
            step.violations.append("max_load")
        self.total_waiting += step.waiting_time
        self.total_service += brk.service
        self.t_now = begin + brk.service
        step._after_travel = after_travel  # type: ignore[attr-defined]
        self.steps.append(step)

    def serve(self, x: int, bounds: dict | None):
        """Drive to task ``x`` (unless a break already brought the van there), wait for its
        window, then spend its setup (when coming from elsewhere) and service."""
        model, task, rank = self.model, self.model.tasks[x], self.type_rank
        last = self.steps[-1]
        if last.type == "break" and getattr(last, "_after_travel", False) and self.prev_loc == task.loc:
            secs, meters, c = 0, 0, 0.0
            came_from = _last_task_loc(self.steps)
        else:
            secs, meters, c = self.leg(self.prev_loc, task.loc, self.t_now)
            came_from = self.prev_loc
            self.drive(self.prev_loc, task.loc, secs, meters, c)
        setup = task.setups[rank] if came_from != task.loc or came_from is None else 0
        service = task.services[rank]
        arrival = self.t_now + secs
        lo, hi = _bounds(bounds)
        begin, delay, lead = _start_within(task.time_windows, arrival, lo, hi)
        if hi is not None and begin > hi:
            self.infeasible = True
        for d, ch in enumerate(task.load_change):
            self.load[d] += ch
        step = Step(task.kind, task.id, task.loc, arrival, setup, service, begin - arrival, tuple(self.load),
                    self.cum_travel, self.cum_dist, task=x)
        self.violate(step, delay, lead)
        if any(l > c_ for l, c_ in zip(self.load, self.veh.capacity)) or any(l < 0 for l in self.load):
            step.violations.append("load")
        if not model.can_serve(self.v, x):
            step.violations.append("skills")
        if task.partner is not None:
            other = self.position.get(task.partner)
            here = self.position[x]
            if other is None or (task.kind == "pickup" and other < here) or (task.kind == "delivery" and other > here):
                step.violations.append("precedence")
        self.total_setup += setup
        self.total_service += service
        self.total_waiting += step.waiting_time
        self.t_now = begin + setup + service
        self.prev_loc = task.loc
        self.steps.append(step)

    def finish(self, bounds: dict | None):
        """Drive to the end place; arriving after the shift is a delay."""
        secs, meters, c = self.leg(self.prev_loc, self.veh.end_loc, self.t_now)
        self.drive(self.prev_loc, self.veh.end_loc, secs, meters, c)
        arrival = self.t_now + secs
        lo, hi = _bounds(bounds)
        at = arrival if lo is None else max(arrival, lo)
        if hi is not None and at > hi:
            self.infeasible = True
        # VROOM reports no waiting at the end, even when the end step's service_after is later
        end_step = Step("end", None, self.veh.end_loc, arrival, load=tuple(self.load),
                        duration=self.cum_travel, distance=self.cum_dist)
        self.violate(end_step, max(0, at - self.veh.time_window[1]))
        self.steps.append(end_step)

    def mark_route_limits(self):
        """VROOM marks max_tasks on every task beyond the limit, and max_travel_time /
        max_distance on every step reached beyond it."""
        veh = self.veh
        served = 0
        for st in self.steps:
            if st.task is not None:
                served += 1
                if veh.max_tasks is not None and served > veh.max_tasks:
                    st.violations.append("max_tasks")
            if veh.max_travel_time is not None and st.duration > veh.max_travel_time:
                st.violations.append("max_travel_time")
            if veh.max_distance is not None and st.distance > veh.max_distance:
                st.violations.append("max_distance")

    def route_violations(self) -> list:
        veh = self.veh
        out = []
        for s in self.steps:
            for cause in s.violations:
                if cause in ("max_tasks", "max_travel_time", "max_distance"):
                    continue  # counted once for the route below
                entry = {"cause": cause}
                if cause == "delay":
                    entry["duration"] = s.lateness
                elif cause == "lead_time":
                    entry["duration"] = s.lead_time
                out.append(entry)
        if veh.max_tasks is not None and len(self.task_items) > veh.max_tasks:
            out.append({"cause": "max_tasks"})
        if veh.max_travel_time is not None and self.cum_travel > veh.max_travel_time:
            out.append({"cause": "max_travel_time"})
        if veh.max_distance is not None and self.cum_dist > veh.max_distance:
            out.append({"cause": "max_distance"})
        if self.task_items and len(self.done_breaks) < len(veh.breaks):
            out.append({"cause": "missing_break"})
        return out

    def vroom_cost(self, task_seconds: int, fixed: float) -> int:
        """The route's cost in VROOM's integer arithmetic (see the module docstring)."""
        veh, model = self.veh, self.model
        if self.custom_cost is not None:
            travel = self.custom_cost_sum
        elif model.has_time_constraints:
            travel = _round_half_up(self.cum_travel * veh.per_hour / 3600 + self.cum_dist * veh.per_km / 1000)
        else:
            # internal units: 1/100 s at the speed factor, costs x 3600
            duration_factor = round(100 / veh.speed_factor * veh.per_hour)
            travel = math.floor((duration_factor * self.base_travel_sum + 360 * veh.per_km * self.cum_dist) / 360000)
        return int(round(fixed)) + int(travel) + int(veh.per_task_hour * task_seconds // 3600)

    def schedule(self) -> RouteSchedule:
        model, n_dims = self.model, self.model.n_dims
        delivery = [0] * n_dims
        pickup = [0] * n_dims
        priority = 0
        for t in self.task_items:
            task = model.tasks[t]
            priority += task.priority
            for d in range(n_dims):
                if task.kind == "job":
                    delivery[d] += task.initial_load[d]
                    pickup[d] += task.load_change[d] + task.initial_load[d]
                elif task.kind == "pickup":
                    pickup[d] += task.load_change[d]
                else:
                    delivery[d] -= task.load_change[d]
        fixed = model.vehicle_fixed_cost(self.v) if self.task_items else 0.0
        task_seconds = self.total_setup + self.total_service
        violations = self.route_violations()
        self.mark_route_limits()
        return RouteSchedule(
            vehicle=self.v,
            steps=self.steps,
            items=list(self.items),
            travel_cost=self.travel_cost,
            fixed_cost=fixed,
            duration=self.cum_travel,
            distance=self.cum_dist,
            setup=self.total_setup,
            service=self.total_service,
            waiting_time=self.total_waiting,
            priority=priority,
            delivery=tuple(delivery),
            pickup=tuple(pickup),
            violations=violations,
            lateness=self.total_lateness,
            task_cost=self.veh.per_task_hour * task_seconds / 3600.0,
            vroom_cost=self.vroom_cost(task_seconds, fixed) if self.task_items else 0,
            infeasible=self.infeasible,
        )


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _last_task_loc(steps):
    for s in reversed(steps[:-1]):
        if s.type != "break":
            return s.loc
    return None
