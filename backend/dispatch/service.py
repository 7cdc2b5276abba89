"""Routes and stops: planning, publishing, re-sequencing, and what drivers do on the road.

Every change to a route bumps its version and tells the driver's phone, the route's watchers and
the organization's dispatchers — after the transaction commits.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.database import utcnow
from backend.dispatch import payloads, problems, timing
from backend.dispatch.models import FINISHED_STOP, Route, RouteStatus, Stop, StopStatus
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders import lifecycle
from backend.orders.enums import OrderStatus, OrderType, StopKind
from backend.orders.models import Order
from backend.orders.service import actor_of  # noqa: F401  (re-exported for planners)
from backend.realtime import emit, rooms
from backend.unit_of_work import on_commit, transactional

PLANNABLE = {OrderStatus.created, OrderStatus.rescheduled}
ACTIVE_ROUTE = {RouteStatus.draft, RouteStatus.published, RouteStatus.in_progress}


# --- reading --------------------------------------------------------------------------------------

def get_route(principal: Principal, route_id: int) -> Route:
    """Staff see their organization's routes; a driver sees only their own (others are 404)."""
    route = db.session.scalar(select(Route).where(Route.org_id == principal.org_id, Route.id == route_id))
    if route is None or (principal.is_driver and route.driver_id != principal.driver_id):
        raise NotFound("No such route.")
    return route


def list_routes(org_id: int, day: date | None = None, driver_id: int | None = None) -> list[Route]:
    statement = select(Route).where(Route.org_id == org_id).order_by(Route.date, Route.id)
    if day is not None:
        statement = statement.where(Route.date == day)
    if driver_id is not None:
        statement = statement.where(Route.driver_id == driver_id)
    return list(db.session.scalars(statement))


def driver_route(principal: Principal, day: date | None = None) -> Route:
    """The driver's route of the day (today in their depot's zone unless a day is given)."""
    if principal.driver_id is None:
        raise NotFound("No driver profile.", code="no_route")
    if day is None:
        driver = db.session.get(Driver, principal.driver_id)
        depot = db.session.get(Depot, driver.depot_id) if driver.depot_id else fleet_service.default_depot(principal.org_id)
        from zoneinfo import ZoneInfo

        day = utcnow().astimezone(ZoneInfo(depot.timezone if depot else "UTC")).date()
    route = db.session.scalar(
        select(Route).where(Route.org_id == principal.org_id, Route.driver_id == principal.driver_id,
                            Route.date == day, Route.status != RouteStatus.draft).order_by(Route.id.desc()))
    if route is None:
        raise NotFound(f"No published route for {day.isoformat()}.", code="no_route")
    return route


# --- announcing -----------------------------------------------------------------------------------

def announce(route: Route, change: dict | None = None) -> None:
    """Queue `route.updated` for after the commit: the route's watchers and the dispatchers get the staff view,
    the driver's phone the driver's view (never the route's cost or other orders' planning data)."""
    db.session.flush()
    db.session.refresh(route, ["stops"])
    for_staff = payloads.route_updated(route, change)
    for room in (rooms.route(route.id), rooms.dispatch(route.org_id)):
        emit.queue_emit(db.session, "route.updated", for_staff, room)
    if route.driver_id and route.status is not RouteStatus.draft:
        emit.queue_emit(db.session, "route.updated", payloads.route_updated_for_driver(route, change),
                        rooms.driver(route.driver_id))


def bump(route: Route, change: dict | None = None) -> None:
    route.version += 1
    announce(route, change)
    if change and change.get("kind") in DISPATCH_CHANGES:
        _push_to_driver(route, change)


