"""The dispatcher's live console: the day at a glance, and changes to routes that are already driven.

Business rules carried here:
- A stop may move (to another place, another route) only while it is pending: once the driver has
  arrived or finished it, it is history.
- A move between routes checks both routes' versions and bumps both: nothing is overwritten silently,
  and both drivers' phones receive their new route after the commit.
- Routes only exchange stops within one day and one organization; completed routes take no stops.
- Suggestions (re-optimization, insertion of an urgent order, redistribution of a broken-down
  driver's stops) change nothing: the dispatcher reviews the preview and confirms with the versions
  the suggestion was made on.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from backend.auth.principal import Principal
from backend.config import map_tiles
from backend.database import isoformat_or_none, utcnow
from backend.dispatch import problems
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.dispatch.service import (ACTIVE_ROUTE, PLANNABLE, actor_of, bump, check_version, get_route,
                                      replan)
from backend.dispatch.summaries import window_end
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.geo.sphere import distance_m
from backend.orders import lifecycle
from backend.orders import service as orders_service
from backend.orders.enums import OrderStatus
from backend.orders.models import Order
from backend.tracking.models import DriverPosition
from backend.unit_of_work import on_commit, transactional


def console_settings() -> dict:
    """What the console needs from the server's configuration (the map's tiles may be self-hosted)."""
    config = current_app.config
    return {**map_tiles(config), "road_geometry": bool(config.get("OSRM_URL"))}


# --- the day at a glance --------------------------------------------------------------------------

def board(principal: Principal, day: date, depot_id: int | None) -> dict:
    """Everything the console shows for a day: routes with summaries, drivers' positions, unplanned orders."""
    route_query = select(Route).where(Route.org_id == principal.org_id, Route.date == day).order_by(Route.id)
    order_query = select(Order).where(Order.org_id == principal.org_id, Order.status.in_(PLANNABLE),
                                      Order.delivery_date == day).order_by(Order.id).limit(5000)
    if depot_id is not None:
        if db.session.scalar(select(Depot.id).where(Depot.org_id == principal.org_id, Depot.id == depot_id)) is None:
            raise NotFound("No such depot.")
        route_query = route_query.where(Route.depot_id == depot_id)
        order_query = order_query.where((Order.depot_id == depot_id) | (Order.depot_id.is_(None)))
    routes = list(db.session.scalars(route_query))
    driver_ids = [r.driver_id for r in routes if r.driver_id]
    positions = list(db.session.scalars(select(DriverPosition).where(
        DriverPosition.org_id == principal.org_id, DriverPosition.driver_id.in_(driver_ids)))) if driver_ids else []
    return {"date": day, "depot_id": depot_id, "routes": routes, "positions": positions,
            "unplanned": list(db.session.scalars(order_query).unique())}


# --- previews -------------------------------------------------------------------------------------

def _fleet_of(route: Route):
    depot = db.session.get(Depot, route.depot_id)
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    return depot, driver, vehicle


def preview_of(route: Route, stops: list[Stop]) -> dict:
    """The ETAs and violations of `route` if its stops were `stops`, in this order (nothing saved)."""
    depot, driver, vehicle = _fleet_of(route)
    plan = problems.evaluate_sequence(depot, driver, vehicle, route.date, [s.order for s in stops])
    result = {"route_id": route.id, "version": route.version, "distance_m": plan["distance_m"],
              "duration_s": plan["duration_s"], "route_violations": plan.get("route_violations", []), "stops": []}
    for position, (stop, (arrival, departure), violations) in enumerate(
            zip(stops, plan["arrivals"], plan["violations"]), start=1):
        closes_at = window_end(stop.order)
        result["stops"].append({
            "stop_id": stop.id, "order_id": stop.order_id, "external_ref": stop.order.external_ref,
            "address": stop.order.address, "sequence": position, "eta": arrival.isoformat(),
            "departure": departure.isoformat(), "planned_arrival_at": isoformat_or_none(stop.planned_arrival_at),
            "window_end": isoformat_or_none(closes_at), "violations": violations})
    return result


