"""The optimizer's suggestions to a dispatcher during the day, and applying them once reviewed.

A suggestion (a better order for the stops left, the cheapest place for an urgent order, where a
broken-down driver's stops would fit) changes nothing: it answers a preview and the versions it was
made on; the dispatcher confirms with those versions (`insert_order`, `redistribute`).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.database import utcnow
from backend.dispatch import problems, timing
from backend.dispatch.models import Route, Stop, StopStatus
from backend.dispatch.moves import (apply_move, follow_route_status, insert_at, movable_stop, refresh_etas_after,
                                    renumber, target_route, visited_count)
from backend.dispatch.previews import fleet_of, new_violations, preview_of, violation_lines
from backend.dispatch.service import ACTIVE_ROUTE, PLANNABLE, bump, check_version, get_route, replan
from backend.errors import Conflict, InvalidInput
from backend.extensions import db
from backend.orders.enums import OrderType, StopKind
from backend.fleet.models import Depot
from backend.orders import service as orders_service
from backend.orders.models import Order
from backend.unit_of_work import transactional


def _vehicle_spec(vehicle_id: int, route: Route, origin, *, from_position: bool):
    """The route's van for the solver, timed as a re-plan would be (dispatch.timing): not before now,
    from the driver's last position when on duty."""
    depot, driver, vehicle = fleet_of(route)
    start = start_at = None
    if from_position:
        now = utcnow()
        start_at = timing.plan_moment(route.date, depot, now)
        if start_at is not None:
            start = timing.on_duty_position(route, route.driver_id, now)
    return problems.vehicle_for(vehicle_id, depot, driver, vehicle, origin, start=start, start_at=start_at)


def _not_before(route: Route):
    return timing.plan_moment(route.date, db.session.get(Depot, route.depot_id), utcnow())


def _pending(route: Route) -> list[Stop]:
    return [s for s in sorted(route.stops, key=lambda s: s.sequence) if s.status is StopStatus.pending]


def _visited(route: Route) -> list[Stop]:
    return [s for s in sorted(route.stops, key=lambda s: s.sequence) if s.status is not StopStatus.pending]


def _origin(route: Route):
    return problems.day_origin(route.date, db.session.get(Depot, route.depot_id).timezone)


def _solver_options() -> dict:
    # OR-Tools alone: a quick answer for a person waiting, with no helper process to spawn from the web server.
    return {**problems.base_options(), "engines": "ortools"}


def suggest_reoptimization(principal: Principal, route_id: int) -> dict:
    """A better order for the stops still to do, from where the driver is now; nothing is saved.

    Visited stops stay first; stops that would no longer fit stay on the route, at the end, and are
    listed with the reason so the dispatcher can move them.
    """
    from backend.routing import RoutingError, reoptimize_route
    route = get_route(principal, route_id)
    if route.status not in ACTIVE_ROUTE:
        raise Conflict(f"The route is {route.status.value}.", code="route_closed")
    pending = _pending(route)
    if len(pending) < 2:
        raise InvalidInput("Fewer than two stops remain: there is nothing to re-order.",
                           fields={"route_id": ["Nothing to re-order."]}, code="nothing_to_optimize")
    origin = _origin(route)
    spec = _vehicle_spec(1, route, origin, from_position=True)
    spec["steps"] = [{"type": "start"}] + [{"type": "job", "id": s.id} for s in pending] + [{"type": "end"}]
    not_before = _not_before(route)
    problem = {"vehicles": [spec], "jobs": [problems.job_for(s.order, s.id, origin, not_before=not_before)
                                            for s in pending],
               "options": _solver_options()}
    try:
        solution = problems.off_hub(reoptimize_route, problem)
    except RoutingError as refused:
        raise InvalidInput(str(refused), code="routing_error")
    ordered_ids = [step["id"] for r in solution.get("routes", []) for step in r["steps"] if step["type"] == "job"]
    by_id = {s.id: s for s in pending}
    unassigned = [{"stop_id": item["id"], "reason": item.get("reason", "")} for item in solution.get("unassigned", [])]
    leftover = [s.id for s in pending if s.id not in ordered_ids]
    stop_ids = [s.id for s in _visited(route)] + [i for i in ordered_ids if i in by_id] + leftover
    ordered = {s.id: s for s in route.stops}
    preview = preview_of(route, [ordered[i] for i in stop_ids])
    current = preview_of(route, sorted(route.stops, key=lambda s: s.sequence))
    db.session.rollback()
    return {"route_id": route.id, "version": route.version, "stop_ids": stop_ids, "unassigned": unassigned,
            "preview": preview, "current": {"distance_m": current["distance_m"], "duration_s": current["duration_s"]},
            "new_violations": new_violations(violation_lines(current), violation_lines(preview))}


def _candidate_routes(principal: Principal, day: date, exclude: int | None = None) -> list[Route]:
    statement = select(Route).where(Route.org_id == principal.org_id, Route.date == day,
                                    Route.status.in_(list(ACTIVE_ROUTE))).order_by(Route.id)
    return [r for r in db.session.scalars(statement) if r.id != exclude]


