"""Dispatch's routes and orders as VROOM problems for the pure solver, and the solver's times back.

Solver time is seconds since local midnight of the route's day in the depot's time zone, so the
traffic profile's hours are the depot's local hours.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from backend import outbound

from backend.dispatch.eta_model import traffic_option
from backend.errors import DomainError
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders.enums import OrderType, StopKind
from backend.orders.models import Order
from backend.routing import RoutingError, evaluate
from backend.routing import off_hub as solver_thread

KG_SCALE = 1000  # capacities are integers for the solver: grams and millilitres
UNLIMITED = 10**9


def off_hub(solver_call, problem: dict, *args):
    """A solver call on a real thread (the hub keeps serving sockets); OSRM, when the problem needs it,
    is asked first on the hub through the outbound guard under the app's policy."""
    return solver_thread.off_hub(solver_call, problem, *args,
                                 policy=outbound.Policy.from_config(current_app.config))


def day_origin(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(tz_name))


def to_offset(moment: datetime, origin: datetime) -> int:
    return int((moment - origin).total_seconds())


def from_offset(seconds: int | float, origin: datetime) -> datetime:
    return (origin + timedelta(seconds=int(seconds))).astimezone(timezone.utc)


def base_options(pace: float = 1.0) -> dict:
    options = {"traffic": traffic_option(pace)}
    if current_app.config.get("OSRM_URL"):
        options["osrm_url"] = current_app.config["OSRM_URL"]
    return options


def order_amounts(order: Order) -> list[int]:
    return [int(round(order.weight_kg * KG_SCALE)), int(round(order.volume_l * KG_SCALE)), int(order.parcel_count)]


def _windows(windows, origin: datetime, not_before: datetime | None) -> list[list[int]]:
    open_windows = [w for w in windows if not_before is None or w.end_at > not_before]
    spans = [[max(0, to_offset(w.start_at, origin)), max(0, to_offset(w.end_at, origin))] for w in open_windows]
    return [w for w in spans if w[1] > w[0]]


def _end_step(order: Order, kind: StopKind, step_id: int, origin: datetime, not_before: datetime | None) -> dict:
    """Where, when and how long the driver stops at one end of the order."""
    end = order.end(kind)
    step = {"id": step_id, "location": [end.lon, end.lat], "service": int(end.service_time_s),
            "description": order.external_ref}
    windows = _windows(end.time_windows, origin, not_before)
    if windows:
        step["time_windows"] = windows
    return step


def job_for(order: Order, job_id: int, origin: datetime, *, not_before: datetime | None = None,
            kind: StopKind | None = None) -> dict:
    """One stop of the order as a solver job (its last stop unless `kind` says). With `not_before` (a plan made
    after its day began), windows already over are left out: an order whose every window has passed is planned
    late, not refused. A collection loads the van (pickup amounts); a delivery leaves from it."""
    kind = kind or order.stop_kinds[-1]
    job = _end_step(order, kind, job_id, origin, not_before)
    job["pickup" if kind is StopKind.pickup else "delivery"] = order_amounts(order)
    job["priority"] = max(0, min(100, int(order.priority)))
    if order.required_skills:
        job["skills"] = [_skill_id(s) for s in order.required_skills]
    return job


def shipment_for(order: Order, pickup_id: int, delivery_id: int, origin: datetime, *,
                 not_before: datetime | None = None) -> dict:
    """A pickup-delivery pair as a solver shipment: both stops on one route, the pickup first, the load
    carried between them."""
    shipment = {"pickup": _end_step(order, StopKind.pickup, pickup_id, origin, not_before),
                "delivery": _end_step(order, StopKind.delivery, delivery_id, origin, not_before),
                "amount": order_amounts(order), "priority": max(0, min(100, int(order.priority)))}
    if order.required_skills:
        shipment["skills"] = [_skill_id(s) for s in order.required_skills]
    return shipment


