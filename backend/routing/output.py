"""VROOM-shaped output: summary, unassigned tasks (with a reason), routes and steps."""

from __future__ import annotations

from .problem import Model
from .schedule import RouteSchedule, TASK, schedule_route

# Reasons a task is left unassigned (our extension of VROOM's output):
REASON_SKILLS = "skills"  # no vehicle has the skills it needs
REASON_CAPACITY = "capacity"  # its amount exceeds every compatible vehicle's capacity
REASON_TIME_WINDOW = "time_window"  # no vehicle can reach it within its windows and shift
REASON_MAX_DISTANCE = "max_distance"  # out of reach of every vehicle's max_distance
REASON_MAX_TRAVEL_TIME = "max_travel_time"  # out of reach of every vehicle's max_travel_time
REASON_NO_ROOM = "no_room"  # fits alone, but not with the other (higher priority) work


def task_alone_reason(model: Model, t: int, vehicles=None) -> str | None:
    """Why task ``t`` (with its shipment partner) cannot be served even by an empty vehicle; None if some vehicle can."""
    task = model.tasks[t]
    order = [t]
    if task.partner is not None:
        order = [t, task.partner] if task.kind == "pickup" else [task.partner, t]
    candidates = range(len(model.vehicles)) if vehicles is None else vehicles
    # Most tasks fit the first vehicle tried: stop there (a 10,000-stop day asked every
    # vehicle about every task: 2.5 million checks before the search could start).
    if any(_serves_alone(model, v, order) for v in candidates):
        return None
    with_skills = [v for v in candidates if all(model.can_serve(v, x) for x in order)]
    if not with_skills:
        return REASON_SKILLS
    fits = []
    for v in with_skills:
        cap = model.vehicles[v].capacity
        load = [sum(model.tasks[x].initial_load[d] for x in order) for d in range(model.n_dims)]
        peak = list(load)
        for x in order:
            load = [l + c for l, c in zip(load, model.tasks[x].load_change)]
            peak = [max(p, l) for p, l in zip(peak, load)]
        if all(p <= c for p, c in zip(peak, cap)):
            fits.append(v)
    if not fits:
        return REASON_CAPACITY
    causes = set()
    for v in fits:
        veh = model.vehicles[v]
        s = schedule_route(model, v, [(TASK, x) for x in order])
        route_causes = {x["cause"] for x in s.violations if x["cause"] != "missing_break"}
        if veh.max_tasks is not None and veh.max_tasks < len(order):
            route_causes.add("max_tasks")
        if not route_causes:
            return None
        causes |= route_causes
    for cause, reason in (("delay", REASON_TIME_WINDOW), ("max_distance", REASON_MAX_DISTANCE), ("max_travel_time", REASON_MAX_TRAVEL_TIME)):
        if cause in causes:
            return reason
    return REASON_NO_ROOM


def _serves_alone(model: Model, v: int, order: list) -> bool:
    """Vehicle ``v`` can serve the tasks of ``order`` (a task, or a shipment's two halves) alone."""
    veh = model.vehicles[v]
    if not all(model.can_serve(v, x) for x in order):
        return False
    load = [sum(model.tasks[x].initial_load[d] for x in order) for d in range(model.n_dims)]
    if any(l > c for l, c in zip(load, veh.capacity)):
        return False
    for x in order:
        load = [l + c for l, c in zip(load, model.tasks[x].load_change)]
        if any(l > c for l, c in zip(load, veh.capacity)):
            return False
    if veh.max_tasks is not None and veh.max_tasks < len(order):
        return False
    s = schedule_route(model, v, [(TASK, x) for x in order])
    return not any(x["cause"] != "missing_break" for x in s.violations)


def _location_fields(model: Model, loc: int | None) -> dict:
    """A place as the problem gave it: its coordinates when known, its matrix index when the
    problem gave indices (VROOM leaves out what the input did not have)."""
    if loc is None:
        return {}
    out = {}
    coords = model.locations[loc] if loc < len(model.locations) else None
    if coords is not None:
        out["location"] = coords
    if model.user_indices:
        out["location_index"] = loc
    return out


def unassigned_entry(model: Model, t: int, reason: str) -> dict:
    task = model.tasks[t]
    entry = {"id": task.id, "type": task.kind, **_location_fields(model, task.loc), "reason": reason}
    if task.description is not None:
        entry["description"] = task.description
    return entry


def violations_by_cause(occurrences) -> list:
    """VROOM reports each cause once, with the summed lead time or delay."""
    out: dict = {}
    for v in occurrences:
        cause = v["cause"]
        if cause not in out:
            out[cause] = {"cause": cause, **({"duration": 0} if cause in ("delay", "lead_time") else {})}
        if "duration" in out[cause]:
            out[cause]["duration"] += v.get("duration", 0)
    return list(out.values())


