"""From the database to the pure solver and back: building VROOM problems for a day or a route.

Solver time is seconds since local midnight of the route's day in the depot's time zone, so the
traffic profile's hours are the depot's local hours.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders.models import Order
from backend.errors import DomainError
from backend.green import offload
from backend.routing import RoutingError, evaluate

KG_SCALE = 1000  # capacities are integers for the solver: grams and millilitres
UNLIMITED = 10**9


def off_hub(solver_call, problem: dict, *args):
    """Run a solver call on a real thread under eventlet, so the hub keeps serving sockets meanwhile.

    A problem that needs OSRM gets its road matrices first, here on the hub: OSRM's HTTP calls use
    eventlet's green sockets, which belong to the hub and must not be used from a real thread (and
    that wait is cooperative anyway). The thread then solves with custom matrices.
    """
    if (problem.get("options") or {}).get("osrm_url"):
        from backend import outbound

        problem, args = with_road_matrices(problem, *args, policy=outbound.Policy.from_config(current_app.config))
    return offload(solver_call, problem, *args)


def with_road_matrices(problem: dict, *jobs, policy=None):
    """The problem (and the extra jobs to insert) with places turned into indices into matrices
    fetched now from the problem's matrix provider (through the outbound guard under `policy`);
    coordinates are kept for the output."""
    from backend.routing.matrix import DEFAULT_CACHE, provider_from_options
    from backend.routing.fields import LocationTable
    from backend.routing.model import DEFAULT_PROFILE

    options = dict(problem.get("options") or {})
    provider = provider_from_options(options, policy)
    table = LocationTable(custom=False, matrix_size=None)  # the solver's own numbering of places

    def placed(obj: dict | None, what: str, index_key="location_index", coords_key="location"):
        if not isinstance(obj, dict) or obj.get(coords_key) is None:
            return obj
        return {**obj, index_key: table.resolve(obj, what, index_key, coords_key)}

    vehicles = [placed(placed(v, "vehicle start", "start_index", "start"), "vehicle end", "end_index", "end")
                for v in problem.get("vehicles") or []]
    out = {**problem, "vehicles": vehicles, "jobs": [placed(j, "job") for j in problem.get("jobs") or []]}
    if problem.get("shipments"):
        out["shipments"] = [{**s, "pickup": placed(s.get("pickup"), "shipment pickup"),
                             "delivery": placed(s.get("delivery"), "shipment delivery")} for s in problem["shipments"]]
    extra = tuple(placed(job, "new job") for job in jobs)
    options.pop("osrm_url")
    out["options"] = options
    profiles = {v.get("profile", DEFAULT_PROFILE) for v in vehicles} or {DEFAULT_PROFILE}
    out["matrices"] = {}
    for profile in profiles:
        road = DEFAULT_CACHE.get_or_compute(table.coords, profile, provider)
        out["matrices"][profile] = {"durations": road.durations, "distances": road.distances}
    return out, extra


def day_origin(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(tz_name))


def to_offset(moment: datetime, origin: datetime) -> int:
    return int((moment - origin).total_seconds())


def from_offset(seconds: int | float, origin: datetime) -> datetime:
    return (origin + timedelta(seconds=int(seconds))).astimezone(timezone.utc)


def base_options(pace: float = 1.0) -> dict:
    from backend.tracking.eta_model import traffic_option

    options = {"traffic": traffic_option(pace)}
    if current_app.config.get("OSRM_URL"):
        options["osrm_url"] = current_app.config["OSRM_URL"]
    return options


def order_amounts(order: Order) -> list[int]:
    return [int(round(order.weight_kg * KG_SCALE)), int(round(order.volume_l * KG_SCALE)), int(order.parcel_count)]


def job_for(order: Order, job_id: int, origin: datetime) -> dict:
    job = {"id": job_id, "location": [order.lon, order.lat], "service": int(order.service_time_s),
           "delivery": order_amounts(order), "priority": max(0, min(100, int(order.priority))),
           "description": order.external_ref}
    windows = [[max(0, to_offset(w.start_at, origin)), max(0, to_offset(w.end_at, origin))]
               for w in order.time_windows]
    windows = [w for w in windows if w[1] > w[0]]
    if windows:
        job["time_windows"] = windows
    if order.required_skills:
        job["skills"] = [_skill_id(s) for s in order.required_skills]
    return job


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
    window_start = to_offset(datetime.combine(origin.date(), shift_start, origin.tzinfo), origin)
    if start_at is not None:
        window_start = max(window_start, to_offset(start_at, origin))
    window_end = to_offset(datetime.combine(origin.date(), shift_end, origin.tzinfo), origin)
    spec["time_window"] = [window_start, max(window_end, window_start)]
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


def evaluate_sequence(depot: Depot, driver: Driver | None, vehicle: Vehicle | None, day: date, orders: list[Order],
                      *, start: tuple[float, float] | None = None, start_at: datetime | None = None,
                      pace: float = 1.0) -> dict:
    """VROOM plan mode for a fixed sequence: arrival times, distances and every violation, per stop.

    Returns {"route": the VROOM route or None, "arrivals": [(arrival, departure)] per order (UTC),
    "violations": [[...] per order], "distance_m", "duration_s", "start_at", "end_at"}.
    """
    origin = day_origin(day, depot.timezone)
    vehicle_spec = vehicle_for(1, depot, driver, vehicle, origin, start=start, start_at=start_at)
    steps = [{"type": "start"}] + [{"type": "job", "id": i + 1} for i in range(len(orders))] + [{"type": "end"}]
    vehicle_spec["steps"] = steps
    problem = {"vehicles": [vehicle_spec], "jobs": [job_for(o, i + 1, origin) for i, o in enumerate(orders)],
               "options": base_options(pace)}
    if not orders:
        return {"route": None, "arrivals": [], "violations": [], "distance_m": 0, "duration_s": 0,
                "start_at": None, "end_at": None}
    try:
        solution = off_hub(evaluate, problem)
    except RoutingError as failed:
        # Code 3: the road network (OSRM) did not answer; code 2: the data cannot make a route.
        raise DomainError(f"The route could not be timed: {failed.message}", code="routing_error",
                          status=503 if failed.code == 3 else 422)
    route = solution["routes"][0]
    jobs = [step for step in route["steps"] if step["type"] == "job"]
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
                      orders: list[Order], *, objective: str = "cost") -> dict:
    """One VROOM problem for a day: a vehicle per available driver, a job per order."""
    origin = day_origin(day, depot.timezone)
    problem = {"vehicles": [], "jobs": [job_for(order, index + 1, origin) for index, order in enumerate(orders)],
               "options": {**base_options(), "objective": objective}}
    for index, driver in enumerate(drivers):
        vehicle = vehicles.get(driver.default_vehicle_id) if driver.default_vehicle_id else None
        spec = vehicle_for(index + 1, depot, driver, vehicle, origin)
        spec["description"] = driver.user.name
        problem["vehicles"].append(spec)
    return problem


def plan_day(org_id: int, day: date, depot_id: int, *, driver_ids: list[int] | None = None,
             order_ids: list[int] | None = None, time_limit: float | None = None, objective: str = "cost",
             on_progress=None, should_stop=None, actor=None) -> dict:
    """Optimize a day and save the plan as draft routes, replacing the day's earlier drafts for the depot.

    Orders on published routes are left alone; what cannot fit stays unplanned with its reason.
    """
    from sqlalchemy import select

    from backend.dispatch import service as dispatch_service
    from backend.dispatch.models import Route, RouteStatus
    from backend.errors import InvalidInput
    from backend.extensions import db
    from backend.fleet import service as fleet_service
    from backend.orders import lifecycle
    from backend.orders.enums import OrderStatus
    from backend.routing import solve

    depot = fleet_service.get_depot(org_id, depot_id)
    drafts = list(db.session.scalars(select(Route).where(Route.org_id == org_id, Route.date == day,
                                                         Route.depot_id == depot_id, Route.status == RouteStatus.draft)))
    for draft in drafts:
        for stop in list(draft.stops):
            if stop.order.status is OrderStatus.planned:
                lifecycle.transition(stop.order, OrderStatus.created, details={"replanned": True},
                                     **dispatch_service.actor_of(actor))
            db.session.delete(stop)
        db.session.delete(draft)
    db.session.flush()
    statement = select(Driver).where(Driver.org_id == org_id, Driver.active.is_(True))
    if driver_ids:
        statement = statement.where(Driver.id.in_(driver_ids))
    else:
        statement = statement.where((Driver.depot_id == depot_id) | (Driver.depot_id.is_(None)))
    busy = select(Route.driver_id).where(Route.org_id == org_id, Route.date == day, Route.driver_id.is_not(None))
    drivers = list(db.session.scalars(statement.where(Driver.id.not_in(busy)).order_by(Driver.id)))
    order_statement = select(Order).where(Order.org_id == org_id, Order.status.in_(dispatch_service.PLANNABLE))
    if order_ids:
        order_statement = order_statement.where(Order.id.in_(order_ids))
    else:
        order_statement = order_statement.where(Order.delivery_date == day, Order.depot_id == depot_id)
    orders = list(db.session.scalars(order_statement.order_by(Order.id)))
    if not drivers:
        raise InvalidInput("No available driver for this day.", fields={"driver_ids": ["No driver free."]})
    if not orders:
        raise InvalidInput("No order to plan for this day.", fields={"order_ids": ["Nothing to plan."]})
    vehicle_ids = [d.default_vehicle_id for d in drivers if d.default_vehicle_id]
    vehicles = {v.id: v for v in db.session.scalars(select(Vehicle).where(Vehicle.id.in_(vehicle_ids)))} if vehicle_ids else {}
    problem = build_day_problem(depot, day, drivers, vehicles, orders, objective=objective)
    db.session.commit()  # the old drafts are gone; the solve may take a while and must not hold locks
    solution = solve(problem, time_limit=time_limit, on_progress=on_progress, should_stop=should_stop)
    if solution.get("code", 0) != 0:
        raise InvalidInput(solution.get("error", "The optimizer refused the problem."), code="routing_error")
    routes = []
    for vroom_route in solution["routes"]:
        driver = drivers[vroom_route["vehicle"] - 1]
        sequence = [orders[step["id"] - 1].id for step in vroom_route["steps"] if step["type"] == "job"]
        if not sequence:
            continue
        route = dispatch_service.create_route(org_id, {"date": day, "depot_id": depot_id, "driver_id": driver.id,
                                                       "vehicle_id": driver.default_vehicle_id, "order_ids": sequence},
                                              actor)
        routes.append(route.id)
    unassigned = [{"order_id": orders[item["id"] - 1].id, "external_ref": orders[item["id"] - 1].external_ref,
                   "reason": item.get("reason", "")} for item in solution.get("unassigned", [])]
    return {"route_ids": routes, "unassigned": unassigned, "summary": solution.get("summary", {})}