def add_orders(problem: dict, orders: list[Order], origin: datetime, *, not_before: datetime | None = None) -> dict:
    """The orders as jobs and shipments of `problem` (task ids are 1 + the order's index): returns
    {(step type, id): (order index, stop kind)} to read the solver's steps back."""
    problem.setdefault("jobs", [])
    index: dict[tuple[str, int], tuple[int, StopKind]] = {}
    for position, order in enumerate(orders):
        task_id = position + 1
        if order.type is OrderType.pickup_delivery:
            problem.setdefault("shipments", []).append(
                shipment_for(order, task_id, task_id, origin, not_before=not_before))
            index[("pickup", task_id)] = (position, StopKind.pickup)
            index[("delivery", task_id)] = (position, StopKind.delivery)
        else:
            problem["jobs"].append(job_for(order, task_id, origin, not_before=not_before))
            index[("job", task_id)] = (position, order.stop_kinds[-1])
    return index


_SKILL_IDS: dict[str, int] = {}


def _skill_id(name: str) -> int:
    """VROOM skills are integers; names map to stable small numbers for one process's problems."""
    return _SKILL_IDS.setdefault(name, len(_SKILL_IDS) + 1)


def vehicle_for(vehicle_id: int, depot: Depot, driver: Driver | None, vehicle: Vehicle | None, origin: datetime,
                *, start: tuple[float, float] | None = None, start_at: datetime | None = None) -> dict:
    spec: dict = {"id": vehicle_id, "profile": vehicle.profile if vehicle else "van"}
    if start is not None:
        spec["start"] = [start[1], start[0]]
    elif driver and driver.start_lat is not None:
        spec["start"] = [driver.start_lon, driver.start_lat]
    else:
        spec["start"] = [depot.lon, depot.lat]
    spec["end"] = [driver.end_lon, driver.end_lat] if driver and driver.end_lat is not None else [depot.lon, depot.lat]
    shift_start = driver.shift_start if driver else time(8, 0)
    shift_end = driver.shift_end if driver else time(18, 0)
    shift_from = to_offset(datetime.combine(origin.date(), shift_start, origin.tzinfo), origin)
    window_end = to_offset(datetime.combine(origin.date(), shift_end, origin.tzinfo), origin)
    window_start = shift_from
    if start_at is not None:
        window_start = max(window_start, to_offset(start_at, origin))
    if window_start >= window_end:
        # Planned after the shift is over (a plan made at night): the route starts now and is still no
        # longer than a shift; its stops are planned late and flagged, not dropped.
        window_end = window_start + max(0, window_end - shift_from)
    spec["time_window"] = [window_start, window_end]
    capacity = [0, 0, 0]
    if vehicle is not None:
        capacity = [int(vehicle.capacity_weight_kg * KG_SCALE), int(vehicle.capacity_volume_l * KG_SCALE),
                    int(vehicle.capacity_parcels)]
    # A dimension a vehicle does not declare (0) is not a limit.
    spec["capacity"] = [c if c > 0 else UNLIMITED for c in capacity]
    if vehicle is not None:
        spec["costs"] = {"fixed": vehicle.cost_fixed_cents, "per_hour": vehicle.cost_per_hour_cents,
                         "per_km": vehicle.cost_per_km_cents}
        spec["co2_g_per_km"] = vehicle.co2_g_per_km
    if driver and driver.skills:
        spec["skills"] = [_skill_id(s) for s in driver.skills]
    return spec


