"""Timing of a fixed sequence of stops: ETAs, waiting, loads and violations.

This is the one place that decides when a van is where.  The solvers only
choose sequences; every plan they return is re-timed here, which is also how
plan mode (``evaluate``) and insertion work, and how traffic (the hour a leg is
driven in) enters the ETAs.

Timing rules (VROOM's):
* the van leaves its start at the shift start, or later when that only
  removes waiting at the first stop;
* arrival = departure + travel; ``setup`` is spent on arrival when coming from
  another location; service starts at the first time window still open, after
  waiting if the window has not opened yet; arriving after every window is a
  ``delay`` violation;
* a driver break is taken where the van is, during waiting at the next stop if
  its window allows, otherwise before driving on; it is a violation to take it
  outside its windows (``delay``) or with more load than its ``max_load``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .problem import Model

TASK, BREAK = "task", "break"


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
    violations: list = field(default_factory=list)
    task: int | None = None
    lateness: int = 0

    @property
    def service_start(self) -> int:
        return self.arrival + self.setup + self.waiting_time


@dataclass
class RouteSchedule:
    vehicle: int
    steps: list
    items: list
    travel_cost: float
    fixed_cost: float
    duration: int
    distance: int
    setup: int
    service: int
    waiting_time: int
    priority: int
    delivery: tuple
    pickup: tuple
    violations: list  # [{"cause": ..., "duration": ...}]
    lateness: int

    @property
    def cost(self) -> float:
        return self.travel_cost + self.fixed_cost

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
    for a, b in windows:
        if b >= earliest:
            return max(a, earliest), 0
    return earliest, earliest - windows[-1][1]


def schedule_route(model: Model, v: int, items: list, *, traffic=None, start_time: int | None = None, step_constraints=None) -> RouteSchedule:
    """Time the route of vehicle ``v`` through ``items`` = [("task", t) | ("break", b)].

    ``traffic`` (a TrafficProfile) scales each leg by the factor of the hour it
    starts in.  ``step_constraints`` (plan mode) maps an item position to the
    step's ``service_at`` / ``service_after`` / ``service_before``.
    """
    walk = _RouteWalk(model, v, items, traffic, start_time)
    for pos, (kind, x) in enumerate(items):
        if kind == BREAK:
            walk.take_break(pos, x)
        else:
            walk.serve(x, (step_constraints or {}).get(pos) or {})
    walk.finish()
    return walk.schedule()


class _RouteWalk:
    """The van's clock, place, load and running totals while it works through a route."""

    def __init__(self, model: Model, v: int, items: list, traffic, start_time: int | None):
        self.model, self.v, self.items, self.traffic = model, v, items, traffic
        self.veh = veh = model.vehicles[v]
        self.travel = model.travel_matrix(v)
        self.dist = model.distance_matrix(v)
        self.cost = model.cost_matrix(v)
        self.task_items = [x for kind, x in items if kind == TASK]
        self.position = {t: i for i, t in enumerate(self.task_items)}
        # a vehicle leaves loaded with the deliveries of its jobs
        self.load = [0] * model.n_dims
        for t in self.task_items:
            for d, x in enumerate(model.tasks[t].initial_load):
                self.load[d] += x
        self.t_now = veh.time_window[0] if start_time is None else start_time
        self.steps = [Step("start", None, veh.start_loc, self.t_now, load=tuple(self.load))]
        if any(l > c for l, c in zip(self.load, veh.capacity)):
            self.steps[0].violations.append("load")  # leaves the depot overloaded
        self.prev_loc = veh.start_loc
        self.cum_travel = self.cum_dist = 0
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

    def drive(self, secs: int, meters: int, cost: float):
        self.cum_travel += secs
        self.cum_dist += meters
        self.travel_cost += cost

    def late(self, step: Step, lateness: int):
        if lateness:
            step.violations.append("delay")
            step.lateness = lateness
            self.total_lateness += lateness

    def take_break(self, pos: int, b: int):
        """A break is taken where the van is: on arrival at the next place (possibly during the
        waiting there) when its window allows, otherwise before driving on."""
        brk = self.veh.breaks[b]
        self.done_breaks.add(b)
        next_loc = self.veh.end_loc
        for k2, x2 in self.items[pos + 1:]:
            if k2 == TASK:
                next_loc = self.model.tasks[x2].loc
                break
        secs, meters, c = self.leg(self.prev_loc, next_loc, self.t_now)
        arrive_next = self.t_now + secs
        start_after, late_after = _pick_window(brk.time_windows, arrive_next)
        if late_after == 0 and next_loc is not None and self.prev_loc is not None:
            # drive first, break on arrival (possibly inside the waiting)
            self.drive(secs, meters, c)
            arrival, begin, lateness, self.prev_loc = arrive_next, start_after, 0, next_loc
            after_travel = True
        else:
            begin, lateness = _pick_window(brk.time_windows, self.t_now)
            arrival = self.t_now
            after_travel = False
        step = Step("break", brk.id, self.prev_loc, arrival, 0, brk.service, begin - arrival, tuple(self.load),
                    self.cum_travel, self.cum_dist)
        self.late(step, lateness)
        if brk.max_load is not None and any(l > m for l, m in zip(self.load, brk.max_load)):
            step.violations.append("max_load")
        self.total_waiting += step.waiting_time
        self.total_service += brk.service
        self.t_now = begin + brk.service
        step._after_travel = after_travel  # type: ignore[attr-defined]
        self.steps.append(step)

    def serve(self, x: int, constraint: dict):
        """Drive to task ``x`` (unless a break already brought the van there) and serve it."""
        model, task = self.model, self.model.tasks[x]
        last = self.steps[-1]
        if last.type == "break" and getattr(last, "_after_travel", False) and self.prev_loc == task.loc:
            secs, meters, c = 0, 0, 0.0
            setup = task.setup if _last_task_loc(self.steps) != task.loc else 0
        else:
            secs, meters, c = self.leg(self.prev_loc, task.loc, self.t_now)
            setup = task.setup if self.prev_loc != task.loc or self.prev_loc is None else 0
        self.drive(secs, meters, c)
        arrival = self.t_now + secs
        earliest = arrival + setup
        windows = _constrained_windows(task.time_windows, constraint) if constraint else task.time_windows
        begin, lateness = _pick_window(windows, earliest)
        for d, ch in enumerate(task.load_change):
            self.load[d] += ch
        step = Step(task.kind, task.id, task.loc, arrival, setup, task.service, begin - earliest, tuple(self.load),
                    self.cum_travel, self.cum_dist, task=x)
        self.late(step, lateness)
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
        self.total_service += task.service
        self.total_waiting += step.waiting_time
        self.t_now = begin + task.service
        self.prev_loc = task.loc
        self.steps.append(step)

    def finish(self):
        """Drive to the end place; arriving after the shift is a delay."""
        secs, meters, c = self.leg(self.prev_loc, self.veh.end_loc, self.t_now)
        self.drive(secs, meters, c)
        end_step = Step("end", None, self.veh.end_loc, self.t_now + secs, load=tuple(self.load),
                        duration=self.cum_travel, distance=self.cum_dist)
        self.late(end_step, max(0, end_step.arrival - self.veh.time_window[1]))
        self.steps.append(end_step)

    def route_violations(self) -> list:
        veh = self.veh
        out = []
        for s in self.steps:
            for cause in s.violations:
                entry = {"cause": cause}
                if cause == "delay":
                    entry["duration"] = s.lateness
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
        return RouteSchedule(
            vehicle=self.v,
            steps=self.steps,
            items=list(self.items),
            travel_cost=self.travel_cost,
            fixed_cost=model.vehicle_fixed_cost(self.v) if self.task_items else 0.0,
            duration=self.cum_travel,
            distance=self.cum_dist,
            setup=self.total_setup,
            service=self.total_service,
            waiting_time=self.total_waiting,
            priority=priority,
            delivery=tuple(delivery),
            pickup=tuple(pickup),
            violations=self.route_violations(),
            lateness=self.total_lateness,
        )


