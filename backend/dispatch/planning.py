"""Planning a day: dispatch's orders and drivers -> the pure solver -> draft routes, in one transaction.

The use case reads the day (writing nothing, so no lock is held while the solver works, which may
take minutes), solves it, then saves the plan in one unit of work: the depot's earlier drafts of
that day go and the new drafts come together. A solve that fails, is refused or whose orders
changed meanwhile leaves the earlier drafts exactly as they were.

A plan made after the day has begun starts from now (dispatch.timing): no van leaves before now nor
before its driver's shift, drivers on duty (a fresh fix) leave from where they are, and no planned
time or ETA is in the past. Windows already over are no reason to refuse an order: it is planned late
and listed under "late" (the console flags the stop); an order whose window is still open but cannot
be reached in time any more is planned after it (late) too. A plan made after a driver's shift has
ended (at night) starts now, flagged under "after_shift_driver_ids", its stops late.
Hard rules still leave orders out, each with its reason under "unassigned": the length of the
driver's shift (no route is longer: time_window), the van's capacity (capacity), the skills an
order needs (skills).

Every order type is planned: a delivery is a stop, a return a collection stop (the van brings the parcel
back to the depot at the end of its route), a pickup-delivery pair two stops on one route, the pickup
first. The van's load follows the route: what it collects takes room from there on, what it delivers
frees it, so a van may do more deliveries and collections in a day than it could carry at once.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.database import utcnow
from backend.dispatch import problems, timing
from backend.dispatch.models import Route, RouteStatus, Stop
from backend.dispatch.service import PLANNABLE, actor_of, build_route
from backend.errors import InvalidInput
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Driver, Vehicle
from backend.orders import lifecycle
from backend.orders.enums import OrderStatus
from backend.orders.models import Order
from backend.routing import solve
from backend.unit_of_work import unit_of_work


def _drafts(org_id: int, day: date, depot_id: int) -> list[Route]:
    return list(db.session.scalars(select(Route).where(Route.org_id == org_id, Route.date == day,
                                                       Route.depot_id == depot_id, Route.status == RouteStatus.draft)))


def _day_to_plan(org_id: int, day: date, depot_id: int, driver_ids, order_ids, draft_ids: list[int]):
    """The drivers free that day and the orders to plan, counting the drafts being replaced as gone."""
    statement = select(Driver).where(Driver.org_id == org_id, Driver.active.is_(True))
    if driver_ids:
        statement = statement.where(Driver.id.in_(driver_ids))
    else:
        statement = statement.where((Driver.depot_id == depot_id) | (Driver.depot_id.is_(None)))
    busy = select(Route.driver_id).where(Route.org_id == org_id, Route.date == day, Route.driver_id.is_not(None),
                                         Route.id.not_in(draft_ids))
    drivers = list(db.session.scalars(statement.where(Driver.id.not_in(busy)).order_by(Driver.id)))
    on_drafts = select(Route.id).where(Route.id.in_(draft_ids))
    replanned = select(Stop.order_id).where(Stop.route_id.in_(on_drafts))
    plannable = Order.status.in_(PLANNABLE) | ((Order.status == OrderStatus.planned) & Order.id.in_(replanned))
    order_statement = select(Order).where(Order.org_id == org_id, plannable)
    if order_ids:
        order_statement = order_statement.where(Order.id.in_(order_ids))
    else:
        order_statement = order_statement.where(Order.delivery_date == day, Order.depot_id == depot_id)
    orders = list(db.session.scalars(order_statement.order_by(Order.id)))
    return drivers, orders


def _replace_drafts(org_id: int, day: date, depot_id: int, actor) -> None:
    """The depot's drafts of the day go; their planned orders are plannable again (not committed)."""
    for draft in _drafts(org_id, day, depot_id):
        for stop in list(draft.stops):
            if stop.order.status is OrderStatus.planned:
                lifecycle.transition(stop.order, OrderStatus.created, details={"replanned": True},
                                     **actor_of(actor))
            db.session.delete(stop)
        db.session.delete(draft)
    db.session.flush()


