"""What a dispatcher does to a whole route, and where one stop fits on a route.

Business rules carried here:
- A route is handed to another driver whole (its van and stops stay); the driver taking it must be active
  and have no other open route that day (move stops to their route instead). Both phones are told.
- Unpublishing takes a route back from a driver who has not started it: it is a draft again and its
  orders are planned, not dispatched. A route being driven cannot be taken back (hand it over instead).
- Deleting a route that is not being driven puts its orders back on the day's unplanned list.
- Duplicating a route makes the same deliveries again on another day (new orders, their windows at the
  same local hours) as a draft route: recurring rounds are planned once.
- A stop given to a driver without a route starts a new draft route for them (where a stop fits best on
  an existing route is a suggestion: suggestions.suggest_placement).
Every change checks the version the dispatcher saw and bumps the routes it touches, in one transaction.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.dispatch import payloads
from backend.dispatch.models import Route, RouteStatus
from backend.dispatch.moves import apply_move, movable_stop, refresh_etas_after
from backend.dispatch.service import (PUSH_TEXT, actor_of, announce, bump, build_route, check_version, get_route,
                                      replan)
from backend.errors import Conflict, InvalidInput
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Depot, Driver
from backend.orders import lifecycle
from backend.orders.enums import OrderStatus
from backend.orders.models import Order, OrderTimeWindow
from backend.realtime import emit, rooms
from backend.unit_of_work import transactional


def _open_driver(principal: Principal, driver_id: int) -> Driver:
    driver = fleet_service.get_driver(principal.org_id, driver_id)
    if not driver.active:
        raise InvalidInput("This driver is deactivated.", fields={"driver_id": ["Inactive driver."]},
                           code="driver_inactive")
    return driver


def _route_of_driver(principal: Principal, driver_id: int, day: date) -> Route | None:
    return db.session.scalar(select(Route).where(
        Route.org_id == principal.org_id, Route.driver_id == driver_id, Route.date == day,
        Route.status != RouteStatus.completed).limit(1))


def _tell_withdrawn(route: Route, driver_id: int | None) -> None:
    """The phone that had this route hears it is gone (live, and as a push when the app is closed)."""
    from backend.notify import service as notify_service

    if driver_id is None or route.status is RouteStatus.draft:
        return
    emit.queue_emit(db.session, "route.withdrawn", {"route_id": route.id, "date": route.date.isoformat()},
                    rooms.driver(driver_id))
    driver = db.session.get(Driver, driver_id)
    if driver is not None:
        texts = PUSH_TEXT.get(driver.user.language, PUSH_TEXT["en"])
        notify_service.queue_user_push(route.org_id, driver.user_id, "route_changed", texts["title"],
                                       texts["withdrawn"].format(date=route.date.isoformat()),
                                       f"route:{route.id}:v{route.version}:withdrawn", url="/driver")


# --- whole routes -------------------------------------------------------------------------------------

@transactional
def hand_over(principal: Principal, route_id: int, driver_id: int, version: int) -> Route:
    route = get_route(principal, route_id)
    check_version(route, version)
    if route.status is RouteStatus.completed:
        raise Conflict("The route is completed.", code="route_closed")
    driver = _open_driver(principal, driver_id)
    if driver.id == route.driver_id:
        raise InvalidInput("The route is already this driver's.", fields={"driver_id": ["Same driver."]})
    if _route_of_driver(principal, driver.id, route.date) is not None:
        raise Conflict("This driver already has a route that day; move stops to it instead.",
                       code="driver_has_route")
    previous = route.driver_id
    route.driver_id = driver.id
    if route.vehicle_id is None:
        route.vehicle_id = driver.default_vehicle_id
    db.session.flush()
    db.session.expire(route, ["driver"])
    lifecycle.record_many([stop.order for stop in route.stops], "reassigned",
                          details={"route_id": route.id, "from_driver_id": previous, "to_driver_id": driver.id},
                          **actor_of(principal))
    if route.status is not RouteStatus.in_progress:
        replan(route)  # the new driver's shift may start at another hour
    change = {"kind": "reassigned", "by": principal.name, "from_driver_id": previous}
    bump(route, change)
    if previous is not None and route.status is not RouteStatus.draft:
        # The phone that had it sees the route is someone else's now (the driver app says so and reloads).
        emit.queue_emit(db.session, "route.updated", payloads.route_updated_for_driver(route, change),
                        rooms.driver(previous))
    refresh_etas_after([route])
    return route


@transactional
def unpublish(principal: Principal, route_id: int, version: int) -> Route:
    route = get_route(principal, route_id)
    check_version(route, version)
    if route.status is RouteStatus.draft:
        raise Conflict("The route is not published.", code="not_published")
    if route.status is not RouteStatus.published:
        raise Conflict(f"The route is {route.status.value}: a route on the road cannot be taken back; "
                       "hand it to another driver or move its stops.", code="route_started")
    _tell_withdrawn(route, route.driver_id)
    route.status = RouteStatus.draft
    route.published_at = None
    for stop in route.stops:
        if stop.order.status is OrderStatus.dispatched:
            lifecycle.transition(stop.order, OrderStatus.planned, details={"route_id": route.id, "unpublished": True},
                                 **actor_of(principal))
    bump(route, {"kind": "unpublished", "by": principal.name})
    return route


@transactional
def delete_route(principal: Principal, route_id: int, version: int) -> None:
    route = get_route(principal, route_id)
    check_version(route, version)
    if route.status not in (RouteStatus.draft, RouteStatus.published):
        raise Conflict(f"The route is {route.status.value}: only a route not started can be deleted.",
                       code="route_started")
    _tell_withdrawn(route, route.driver_id)
    orders = [stop.order for stop in route.stops]
    for order in orders:
        if order.status in (OrderStatus.planned, OrderStatus.dispatched):
            lifecycle.transition(order, OrderStatus.created, details={"route_id": route.id, "route_deleted": True},
                                 **actor_of(principal))
    payload = {"route": {"id": route.id, "date": route.date.isoformat(), "depot_id": route.depot_id},
               "by": principal.name}
    for stop in list(route.stops):
        db.session.delete(stop)
    db.session.delete(route)
    emit.queue_emit(db.session, "route.deleted", payload, rooms.dispatch(principal.org_id))


def _copy_order(order: Order, day: date, shift: timedelta, zone: ZoneInfo, suffix: str) -> Order:
    """The same delivery on another day: same place, load and instructions, its windows at the same local hours."""
    from backend.orders.service import new_tracking_token

    reference = f"{order.external_ref}-{suffix}"[:100]
    copy = Order(org_id=order.org_id, external_ref=reference, depot_id=order.depot_id, recipient_id=order.recipient_id,
                 address=order.address, lat=order.lat, lon=order.lon, geocode_source=order.geocode_source,
                 delivery_date=day, service_time_s=order.service_time_s, weight_kg=order.weight_kg,
                 volume_l=order.volume_l, parcel_count=order.parcel_count, priority=order.priority,
                 required_skills=list(order.required_skills or []), notes=order.notes,
                 delivery_instructions=order.delivery_instructions, cod_amount_cents=order.cod_amount_cents,
                 requires_id_check=order.requires_id_check, min_age=order.min_age, status=OrderStatus.created,
                 tracking_token=new_tracking_token())
    for window in order.time_windows:
        copy.time_windows.append(OrderTimeWindow(start_at=_same_local_time(window.start_at, shift, zone),
                                                 end_at=_same_local_time(window.end_at, shift, zone)))
    return copy


def _same_local_time(moment: datetime, shift: timedelta, zone: ZoneInfo) -> datetime:
    """The same wall-clock time `shift` days later in the depot's zone (09:00 stays 09:00 across a DST change)."""
    local = moment.astimezone(zone)
    return datetime.combine(local.date() + shift, local.time(), tzinfo=zone).astimezone(timezone.utc)