def _insertion_problem(routes: list[Route], origin) -> dict:
    """One VROOM problem in plan mode: each candidate route's remaining stops as its vehicle's steps."""
    problem = {"vehicles": [], "jobs": [], "options": _solver_options()}
    for index, route in enumerate(routes, start=1):
        spec = _vehicle_spec(index, route, origin, from_position=True)
        pending = _pending(route)
        spec["steps"] = [{"type": "start"}] + [{"type": "job", "id": s.order_id} for s in pending] + [{"type": "end"}]
        problem["vehicles"].append(spec)
        not_before = _not_before(route)
        problem["jobs"].extend(problems.job_for(s.order, s.order_id, origin, not_before=not_before) for s in pending)
    return problem


def _insert_into_problem(problem: dict, job: dict, vehicle_index: int, position: int) -> None:
    steps = problem["vehicles"][vehicle_index]["steps"]
    steps.insert(position + 1, {"type": "job", "id": job["id"]})  # steps[0] is the start
    problem["jobs"].append(job)


def suggest_insertion(principal: Principal, order_id: int) -> dict:
    """The cheapest feasible place for an urgent order among the day's open routes (nothing saved)."""
    from backend.routing import RoutingError, insert_job
    order = orders_service.get_order(principal.org_id, order_id)
    if order.status not in PLANNABLE:
        raise Conflict(f"The order is {order.status.value}; only unplanned orders can be inserted.",
                       code="not_plannable")
    if order.delivery_date is None:
        raise InvalidInput("Give the order a delivery date first.", fields={"delivery_date": ["Required."]})
    routes = _candidate_routes(principal, order.delivery_date)
    if not routes:
        return {"order_id": order.id, "route_id": None, "reason": "no_route"}
    origin = _origin(routes[0])
    problem = _insertion_problem(routes, origin)
    job = problems.job_for(order, order.id, origin, not_before=_not_before(routes[0]))
    try:
        answer = problems.off_hub(insert_job, problem, job)
    except RoutingError as refused:
        raise InvalidInput(str(refused), code="routing_error")
    if "unassigned" in answer:
        return {"order_id": order.id, "route_id": None, "reason": answer["unassigned"].get("reason", "no_room")}
    route = routes[answer["vehicle"] - 1]
    position = visited_count(route) + answer["position"] + 1
    preview = preview_of(route, insert_at(sorted(route.stops, key=lambda s: s.sequence),
                                           _OrderOnly(order), position, visited_count(route)))
    db.session.rollback()
    return {"order_id": order.id, "route_id": route.id, "version": route.version, "position": position,
            "cost_delta": answer.get("cost_delta"), "reason": None, "preview": preview,
            "driver": route.driver}


def suggest_placement(principal: Principal, stop_id: int, to_route_id: int) -> dict:
    """The cheapest feasible position for a pending stop on another route (nothing saved); `position` is
    None with the reason when it fits nowhere without a new violation (the end of the route is then the
    dispatcher's choice, previewed as usual)."""
    from backend.routing import RoutingError, insert_job

    stop = movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    target = target_route(principal, to_route_id, source)
    origin = _origin(target)
    problem = _insertion_problem([target], origin)
    job = problems.job_for(stop.order, stop.order_id, origin, not_before=_not_before(target))
    try:
        answer = problems.off_hub(insert_job, problem, job)
    except RoutingError as refused:
        raise InvalidInput(str(refused), code="routing_error")
    db.session.rollback()
    if "unassigned" in answer:
        return {"stop_id": stop.id, "route_id": target.id, "version": target.version, "position": None,
                "reason": answer["unassigned"].get("reason") or "no_room"}
    return {"stop_id": stop.id, "route_id": target.id, "version": target.version,
            "position": visited_count(target) + answer["position"] + 1, "reason": None}


class _OrderOnly:
    """A stand-in stop for an order not on any route yet, for previews (nothing is added to the session)."""

    def __init__(self, order: Order):
        self.id = None
        self.order = order
        self.order_id = order.id
        self.planned_arrival_at = None


@transactional
def insert_order(principal: Principal, route_id: int, order_id: int, position: int | None, version: int) -> dict:
    """Add an unplanned order to a route (the driver's phone gets it at once if the route is published)."""
    route = get_route(principal, route_id)
    check_version(route, version)
    if route.status not in ACTIVE_ROUTE:
        raise Conflict(f"The route is {route.status.value}; it takes no more stops.", code="route_closed")
    order = orders_service.get_order(principal.org_id, order_id)
    if order.status not in PLANNABLE:
        raise Conflict(f"The order is {order.status.value}; only unplanned orders can be inserted.",
                       code="not_plannable")
    ordered = sorted(route.stops, key=lambda s: s.sequence)
    # A pair's pickup goes in at `position`, its delivery right after it; a return is a pickup stop.
    new_order = ordered
    for offset, kind in enumerate(order.stop_kinds):
        stop = Stop(org_id=principal.org_id, route_id=route.id, order_id=order.id, sequence=len(ordered) + 1 + offset,
                    kind=kind)
        new_order = insert_at(new_order, stop, None if position is None else position + offset, visited_count(route))
        db.session.add(stop)
    renumber(new_order)
    follow_route_status(principal, order, route)
    db.session.flush()
    db.session.refresh(route, ["stops"])
    replan(route)
    bump(route, {"kind": "added", "stop_id": stop.id, "address": order.address, "sequence": stop.sequence,
                 "by": principal.name})
    refresh_etas_after([route])
    return route