def plan_day(org_id: int, day: date, depot_id: int, *, driver_ids: list[int] | None = None,
             order_ids: list[int] | None = None, time_limit: float | None = None, objective: str = "cost",
             on_progress=None, should_stop=None, actor=None) -> dict:
    """Optimize a day and save the plan as draft routes, replacing the day's earlier drafts for the depot.

    Orders on published routes are left alone; what cannot fit stays unplanned with its reason.
    """
    depot = fleet_service.get_depot(org_id, depot_id)
    draft_ids = [draft.id for draft in _drafts(org_id, day, depot_id)]
    drivers, orders = _day_to_plan(org_id, day, depot_id, driver_ids, order_ids, draft_ids)
    if not drivers:
        raise InvalidInput("No available driver for this day.", fields={"driver_ids": ["No driver free."]})
    if not orders:
        raise InvalidInput("No order to plan for this day.", fields={"order_ids": ["Nothing to plan."]})
    vehicle_ids = [d.default_vehicle_id for d in drivers if d.default_vehicle_id]
    vehicles = {v.id: v for v in db.session.scalars(select(Vehicle).where(Vehicle.id.in_(vehicle_ids)))} if vehicle_ids else {}
    now = utcnow()
    not_before = timing.plan_moment(day, depot, now)
    starts = {driver.id: position for driver in drivers
              if (position := timing.on_duty_position(None, driver.id, now)) is not None} if not_before else {}
    problem = problems.build_day_problem(depot, day, drivers, vehicles, orders, objective=objective,
                                         not_before=not_before, starts=starts)
    task_index = problem.pop("task_index")
    overtime = problems.after_shift(problem, drivers, depot, day)
    vans = [(driver.id, driver.default_vehicle_id) for driver in drivers]
    jobs = [(order.id, order.external_ref) for order in orders]
    day_started = not_before is not None and any(
        not_before > datetime.combine(day, driver.shift_start, ZoneInfo(depot.timezone)) for driver in drivers)
    db.session.rollback()  # only read so far: no transaction stays open while the solver works
    solution = _solve(problem, time_limit, on_progress, should_stop)
    out_of_reach = _too_late_for_window(problem, solution) if day_started else set()
    if out_of_reach:
        # Windows that close before a van can get there now the day is under way: served late rather
        # than refused (planned, and flagged), at the price of a second solve.
        for task_type, task in _tasks(problem):
            if (task_type, task["id"]) in out_of_reach:
                task.pop("time_windows", None)
        solution = _solve(problem, time_limit, on_progress, should_stop)
    with unit_of_work():
        _replace_drafts(org_id, day, depot_id, actor)
        routes = []
        for vroom_route in solution["routes"]:
            driver_id, vehicle_id = vans[vroom_route["vehicle"] - 1]
            sequence = [(jobs[position][0], kind) for step in vroom_route["steps"]
                        if (found := task_index.get((step["type"], step.get("id")))) is not None
                        for position, kind in [found]]
            if not sequence:
                continue
            route = build_route(org_id, {"date": day, "depot_id": depot_id, "driver_id": driver_id,
                                         "vehicle_id": vehicle_id, "stops": sequence}, actor)
            routes.append(route.id)
        late = [{"order_id": stop.order_id, "external_ref": stop.order.external_ref, **flag}
                for route_id in routes for stop in db.session.get(Route, route_id).stops
                if (flag := timing.planned_late(stop)) is not None]
    unassigned: dict[int, dict] = {}  # a pair left out is listed once (the solver lists both its stops)
    for item in solution.get("unassigned", []):
        position, _kind = task_index[(item.get("type", "job"), item["id"])]
        order_id, external_ref = jobs[position]
        unassigned.setdefault(order_id, {"order_id": order_id, "external_ref": external_ref,
                                         "reason": item.get("reason", "")})
    unassigned = list(unassigned.values())
    return {"route_ids": routes, "unassigned": unassigned, "summary": solution.get("summary", {}),
            "late": [{**item, "window_end": item["window_end"].isoformat()} for item in late],
            "after_shift_driver_ids": overtime}


def _solve(problem, time_limit, on_progress, should_stop) -> dict:
    solution = solve(problem, time_limit=time_limit, on_progress=on_progress, should_stop=should_stop)
    if solution.get("code", 0) != 0:
        raise InvalidInput(solution.get("error", "The optimizer refused the problem."), code="routing_error")
    return solution


def _tasks(problem: dict):
    """(step type, task) for every job and each half of every shipment."""
    for job in problem["jobs"]:
        yield "job", job
    for shipment in problem.get("shipments", []):
        yield "pickup", shipment["pickup"]
        yield "delivery", shipment["delivery"]


def _too_late_for_window(problem: dict, solution: dict) -> set[tuple[str, int]]:
    """Stops left out only because their windows cannot be reached any more (both halves of a pair)."""
    windowed = {(task_type, task["id"]) for task_type, task in _tasks(problem) if task.get("time_windows")}
    late = set()
    for item in solution.get("unassigned", []):
        key = (item.get("type", "job"), item["id"])
        if item.get("reason") == "time_window" and key in windowed:
            late.add(key)
            if key[0] in ("pickup", "delivery"):  # the partner's window may be what cannot be met
                late.add(("delivery" if key[0] == "pickup" else "pickup", key[1]))
    return late
