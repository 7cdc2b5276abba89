"""Moving a pending stop between two routes of one day: both versions checked, both routes bumped and
re-timed, and the order's status follows the route it joins. The steps (`apply_move`, `insert_at`, ...)
never commit; the use cases here and in suggestions.py do, once."""
from __future__ import annotations

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.dispatch.previews import new_violations, preview_of, violation_lines
from backend.dispatch.service import ACTIVE_ROUTE, PLANNABLE, actor_of, bump, check_version, get_route, replan
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.orders import lifecycle
from backend.orders.enums import OrderStatus, OrderType, StopKind
from backend.orders.models import Order
from backend.unit_of_work import on_commit, transactional


def movable_stop(principal: Principal, stop_id: int) -> Stop:
    stop = db.session.scalar(select(Stop).where(Stop.org_id == principal.org_id, Stop.id == stop_id))
    if stop is None:
        raise NotFound("No such stop.")
    if stop.status is not StopStatus.pending:
        raise Conflict("A stop may move only before the driver arrives; this one is "
                       f"{stop.status.value}.", code="stop_not_movable")
    if any(other.status is not StopStatus.pending for other in together(stop)):
        # Collected already: the parcel is in this van, its delivery cannot go to another driver.
        raise Conflict(f"{stop.order.external_ref} was collected by this driver: its delivery stays on the route.",
                       code="pair_not_movable")
    return stop


def together(stop: Stop) -> list[Stop]:
    """The stops that move with `stop`: a pickup-delivery order's two (pickup first) ride in one van."""
    if stop.order.type is not OrderType.pickup_delivery:
        return [stop]
    both = [other for other in stop.route.stops if other.order_id == stop.order_id]
    return sorted(both, key=lambda other: 0 if other.kind is StopKind.pickup else 1)


def target_route(principal: Principal, route_id: int, source: Route) -> Route:
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


def visited_count(route: Route) -> int:
    return sum(1 for s in route.stops if s.status is not StopStatus.pending)


def insert_at(ordered: list[Stop], item, position: int | None, visited: int) -> list:
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
    moving = together(stop)
    ids = {each.id for each in moving}
    source_stops = [s for s in sorted(source.stops, key=lambda s: s.sequence) if s.id not in ids]
    target_stops = sorted(target.stops, key=lambda s: s.sequence)
    for offset, each in enumerate(moving):  # a pair lands as pickup then delivery, side by side
        target_stops = insert_at(target_stops, each, None if position is None else position + offset,
                                 visited_count(target))
    return source_stops, target_stops


def preview_move(principal: Principal, stop_id: int, to_route_id: int, position: int | None) -> dict:
    """Both routes as they would be after the move: new ETAs, and the violations the move would cause."""
    stop = movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    target = target_route(principal, to_route_id, source)
    source_stops, target_stops = _sequences_after_move(stop, source, target, position)
    before = violation_lines(preview_of(source, sorted(source.stops, key=lambda s: s.sequence))) + \
        violation_lines(preview_of(target, sorted(target.stops, key=lambda s: s.sequence)))
    source_preview, target_preview = preview_of(source, source_stops), preview_of(target, target_stops)
    after = violation_lines(source_preview) + violation_lines(target_preview)
    db.session.rollback()
    return {"stop_id": stop.id, "from": source_preview, "to": target_preview, "violations": after,
            "new_violations": new_violations(before, after)}


def follow_route_status(principal: Principal, order: Order, route: Route) -> None:
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


def renumber(stops: list[Stop]) -> None:
    for sequence, stop in enumerate(stops, start=1):
        stop.sequence = sequence


def apply_move(principal: Principal, stop: Stop, source: Route, target: Route, position: int | None) -> None:
    """Move without committing: the caller checks versions before and bumps and commits after."""
    source_stops, target_stops = _sequences_after_move(stop, source, target, position)
    for each in together(stop):
        each.route = target  # the relationship's other side takes it off the source's stops
    renumber(source_stops)
    renumber(target_stops)
    follow_route_status(principal, stop.order, target)
    lifecycle.record(stop.order, "reassigned", details={"from_route_id": source.id, "to_route_id": target.id,
                                                        "from_driver_id": source.driver_id,
                                                        "to_driver_id": target.driver_id}, **actor_of(principal))
    db.session.flush()
    db.session.refresh(source, ["stops"])
    db.session.refresh(target, ["stops"])


def refresh_etas_after(routes: list[Route]) -> None:
    """Routes on the road get fresh ETAs once the change is committed (the job must see it)."""
    from backend.dispatch.jobs import request_eta_refresh

    for route_id in [route.id for route in routes if route.status is RouteStatus.in_progress]:
        on_commit(lambda route_id=route_id: request_eta_refresh(route_id, 0))


@transactional
def move_stop(principal: Principal, stop_id: int, to_route_id: int, position: int | None,
              from_version: int, to_version: int) -> dict:
    """Hand a pending stop to another driver: both versions checked, both routes bumped and re-timed."""
    stop = movable_stop(principal, stop_id)
    source = get_route(principal, stop.route_id)
    target = target_route(principal, to_route_id, source)
    check_version(source, from_version)
    check_version(target, to_version)
    address = stop.order.address
    apply_move(principal, stop, source, target, position)
    replan(source)
    replan(target)
    who = principal.name
    bump(source, {"kind": "removed", "stop_id": stop.id, "address": address, "to_route_id": target.id, "by": who})
    bump(target, {"kind": "added", "stop_id": stop.id, "address": address, "from_route_id": source.id,
                  "sequence": stop.sequence, "by": who})
    refresh_etas_after([source, target])
    return {"from": source, "to": target}