@transactional
def duplicate(principal: Principal, route_id: int, day: date, driver_id: int | None) -> Route:
    route = get_route(principal, route_id)
    if day == route.date:
        raise InvalidInput("Choose another day: an order is delivered once a day.", fields={"date": ["Same day."]})
    driver = _open_driver(principal, driver_id) if driver_id else None
    if driver is not None and _route_of_driver(principal, driver.id, day) is not None:
        raise Conflict("This driver already has a route that day.", code="driver_has_route")
    zone = ZoneInfo(db.session.get(Depot, route.depot_id).timezone)
    suffix = day.strftime("%Y%m%d")
    stops = sorted(route.stops, key=lambda s: s.sequence)
    references = [f"{s.order.external_ref}-{suffix}"[:100] for s in stops]
    taken = set(db.session.scalars(select(Order.external_ref).where(Order.org_id == principal.org_id,
                                                                     Order.external_ref.in_(references))))
    if taken:
        raise Conflict(f"Orders already exist for that day: {', '.join(sorted(taken)[:5])}.", code="already_duplicated")
    copies = [_copy_order(stop.order, day, day - route.date, zone, suffix) for stop in stops]
    db.session.add_all(copies)
    db.session.flush()
    lifecycle.record_many(copies, "created", details={"source": "duplicate", "route_id": route.id},
                          **actor_of(principal))
    return build_route(principal.org_id, {"date": day, "depot_id": route.depot_id,
                                          "driver_id": driver.id if driver else None, "vehicle_id": route.vehicle_id,
                                          "order_ids": [c.id for c in copies]}, principal)


# --- one stop -----------------------------------------------------------------------------------------

@transactional
def move_to_new_route(principal: Principal, stop_id: int, driver_id: int, from_version: int) -> dict:
    stop = movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    check_version(source, from_version)
    driver = _open_driver(principal, driver_id)
    if _route_of_driver(principal, driver.id, source.date) is not None:
        raise Conflict("This driver already has a route that day; move the stop to it.", code="driver_has_route")
    target = Route(org_id=principal.org_id, date=source.date, depot_id=source.depot_id, driver_id=driver.id,
                   vehicle_id=driver.default_vehicle_id, status=RouteStatus.draft, version=1)
    db.session.add(target)
    db.session.flush()
    db.session.refresh(target, ["stops"])
    address = stop.order.address
    apply_move(principal, stop, source, target, None)
    replan(source)
    replan(target)
    bump(source, {"kind": "removed", "stop_id": stop.id, "address": address, "to_route_id": target.id,
                  "by": principal.name})
    announce(target, {"kind": "created", "by": principal.name})
    refresh_etas_after([source])
    return {"from": source, "to": target}
