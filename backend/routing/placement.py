"""Where a route's breaks go and when its van leaves: the timing the solvers' plans are reported with.

A plan is a task order; :func:`best_schedule` places the vehicle's breaks where they hurt least
(trying the engine's own placement too) and leaves as late as removes waiting without ending later
(VROOM's backward pass: :func:`latest_departure`).  Every timing is :func:`.schedule.schedule_route`'s.
"""

from __future__ import annotations

from .problem import Model
from .schedule import BREAK, START, TASK, RouteSchedule, schedule_route


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
    return leave_late(model, v, items, traffic=traffic)


def leave_late(model: Model, v: int, items: list, *, traffic=None, step_constraints=None) -> RouteSchedule:
    """The route timed from the latest departure that keeps its end as early as it can be
    (VROOM: waiting is removed wherever a later start absorbs it), never with more violations."""
    first = schedule_route(model, v, items, traffic=traffic, step_constraints=step_constraints)
    if (step_constraints or {}).get(START) or len(first.steps) <= 2 or not first.waiting_time:
        return first
    departure = latest_departure(model, v, first)
    if departure <= first.steps[0].arrival:
        return first
    later = schedule_route(model, v, items, traffic=traffic, start_time=departure, step_constraints=step_constraints)
    if (later.infeasible, later.n_violations, later.lateness, later.end_time) <= \
            (first.infeasible, first.n_violations, first.lateness, first.end_time):
        return later
    return first


def latest_departure(model: Model, v: int, timed: RouteSchedule) -> int:
    """Walking back from the route's end: each step starts as late as the next step's latest start
    and its own windows allow; the departure is the first step's latest start less the drive."""
    veh = model.vehicles[v]
    steps = timed.steps
    latest = steps[-1].arrival
    for k in range(len(steps) - 2, 0, -1):
        step = steps[k]
        drive = steps[k + 1].duration - step.duration  # the leg's seconds as driven in this timing
        candidate = latest - drive - step.setup - step.service
        windows = veh.breaks[_break_index(veh, step.id)].time_windows if step.type == "break" \
            else model.tasks[step.task].time_windows
        fitting = [end for start, end in windows if start <= candidate]
        latest = max(min(candidate, fitting[-1]) if fitting else candidate, step.task_start)
    return max(steps[0].arrival, latest - (steps[1].duration - steps[0].duration))


def _break_index(veh, break_id) -> int:
    for i, b in enumerate(veh.breaks):
        if b.id == break_id:
            return i
    raise KeyError(break_id)