def _last_task_loc(steps):
    for s in reversed(steps[:-1]):
        if s.type != "break":
            return s.loc
    return None


def _constrained_windows(windows, constraint: dict):
    lo = constraint.get("service_after")
    hi = constraint.get("service_before")
    at = constraint.get("service_at")
    if at is not None:
        lo = hi = at
    out = []
    for a, b in windows:
        a2 = max(a, lo) if lo is not None else a
        b2 = min(b, hi) if hi is not None else b
        if a2 <= b2:
            out.append((a2, b2))
    if out:
        return out
    # Nothing satisfies both the job's windows and the step's own bounds: the
    # step's bound wins, so the ETA shows the resulting delay.
    start = lo if lo is not None else windows[0][0]
    end = hi if hi is not None and hi >= start else max(start, windows[-1][1])
    return [(start, end)]


def best_schedule(model: Model, v: int, task_order: list, *, traffic=None, break_positions: list | None = None) -> RouteSchedule:
    """Schedule a task order, placing the vehicle's breaks where they hurt least,
    and leaving the start as late as possible without delaying the first stop.

    ``break_positions`` ([(break index, number of stops before it)] in time
    order), e.g. where OR-Tools put the breaks, is tried as well: with several
    breaks it can beat the one-break-at-a-time search.  The best timing by
    (violations, lateness, end) wins; either way it is this module's timing, so
    ``evaluate`` of the returned steps gives the same ETAs.
    """
    veh = model.vehicles[v]
    tasks = [(TASK, t) for t in task_order]
    if not task_order or not veh.breaks:
        return _leave_late(model, v, tasks, traffic)
    candidates = [_search_breaks(model, v, tasks, traffic)]
    if break_positions and sorted(b for b, _ in break_positions) == list(range(len(veh.breaks))):
        items, placed = [], list(break_positions)
        for pos in range(len(tasks) + 1):
            while placed and placed[0][1] <= pos:
                items.append((BREAK, placed.pop(0)[0]))
            if pos < len(tasks):
                items.append(tasks[pos])
        candidates.append(items)
    best = None
    for items in candidates:
        s = _leave_late(model, v, items, traffic)
        key = (s.n_violations, s.lateness, s.end_time)
        if best is None or key < best[0]:
            best = (key, s)
    return best[1]


def _search_breaks(model: Model, v: int, items: list, traffic) -> list:
    """Each break in turn at the position that hurts least (breaks are sorted by window)."""
    veh = model.vehicles[v]
    for b in range(len(veh.breaks)):
        best = None
        first_allowed = max((i + 1 for i, (k, x) in enumerate(items) if k == BREAK), default=0)
        for pos in range(first_allowed, len(items) + 1):
            trial = items[:pos] + [(BREAK, b)] + items[pos:]
            s = schedule_route(model, v, trial, traffic=traffic)
            key = (s.n_violations, s.lateness, s.end_time)
            if best is None or key < best[0]:
                best = (key, trial)
        items = best[1]
    return items


def _leave_late(model: Model, v: int, items: list, traffic) -> RouteSchedule:
    first = schedule_route(model, v, items, traffic=traffic)
    # Leave later rather than wait at the first stop (VROOM reports it this way).
    if len(first.steps) > 2 and first.steps[1].type != "break" and first.steps[1].waiting_time > 0:
        later = schedule_route(model, v, items, traffic=traffic, start_time=first.steps[0].arrival + first.steps[1].waiting_time)
        if (later.n_violations, later.lateness) <= (first.n_violations, first.lateness):
            return later
    return first