# What dispatch does to a driver's route (their own actions are not news to them).
DISPATCH_CHANGES = {"published", "resequenced", "reassigned", "added", "removed", "cancelled"}
PUSH_TEXT = {
    "en": {"title": "Your route changed", "published": "Your route for {date} is ready ({stops} stops).",
           "resequenced": "Dispatch moved {address} to stop {to}.", "added": "Dispatch added {address}.",
           "removed": "Dispatch took {address} off your route.", "reassigned": "Dispatch reassigned stops.",
           "cancelled": "Order cancelled, do not deliver: {address}. Keep the parcel.",
           "withdrawn": "Dispatch took back your route for {date}.",
           "other": "Open the app to see the changes."},
    "fr": {"title": "Votre tournée a changé", "published": "Votre tournée du {date} est prête ({stops} arrêts).",
           "resequenced": "La répartition a déplacé {address} à l’arrêt {to}.",
           "added": "La répartition a ajouté {address}.", "removed": "La répartition a retiré {address}.",
           "reassigned": "La répartition a réassigné des arrêts.",
           "cancelled": "Commande annulée, ne pas livrer : {address}. Gardez le colis.",
           "withdrawn": "La répartition a repris votre tournée du {date}.",
           "other": "Ouvrez l’application pour voir."},
    "es": {"title": "Tu ruta ha cambiado", "published": "Tu ruta del {date} está lista ({stops} paradas).",
           "resequenced": "Despacho movió {address} a la parada {to}.", "added": "Despacho añadió {address}.",
           "removed": "Despacho quitó {address} de tu ruta.", "reassigned": "Despacho reasignó paradas.",
           "cancelled": "Pedido cancelado, no entregar: {address}. Guarda el paquete.",
           "withdrawn": "Despacho retiró tu ruta del {date}.",
           "other": "Abre la aplicación para ver los cambios."},
    "pt": {"title": "Sua rota mudou", "published": "Sua rota de {date} está pronta ({stops} paradas).",
           "resequenced": "O despacho moveu {address} para a parada {to}.",
           "added": "O despacho adicionou {address}.", "removed": "O despacho retirou {address} da sua rota.",
           "reassigned": "O despacho reatribuiu paradas.",
           "cancelled": "Pedido cancelado, não entregar: {address}. Guarde o volume.",
           "withdrawn": "O despacho retirou sua rota de {date}.",
           "other": "Abra o app para ver as mudanças."},
    "de": {"title": "Deine Tour wurde geändert", "published": "Deine Tour für den {date} ist bereit ({stops} Stopps).",
           "resequenced": "Die Disposition hat {address} auf Stopp {to} verschoben.",
           "added": "Die Disposition hat {address} hinzugefügt.",
           "removed": "Die Disposition hat {address} aus deiner Tour genommen.",
           "reassigned": "Die Disposition hat Stopps neu zugeteilt.",
           "cancelled": "Auftrag storniert, nicht zustellen: {address}. Behalte das Paket.",
           "withdrawn": "Die Disposition hat deine Tour für den {date} zurückgenommen.",
           "other": "Öffne die App, um die Änderungen zu sehen."},
}


def _push_to_driver(route: Route, change: dict) -> None:
    """A change made by dispatch reaches the driver's phone even when the app is in the background."""
    from backend.notify import service as notify_service

    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    if driver is None or route.status is RouteStatus.draft:
        return
    texts = PUSH_TEXT.get(driver.user.language, PUSH_TEXT["en"])
    try:
        body = texts.get(change["kind"], texts["other"]).format(
            date=route.date.isoformat(), stops=len(route.stops), address=change.get("address") or "",
            to=change.get("to_sequence") or "")
    except (KeyError, IndexError):
        body = texts["other"]
    notify_service.queue_user_push(route.org_id, driver.user_id, "route_changed", texts["title"], body,
                                   f"route:{route.id}:v{route.version}", url="/driver")


# --- planning -------------------------------------------------------------------------------------

def _load_orders(org_id: int, order_ids: list[int]) -> list[Order]:
    if len(set(order_ids)) != len(order_ids):
        raise InvalidInput("An order appears twice.", fields={"order_ids": ["Duplicate order."]})
    found = {o.id: o for o in db.session.scalars(select(Order).where(Order.org_id == org_id, Order.id.in_(order_ids)))}
    missing = [i for i in order_ids if i not in found]
    if missing:
        raise InvalidInput("Unknown orders.", fields={"order_ids": [f"No such order: {missing[:10]}"]})
    return [found[i] for i in order_ids]