def suggest_redistribution(principal: Principal, route_id: int) -> dict:
    """Where each remaining stop of a driver who cannot go on would fit best among the day's other routes.

    Stops are placed one after the other by cheapest feasible insertion (each placement sees the ones
    before it); a stop that fits nowhere stays on its route and is listed with the reason.
    """
    from backend.routing import RoutingError, insert_job
    source = get_route(principal, route_id)
    pending = _pending(source)
    if not pending:
        raise InvalidInput("No stop remains on this route.", fields={"route_id": ["Nothing to move."]},
                           code="nothing_to_move")
    routes = _candidate_routes(principal, source.date, exclude=source.id)
    versions = [{"route_id": source.id, "version": source.version}] + \
        [{"route_id": r.id, "version": r.version} for r in routes]
    moves, unassigned = [], []
    if not routes:
        unassigned = [{"stop_id": s.id, "address": s.order.address, "reason": "no_route"} for s in pending]
        return {"route_id": source.id, "moves": [], "unassigned": unassigned, "versions": versions}
    origin = _origin(source)
    problem = _insertion_problem(routes, origin)
    added_to: dict[int, int] = {}
    for stop in pending:
        if stop.kind is StopKind.pickup and stop.order.type is OrderType.pickup_delivery:
            continue  # a pair is placed by its delivery and moves whole (dispatch.moves.together)
        job = problems.job_for(stop.order, stop.order_id, origin, not_before=_not_before(source))
        try:
            answer = problems.off_hub(insert_job, problem, job)
        except RoutingError as refused:
            raise InvalidInput(str(refused), code="routing_error")
        if "unassigned" in answer:
            unassigned.append({"stop_id": stop.id, "address": stop.order.address,
                               "reason": answer["unassigned"].get("reason", "no_room")})
            continue
        index = answer["vehicle"] - 1
        _insert_into_problem(problem, job, index, answer["position"])
        target = routes[index]
        added_to[target.id] = added_to.get(target.id, 0) + 1
        moves.append({"stop_id": stop.id, "address": stop.order.address, "to_route_id": target.id,
                      "position": visited_count(target) + answer["position"] + 1,
                      "driver": target.driver})
    db.session.rollback()
    return {"route_id": source.id, "moves": moves, "unassigned": unassigned,
            "versions": [v for v in versions if v["route_id"] == source.id or v["route_id"] in added_to]}


@transactional
def redistribute(principal: Principal, route_id: int, moves: list[dict], versions: list[dict]) -> dict:
    """Apply reviewed moves off one route, all or nothing, each touched route checked by its version."""
    source = get_route(principal, route_id)
    expected = {v["route_id"]: v["version"] for v in versions}
    if source.id not in expected:
        raise InvalidInput("Send the version of the route the stops leave.", fields={"versions": ["Missing."]})
    check_version(source, expected[source.id])
    touched: dict[int, Route] = {source.id: source}
    added: dict[int, list[str]] = {}
    for index, move in enumerate(moves):
        stop = movable_stop(principal, move["stop_id"])
        if stop.route_id != source.id:
            raise InvalidInput("Only stops of this route can be redistributed.",
                               fields={"moves": {str(index): ["Not on this route."]}})
        if move["to_route_id"] == source.id:
            raise InvalidInput("A stop cannot be redistributed onto its own route.",
                               fields={"moves": {str(index): ["Same route."]}})
        target = touched.get(move["to_route_id"]) or target_route(principal, move["to_route_id"], source)
        if target.id not in expected:
            raise InvalidInput("Send the version of every route that receives stops.",
                               fields={"versions": [f"Missing route {target.id}."]})
        if target.id not in touched:
            check_version(target, expected[target.id])
            touched[target.id] = target
        address = stop.order.address
        apply_move(principal, stop, source, target, move.get("position"))
        added.setdefault(target.id, []).append(address)
    for route in touched.values():
        replan(route)
    bump(source, {"kind": "reassigned", "count": len(moves), "by": principal.name})
    for route in touched.values():
        if route.id != source.id:
            addresses = added.get(route.id, [])
            bump(route, {"kind": "added", "count": len(addresses), "address": ", ".join(addresses[:3]),
                         "by": principal.name})
    refresh_etas_after(list(touched.values()))
    return {"routes": list(touched.values())}