def _violations(preview: dict) -> list[dict]:
    """Every time-window or capacity problem of a preview, one line per stop (what the dispatcher reads)."""
    found = []
    for stop in preview["stops"]:
        for violation in stop["violations"]:
            found.append({"route_id": preview["route_id"], "stop_id": stop["stop_id"], "sequence": stop["sequence"],
                          "address": stop["address"], "cause": violation.get("cause"),
                          "duration_s": violation.get("duration")})
    for violation in preview["route_violations"]:
        if not any(v["cause"] == violation.get("cause") for v in found) and violation.get("cause") != "delay":
            found.append({"route_id": preview["route_id"], "stop_id": None, "sequence": None, "address": None,
                          "cause": violation.get("cause"), "duration_s": violation.get("duration")})
    return found


def _new_violations(before: list[dict], after: list[dict]) -> list[dict]:
    """Violations the change causes: those the current plan does not already have."""
    known = {(v["route_id"], v["stop_id"], v["cause"]) for v in before}
    return [v for v in after if (v["route_id"], v["stop_id"], v["cause"]) not in known]


# --- moving a stop between routes -----------------------------------------------------------------

def _movable_stop(principal: Principal, stop_id: int) -> Stop:
    stop = db.session.scalar(select(Stop).where(Stop.org_id == principal.org_id, Stop.id == stop_id))
    if stop is None:
        raise NotFound("No such stop.")
    if stop.status is not StopStatus.pending:
        raise Conflict("A stop may move only before the driver arrives; this one is "
                       f"{stop.status.value}.", code="stop_not_movable")
    return stop


def _target_route(principal: Principal, route_id: int, source: Route) -> Route:
    target = get_route(principal, route_id)
    if target.id == source.id:
        raise InvalidInput("The stop is already on this route; re-sequence the route instead.",
                           fields={"to_route_id": ["Same route."]})
    if target.status not in ACTIVE_ROUTE:
        raise Conflict(f"The route is {target.status.value}; it takes no more stops.", code="route_closed")
    if target.date != source.date:
        raise InvalidInput("Stops move only between routes of the same day.",
                           fields={"to_route_id": ["Another day's route."]})
    return target


def _visited_count(route: Route) -> int:
    return sum(1 for s in route.stops if s.status is not StopStatus.pending)


def _insert_at(ordered: list[Stop], item, position: int | None, visited: int) -> list:
    """Put `item` at 1-based `position`, never before the stops already visited (they stay first)."""
    if position is None:
        index = len(ordered)
    else:
        index = position - 1
        if index < visited or index > len(ordered):
            raise InvalidInput(f"Choose a position between {visited + 1} and {len(ordered) + 1}.",
                               fields={"position": ["Out of range."]})
    return ordered[:index] + [item] + ordered[index:]


def _sequences_after_move(stop: Stop, source: Route, target: Route, position: int | None):
    source_stops = [s for s in sorted(source.stops, key=lambda s: s.sequence) if s.id != stop.id]
    target_stops = _insert_at(sorted(target.stops, key=lambda s: s.sequence), stop, position, _visited_count(target))
    return source_stops, target_stops


def preview_move(principal: Principal, stop_id: int, to_route_id: int, position: int | None) -> dict:
    """Both routes as they would be after the move: new ETAs, and the violations the move would cause."""
    stop = _movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    target = _target_route(principal, to_route_id, source)
    source_stops, target_stops = _sequences_after_move(stop, source, target, position)
    before = _violations(preview_of(source, sorted(source.stops, key=lambda s: s.sequence))) + \
        _violations(preview_of(target, sorted(target.stops, key=lambda s: s.sequence)))
    source_preview, target_preview = preview_of(source, source_stops), preview_of(target, target_stops)
    after = _violations(source_preview) + _violations(target_preview)
    db.session.rollback()
    return {"stop_id": stop.id, "from": source_preview, "to": target_preview, "violations": after,
            "new_violations": _new_violations(before, after)}