def _step_violations(st) -> list:
    out = []
    for cause in dict.fromkeys(st.violations):
        entry = {"cause": cause}
        if cause == "delay":
            entry["duration"] = st.lateness
        elif cause == "lead_time":
            entry["duration"] = st.lead_time
        out.append(entry)
    return out


def route_to_dict(model: Model, s: RouteSchedule, *, report_distances: bool | None = None) -> dict:
    """A route in VROOM's shape: ``distance`` when the problem has distances, ``load`` and the
    amounts when it has capacities, the deprecated ``job`` and ``amount`` keys kept."""
    veh = model.vehicles[s.vehicle]
    distances = model.has_distances if report_distances is None else report_distances
    amounts = model.n_dims > 0
    steps = []
    task_places = [st.loc for st in s.steps if st.task is not None]
    for st in s.steps:
        step = {"type": st.type}
        place = st.loc
        if place is None and task_places and st.type in ("start", "end"):
            # an open route starts at its first task, or ends at its last (VROOM shows that place)
            place = task_places[0] if st.type == "start" else task_places[-1]
        if st.type != "break":
            step.update(_location_fields(model, place))
        if st.id is not None:
            step["id"] = st.id
        step.update(setup=st.setup, service=st.service, waiting_time=st.waiting_time)
        if st.task is not None:
            step["job"] = st.id  # VROOM's deprecated key, on every task step
        if amounts:
            step["load"] = list(st.load)
        step.update(arrival=st.arrival, duration=st.duration, violations=_step_violations(st))
        if distances:
            step["distance"] = st.distance
        description = _step_description(model, s.vehicle, st)
        if description is not None:
            step["description"] = description
        steps.append(step)
    route = {"vehicle": veh.id, "cost": route_cost(model, s)}
    if veh.description is not None:
        route["description"] = veh.description
    if amounts:
        route.update(delivery=list(s.delivery), amount=list(s.delivery), pickup=list(s.pickup))
    route.update(setup=s.setup, service=s.service, duration=s.duration, waiting_time=s.waiting_time,
                 priority=s.priority)
    if distances:
        route["distance"] = s.distance
    route.update(steps=steps, violations=violations_by_cause(s.violations))
    if model.objective == "co2":
        route["co2_g"] = int(round(s.distance / 1000.0 * veh.co2_g_per_km))
    return route


def route_cost(model: Model, s: RouteSchedule) -> int:
    """VROOM's cost (its integer arithmetic) under the default objective; our objectives' otherwise."""
    if model.objective == "cost":
        return s.vroom_cost
    return int(round(s.cost))


def _step_description(model: Model, v: int, st):
    if st.task is not None:
        return model.tasks[st.task].description
    if st.type == "break":
        for b in model.vehicles[v].breaks:
            if b.id == st.id:
                return b.description
    return None


def solution_to_dict(model: Model, schedules: list, unassigned: list, computing_times: dict | None = None,
                     extra: dict | None = None, *, report_distances: bool | None = None) -> dict:
    """``schedules``: RouteSchedule per used vehicle; ``unassigned``: [(task index, reason)].

    ``report_distances``: VROOM reports distances when the problem gives them (or geometry
    was asked for); a problem given by coordinates has them here (haversine or OSRM)."""
    routes = [route_to_dict(model, s, report_distances=report_distances) for s in schedules if s.task_indices()]
    distances = model.has_distances if report_distances is None else report_distances
    summary = {
        "cost": sum(r["cost"] for r in routes),
        "routes": len(routes),
        "unassigned": len(unassigned),
    }
    if model.n_dims > 0:
        delivery = [sum(r["delivery"][d] for r in routes) for d in range(model.n_dims)]
        summary.update(delivery=delivery, amount=list(delivery),
                       pickup=[sum(r["pickup"][d] for r in routes) for d in range(model.n_dims)])
    for key in ("setup", "service", "duration", "waiting_time", "priority"):
        summary[key] = sum(r[key] for r in routes)
    if distances:
        summary["distance"] = sum(r["distance"] for r in routes)
    summary["violations"] = violations_by_cause(v for r in routes for v in r["violations"])
    summary["computing_times"] = {"loading": 0, "solving": 0, "routing": 0, **(computing_times or {})}
    if model.objective == "co2":
        summary["co2_g"] = sum(r.get("co2_g", 0) for r in routes)
    out = {"code": 0, "summary": summary, "unassigned": [unassigned_entry(model, t, reason) for t, reason in unassigned],
           "routes": routes}
    if extra:
        out.update(extra)
    return out