def replan(route: Route) -> dict:
    """Planned times of the stops as sequenced, never before now (dispatch.timing): a route planned after
    its start begins at the later of now and the shift start, from the driver when on duty; visited
    stops keep their times. On the road, ETAs come from the driver's position (dispatch.eta)."""
    stops = sorted(route.stops, key=lambda s: s.sequence)
    plan = timing.time_route(route, stops)
    for stop in stops:
        if id(stop) not in plan["timed"]:
            continue
        arrival, departure, _violations = plan["timed"][id(stop)]
        stop.planned_arrival_at, stop.planned_departure_at = arrival, departure
        if route.status is not RouteStatus.in_progress:
            stop.eta_at = arrival
    if route.status is RouteStatus.in_progress:
        # The day's plan figures stay the whole route's (plan versus actual), with the new sequence.
        whole = problems.evaluate_sequence(*_fleet(route), route.date, [(s.order, s.kind) for s in stops])
        route.planned_distance_m, route.planned_duration_s = whole["distance_m"], whole["duration_s"]
        route.planned_end_at = plan["end_at"] or route.planned_end_at
    else:
        route.planned_distance_m = plan["distance_m"]
        route.planned_duration_s = plan["duration_s"]
        route.planned_start_at, route.planned_end_at = plan["start_at"], plan["end_at"]
    return plan


def _fleet(route: Route):
    depot = db.session.get(Depot, route.depot_id)
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    return depot, driver, vehicle


def build_route(org_id: int, data: dict, principal: Principal | None) -> Route:
    """A draft route for one day: the orders, in this order, planned from the depot (not committed)."""
    depot = fleet_service.get_depot(org_id, data["depot_id"]) if data.get("depot_id") else fleet_service.default_depot(org_id)
    if depot is None:
        raise InvalidInput("No depot.", fields={"depot_id": ["Required."]})
    driver = fleet_service.get_driver(org_id, data["driver_id"]) if data.get("driver_id") else None
    vehicle_id = data.get("vehicle_id") or (driver.default_vehicle_id if driver else None)
    if vehicle_id:
        fleet_service.get_vehicle(org_id, vehicle_id)
    if data.get("stops") is not None:  # the optimizer's sequence: (order id, stop kind), a pair's pickup first
        orders = _load_orders(org_id, list(dict.fromkeys(order_id for order_id, _kind in data["stops"])))
        by_id = {order.id: order for order in orders}
        sequence = [(by_id[order_id], kind) for order_id, kind in data["stops"]]
    else:  # each order's stops in turn
        orders = _load_orders(org_id, data.get("order_ids") or [])
        sequence = [(order, kind) for order in orders for kind in order.stop_kinds]
    not_plannable = [o.external_ref for o in orders if o.status not in PLANNABLE]
    if not_plannable:
        raise Conflict(f"Orders already planned or finished: {', '.join(not_plannable[:10])}.", code="not_plannable")
    route = Route(org_id=org_id, date=data["date"], depot_id=depot.id, driver_id=driver.id if driver else None,
                  vehicle_id=vehicle_id, status=RouteStatus.draft, version=1)
    db.session.add(route)
    db.session.flush()
    for position, (order, kind) in enumerate(sequence, start=1):
        db.session.add(Stop(org_id=org_id, route_id=route.id, order_id=order.id, sequence=position, kind=kind))
    for order in orders:
        lifecycle.transition(order, OrderStatus.planned, details={"route_id": route.id}, **actor_of(principal))
    db.session.flush()
    db.session.refresh(route, ["stops"])
    replan(route)
    announce(route, {"kind": "created"})
    return route


create_route = transactional(build_route)


@transactional
def publish_route(principal: Principal, route_id: int) -> Route:
    """Hand a draft to its driver: the orders are dispatched and the driver's phone gets the route."""
    route = get_route(principal, route_id)
    if route.status is not RouteStatus.draft:
        raise Conflict(f"The route is already {route.status.value}.", code="already_published")
    if route.driver_id is None:
        raise InvalidInput("Assign a driver before publishing.", fields={"driver_id": ["Required."]})
    route.status = RouteStatus.published
    route.published_at = utcnow()
    if route.planned_start_at is not None and route.planned_start_at < route.published_at:
        replan(route)  # a draft made earlier in the day: its times (and customers' ETAs) start from now
    for stop in route.stops:
        if stop.order.status is OrderStatus.planned:
            lifecycle.transition(stop.order, OrderStatus.dispatched, details={"route_id": route.id},
                                 **actor_of(principal))
    bump(route, {"kind": "published"})
    return route