def _follow_route_status(principal: Principal, order: Order, route: Route) -> None:
    """An order joining a route catches up with the route's stage (planned, dispatched, out for delivery)."""
    actor = actor_of(principal)
    details = {"route_id": route.id}
    if order.status in PLANNABLE:
        lifecycle.transition(order, OrderStatus.planned, details=details, **actor)
    if route.status is RouteStatus.draft and order.status is OrderStatus.dispatched:
        lifecycle.transition(order, OrderStatus.planned, details=details, **actor)
    if route.status is not RouteStatus.draft and order.status is OrderStatus.planned:
        lifecycle.transition(order, OrderStatus.dispatched, details=details, **actor)
    if route.status is RouteStatus.in_progress and order.status is OrderStatus.dispatched:
        lifecycle.transition(order, OrderStatus.out_for_delivery, details=details, **actor)


def _renumber(stops: list[Stop]) -> None:
    for sequence, stop in enumerate(stops, start=1):
        stop.sequence = sequence


def _apply_move(principal: Principal, stop: Stop, source: Route, target: Route, position: int | None) -> None:
    """Move without committing: the caller checks versions before and bumps and commits after."""
    source_stops, target_stops = _sequences_after_move(stop, source, target, position)
    stop.route = target  # the relationship's other side takes it off the source's stops
    _renumber(source_stops)
    _renumber(target_stops)
    _follow_route_status(principal, stop.order, target)
    lifecycle.record(stop.order, "reassigned", details={"from_route_id": source.id, "to_route_id": target.id,
                                                        "from_driver_id": source.driver_id,
                                                        "to_driver_id": target.driver_id}, **actor_of(principal))
    db.session.flush()
    db.session.refresh(source, ["stops"])
    db.session.refresh(target, ["stops"])


def _refresh_etas_after(routes: list[Route]) -> None:
    """Routes on the road get fresh ETAs once the change is committed (the job must see it)."""
    from backend.dispatch.jobs import request_eta_refresh

    for route_id in [route.id for route in routes if route.status is RouteStatus.in_progress]:
        on_commit(lambda route_id=route_id: request_eta_refresh(route_id, 0))


@transactional
def move_stop(principal: Principal, stop_id: int, to_route_id: int, position: int | None,
              from_version: int, to_version: int) -> dict:
    """Hand a pending stop to another driver: both versions checked, both routes bumped and re-timed."""
    stop = _movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    target = _target_route(principal, to_route_id, source)
    check_version(source, from_version)
    check_version(target, to_version)
    address = stop.order.address
    _apply_move(principal, stop, source, target, position)
    replan(source)
    replan(target)
    who = principal.name
    bump(source, {"kind": "removed", "stop_id": stop.id, "address": address, "to_route_id": target.id, "by": who})
    bump(target, {"kind": "added", "stop_id": stop.id, "address": address, "from_route_id": source.id,
                  "sequence": stop.sequence, "by": who})
    _refresh_etas_after([source, target])
    return {"from": source, "to": target}


# --- suggestions from the optimizer ---------------------------------------------------------------

