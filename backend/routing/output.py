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


def _location_fields(model: Model, loc: int | None) -> dict:
    if loc is None:
        return {}
    out = {"location_index": loc}
    coords = model.locations[loc] if loc < len(model.locations) else None
    if coords is not None:
        out["location"] = coords
    return out


def unassigned_entry(model: Model, t: int, reason: str) -> dict:
    task = model.tasks[t]
    entry = {"id": task.id, "type": task.kind, **_location_fields(model, task.loc), "reason": reason}
    if task.description is not None:
        entry["description"] = task.description
    return entry


def route_to_dict(model: Model, s: RouteSchedule) -> dict:
    veh = model.vehicles[s.vehicle]
    steps = []
    for st in s.steps:
        step = {
            "type": st.type,
            "arrival": st.arrival,
            "duration": st.duration,
            "distance": st.distance,
            "setup": st.setup,
            "service": st.service,
            "waiting_time": st.waiting_time,
            "load": list(st.load),
            "violations": [{"cause": c, **({"duration": st.lateness} if c == "delay" else {})} for c in st.violations],
        }
        if st.id is not None:
            step["id"] = st.id
            if st.type == "job":
                step["job"] = st.id  # VROOM's older key, kept for compatible clients
        if st.type != "break":
            step.update(_location_fields(model, st.loc))
        if st.task is not None and model.tasks[st.task].description is not None:
            step["description"] = model.tasks[st.task].description
        steps.append(step)
    route = {
        "vehicle": veh.id,
        "cost": int(round(s.cost)),
        "setup": s.setup,
        "service": s.service,
        "duration": s.duration,
        "waiting_time": s.waiting_time,
        "priority": s.priority,
        "distance": s.distance,
        "delivery": list(s.delivery),
        "pickup": list(s.pickup),
        "steps": steps,
        "violations": s.violations,
    }
    if model.objective == "co2":
        route["co2_g"] = int(round(s.distance / 1000.0 * veh.co2_g_per_km))
    if veh.description is not None:
        route["description"] = veh.description
    return route


def solution_to_dict(model: Model, schedules: list, unassigned: list, computing_times: dict | None = None, extra: dict | None = None) -> dict:
    """``schedules``: RouteSchedule per used vehicle; ``unassigned``: [(task index, reason)]."""
    routes = [route_to_dict(model, s) for s in schedules if s.task_indices()]
    n_dims = model.n_dims
    summary = {
        "cost": sum(r["cost"] for r in routes),
        "routes": len(routes),
        "unassigned": len(unassigned),
        "setup": sum(r["setup"] for r in routes),
        "service": sum(r["service"] for r in routes),
        "duration": sum(r["duration"] for r in routes),
        "waiting_time": sum(r["waiting_time"] for r in routes),
        "priority": sum(r["priority"] for r in routes),
        "distance": sum(r["distance"] for r in routes),
        "delivery": [sum(r["delivery"][d] for r in routes) for d in range(n_dims)],
        "pickup": [sum(r["pickup"][d] for r in routes) for d in range(n_dims)],
        "violations": [v for r in routes for v in r["violations"]],
        "computing_times": computing_times or {},
    }
    if model.objective == "co2":
        summary["co2_g"] = sum(r.get("co2_g", 0) for r in routes)
    out = {"code": 0, "summary": summary, "unassigned": [unassigned_entry(model, t, reason) for t, reason in unassigned], "routes": routes}
    if extra:
        out.update(extra)
    return out