def publish_preview(principal: Principal, route_ids: list[int]) -> dict:
    """Who publishing these drafts would message (their planned orders' customers are told "scheduled"),
    counted before anything is sent so the dispatcher confirms knowingly. Routes already published count 0."""
    from backend.auth.models import Organization
    from backend.notify import service as notify_service

    routes = [get_route(principal, route_id) for route_id in dict.fromkeys(route_ids)]
    drafts = [route for route in routes if route.status is RouteStatus.draft]
    orders = [stop.order for route in drafts for stop in route.stops if stop.order.status is OrderStatus.planned]
    reach = notify_service.reach(db.session.get(Organization, principal.org_id), orders)
    return {"routes": len(drafts), "orders": len(orders), **reach}


def check_version(route: Route, expected_version: int | None) -> None:
    """Optimistic concurrency: a change made on an older version is refused, never merged silently."""
    if expected_version is not None and expected_version != route.version:
        raise Conflict(f"The route changed meanwhile (version {route.version}, you had {expected_version}); "
                       "reload it and try again.", code="version_conflict",
                       extra={"route": payloads.route_snapshot(route)})


def _ordered_stops(route: Route, stop_ids: list[int]) -> list[Stop]:
    current = sorted(route.stops, key=lambda s: s.sequence)
    by_id = {s.id: s for s in current}
    if sorted(stop_ids) != sorted(by_id):
        raise InvalidInput("Give every stop of the route exactly once.", fields={"stop_ids": ["Not this route's stops."]})
    finished = [s.id for s in current if s.status in FINISHED_STOP or s.status is StopStatus.arrived]
    if stop_ids[:len(finished)] != finished:
        raise InvalidInput("Stops already visited stay first, in the order they were visited.",
                           fields={"stop_ids": ["Visited stops cannot move."]})
    ordered = [by_id[i] for i in stop_ids]
    collected: set[int] = set()
    for stop in ordered:
        if stop.kind is StopKind.pickup:
            collected.add(stop.order_id)
        elif stop.order.type is OrderType.pickup_delivery and stop.order_id not in collected and any(
                other.order_id == stop.order_id and other.kind is StopKind.pickup for other in ordered):
            raise InvalidInput(f"{stop.order.external_ref} is delivered before it is collected: its pickup comes "
                               "first.", fields={"stop_ids": ["A pickup after its delivery."]}, code="pickup_after_delivery")
    return ordered


def preview_sequence(principal: Principal, route_id: int, stop_ids: list[int]) -> dict:
    """What a new order of stops would do — ETAs and every violation — without saving anything.

    Timed as a re-plan would be (dispatch.timing): not before now, from the driver when on duty; a
    route on the road at the driver's pace today; visited stops keep their actual times."""
    route = get_route(principal, route_id)
    stops = _ordered_stops(route, stop_ids)
    pace = 1.0
    if route.status is RouteStatus.in_progress:
        from backend.dispatch.eta import observed_pace

        pace = observed_pace(route)
    plan = timing.time_route(route, stops, pace=pace)
    result = {"route_id": route.id, "version": route.version, "distance_m": plan["distance_m"],
              "duration_s": plan["duration_s"], "route_violations": plan.get("route_violations", []),
              "from_position": plan["from_position"] is not None, "stops": []}
    for position_in_route, stop in enumerate(stops, start=1):
        arrival, departure, violations = plan["timed"].get(
            id(stop), (stop.actual_arrival_at, stop.actual_departure_at, []))
        result["stops"].append({"stop_id": stop.id, "sequence": position_in_route,
                                "eta": arrival.isoformat() if arrival else None,
                                "departure": departure.isoformat() if departure else None, "violations": violations})
    db.session.rollback()
    return result


@transactional
def resequence(principal: Principal, route_id: int, stop_ids: list[int], expected_version: int | None) -> Route:
    route = get_route(principal, route_id)
    check_version(route, expected_version)
    ordered = _ordered_stops(route, stop_ids)
    before = {s.id: s.sequence for s in route.stops}
    for position, stop in enumerate(ordered, start=1):
        stop.sequence = position
    moved = max(ordered, key=lambda s: abs(before[s.id] - s.sequence))
    replan(route)
    change = {"kind": "resequenced", "stop_id": moved.id, "address": moved.order.address,
              "from_sequence": before[moved.id], "to_sequence": moved.sequence, "by": principal.name}
    bump(route, change if before[moved.id] != moved.sequence else {"kind": "resequenced"})
    if route.status is RouteStatus.in_progress:
        from backend.dispatch.jobs import request_eta_refresh

        route_id = route.id
        on_commit(lambda: request_eta_refresh(route_id, 0))
    return route