def evaluate_sequence(depot: Depot, driver: Driver | None, vehicle: Vehicle | None, day: date,
                      stops: list[tuple[Order, StopKind | None]], *, start: tuple[float, float] | None = None, start_at: datetime | None = None,
                      pace: float = 1.0) -> dict:
    """VROOM plan mode for a fixed sequence of stops (order, kind): arrival times, distances and every violation,
    per stop. A pair with both stops in the sequence is a shipment (its load carried between them); a pair's
    delivery alone (collected already) is a delivery from the van.

    Returns {"route": the VROOM route or None, "arrivals": [(arrival, departure)] per order (UTC),
    "violations": [[...] per order], "distance_m", "duration_s", "start_at", "end_at"}.
    """
    origin = day_origin(day, depot.timezone)
    vehicle_spec = vehicle_for(1, depot, driver, vehicle, origin, start=start, start_at=start_at)
    problem = {"vehicles": [vehicle_spec], "jobs": [], "options": base_options(pace)}
    steps = [{"type": "start"}]
    ends_on_route: dict[int, int] = {}
    for order, _kind in stops:
        ends_on_route[order.id] = ends_on_route.get(order.id, 0) + 1
    shipments: dict[int, dict] = {}
    for position, (order, kind) in enumerate(stops):
        kind = kind or order.stop_kinds[-1]
        if ends_on_route[order.id] == 2 and order.type is OrderType.pickup_delivery:
            if order.id not in shipments:
                shipments[order.id] = shipment_for(order, position + 1, position + 1, origin)
                problem.setdefault("shipments", []).append(shipments[order.id])
            shipments[order.id][kind.value]["id"] = position + 1
            steps.append({"type": kind.value, "id": position + 1})
        else:
            problem["jobs"].append(job_for(order, position + 1, origin, kind=kind))
            steps.append({"type": "job", "id": position + 1})
    vehicle_spec["steps"] = steps + [{"type": "end"}]
    if not stops:
        return {"route": None, "arrivals": [], "violations": [], "distance_m": 0, "duration_s": 0,
                "start_at": None, "end_at": None}
    try:
        solution = off_hub(evaluate, problem)
    except RoutingError as failed:
        # Code 3: the road network (OSRM) did not answer; code 2: the data cannot make a route.
        raise DomainError(f"The route could not be timed: {failed.message}", code="routing_error",
                          status=503 if failed.code == 3 else 422)
    route = solution["routes"][0]
    jobs = [step for step in route["steps"] if step["type"] in ("job", "pickup", "delivery")]
    arrivals = []
    for step in jobs:
        service_start = step["arrival"] + step.get("waiting_time", 0)
        arrivals.append((from_offset(step["arrival"], origin), from_offset(service_start + step["service"], origin)))
    return {"route": route, "arrivals": arrivals, "violations": [step.get("violations", []) for step in jobs],
            "route_violations": route.get("violations", []), "distance_m": int(route.get("distance", 0)),
            "duration_s": int(route.get("duration", 0)),
            "start_at": from_offset(route["steps"][0]["arrival"], origin),
            "end_at": from_offset(route["steps"][-1]["arrival"], origin)}


# --- planning a day -------------------------------------------------------------------------------

def build_day_problem(depot: Depot, day: date, drivers: list[Driver], vehicles: dict[int, Vehicle],
                      orders: list[Order], *, objective: str = "cost", not_before: datetime | None = None,
                      starts: dict[int, tuple[float, float]] | None = None) -> dict:
    """One VROOM problem for a day: a vehicle per available driver, a job per delivery or return, a shipment
    per pickup-delivery pair. "task_index" ({(step type, id): (order index, stop kind)}) is popped before solving.

    `not_before` (now, when the day is under way): no van starts earlier and windows already over are
    left out; `starts`: drivers on duty start from their last position instead of their start address."""
    origin = day_origin(day, depot.timezone)
    problem = {"vehicles": [], "jobs": [], "options": {**base_options(), "objective": objective}}
    problem["task_index"] = add_orders(problem, orders, origin, not_before=not_before)
    for index, driver in enumerate(drivers):
        vehicle = vehicles.get(driver.default_vehicle_id) if driver.default_vehicle_id else None
        spec = vehicle_for(index + 1, depot, driver, vehicle, origin, start=(starts or {}).get(driver.id),
                           start_at=not_before)
        spec["description"] = driver.user.name
        problem["vehicles"].append(spec)
    return problem


def after_shift(problem: dict, drivers: list[Driver], depot: Depot, day: date) -> list[int]:
    """The drivers whose shift had ended when the day was planned (their routes start now: overtime)."""
    origin = day_origin(day, depot.timezone)
    return [driver.id for driver, van in zip(drivers, problem["vehicles"])
            if van["time_window"][0] >= to_offset(datetime.combine(day, driver.shift_end, origin.tzinfo), origin)]