def _vehicle_spec(vehicle_id: int, route: Route, origin, *, from_position: bool):
    """The route's van for the solver: from the driver's last position and now when it is on the road."""
    depot, driver, vehicle = _fleet_of(route)
    start = start_at = None
    if from_position and route.status is RouteStatus.in_progress and route.driver_id:
        position = db.session.get(DriverPosition, route.driver_id)
        if position is not None:
            start = (position.lat, position.lon)
        start_at = utcnow()
    return problems.vehicle_for(vehicle_id, depot, driver, vehicle, origin, start=start, start_at=start_at)


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
    problem = {"vehicles": [spec], "jobs": [problems.job_for(s.order, s.id, origin) for s in pending],
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
            "new_violations": _new_violations(_violations(current), _violations(preview))}


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
        problem["jobs"].extend(problems.job_for(s.order, s.order_id, origin) for s in pending)
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
    job = problems.job_for(order, order.id, origin)
    try:
        answer = problems.off_hub(insert_job, problem, job)
    except RoutingError as refused:
        raise InvalidInput(str(refused), code="routing_error")
    if "unassigned" in answer:
        return {"order_id": order.id, "route_id": None, "reason": answer["unassigned"].get("reason", "no_room")}
    route = routes[answer["vehicle"] - 1]
    position = _visited_count(route) + answer["position"] + 1
    preview = preview_of(route, _insert_at(sorted(route.stops, key=lambda s: s.sequence),
                                           _OrderOnly(order), position, _visited_count(route)))
    db.session.rollback()
    return {"order_id": order.id, "route_id": route.id, "version": route.version, "position": position,
            "cost_delta": answer.get("cost_delta"), "reason": None, "preview": preview,
            "driver": route.driver}


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
    stop = Stop(org_id=principal.org_id, route_id=route.id, order_id=order.id, sequence=len(ordered) + 1)
    new_order = _insert_at(ordered, stop, position, _visited_count(route))
    db.session.add(stop)
    _renumber(new_order)
    _follow_route_status(principal, order, route)
    db.session.flush()
    db.session.refresh(route, ["stops"])
    replan(route)
    bump(route, {"kind": "added", "stop_id": stop.id, "address": order.address, "sequence": stop.sequence,
                 "by": principal.name})
    _refresh_etas_after([route])
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
        job = problems.job_for(stop.order, stop.order_id, origin)
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
                      "position": _visited_count(target) + answer["position"] + 1,
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
        stop = _movable_stop(principal, move["stop_id"])
        if stop.route_id != source.id:
            raise InvalidInput("Only stops of this route can be redistributed.",
                               fields={"moves": {str(index): ["Not on this route."]}})
        if move["to_route_id"] == source.id:
            raise InvalidInput("A stop cannot be redistributed onto its own route.",
                               fields={"moves": {str(index): ["Same route."]}})
        target = touched.get(move["to_route_id"]) or _target_route(principal, move["to_route_id"], source)
        if target.id not in expected:
            raise InvalidInput("Send the version of every route that receives stops.",
                               fields={"versions": [f"Missing route {target.id}."]})
        if target.id not in touched:
            check_version(target, expected[target.id])
            touched[target.id] = target
        address = stop.order.address
        _apply_move(principal, stop, source, target, move.get("position"))
        added.setdefault(target.id, []).append(address)
    for route in touched.values():
        replan(route)
    bump(source, {"kind": "reassigned", "count": len(moves), "by": principal.name})
    for route in touched.values():
        if route.id != source.id:
            addresses = added.get(route.id, [])
            bump(route, {"kind": "added", "count": len(addresses), "address": ", ".join(addresses[:3]),
                         "by": principal.name})
    _refresh_etas_after(list(touched.values()))
    return {"routes": list(touched.values())}


# --- proof of delivery ----------------------------------------------------------------------------

def proofs(principal: Principal, order_id: int) -> list[dict]:
    """What the driver recorded at the door, with where it was captured and how far from the address."""
    from backend.pod import service as pod_service
    from backend.pod.models import ProofFile

    order = orders_service.get_order(principal.org_id, order_id)
    result = []
    for proof in pod_service.proofs_for_order(principal.org_id, order.id):
        file_ids = list(proof.photo_ids or []) + ([proof.signature_id] if proof.signature_id else [])
        files = {f.id: f for f in db.session.scalars(select(ProofFile).where(
            ProofFile.org_id == principal.org_id, ProofFile.id.in_(file_ids)))} if file_ids else {}

        def file_view(file_id):
            found = files.get(file_id)
            if found is None:
                return None
            return {"id": found.id, "kind": found.kind, "content_type": found.content_type,
                    "size_bytes": found.size_bytes, "url": f"/api/v1/files/{found.id}",
                    "captured_at": isoformat_or_none(found.captured_at), "lat": found.lat, "lon": found.lon}

        distance = None
        if proof.lat is not None and proof.lon is not None:
            distance = round(distance_m(proof.lat, proof.lon, order.lat, order.lon))
        result.append({
            "id": proof.id, "stop_id": proof.stop_id, "driver_id": proof.driver_id, "outcome": proof.outcome,
            "failure_reason": proof.failure_reason, "recipient_name": proof.recipient_name, "note": proof.note,
            "at": isoformat_or_none(proof.at), "lat": proof.lat, "lon": proof.lon, "distance_from_address_m": distance,
            "photos": [v for v in (file_view(i) for i in proof.photo_ids or []) if v],
            "signature": file_view(proof.signature_id) if proof.signature_id else None,
            "scanned_barcodes": proof.scanned_barcodes or [], "cod_collected_cents": proof.cod_collected_cents,
            "id_checked": proof.id_checked, "age_verified": proof.age_verified})
    return result
