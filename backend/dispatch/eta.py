"""Live ETAs: the remaining stops re-timed from the driver's position and the current time.

Runs in the job worker (a Huey task), never on the web hub: triggered by fresh fixes at most once
per ETA_REFRESH_S per route, and after a route changes. Travel times come from the routing
matrices (haversine with road detour and the hour's traffic, or OSRM), with time windows
(waiting when early) and service times. When the driver's position is stale (the phone stopped
reporting), ETAs are computed from the last fix at the current time: the plan and the last fix.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from backend.database import isoformat_or_none, utcnow
from backend.dispatch import problems, summaries
from backend.dispatch.eta_model import pace_factor
from backend.dispatch.models import Route, RouteStatus, StopStatus
from backend.dispatch.event_schemas import CustomerEtaSchema, EtaUpdatedSchema, LateRiskAlertSchema
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders import lifecycle
from backend.orders.enums import ActorType
from backend.orders.models import OrderEvent
from backend.realtime import emit, rooms
from backend.tracking.models import DriverPosition
from backend.unit_of_work import transactional


# A published route is re-timed by the clock only on its own day: one never driven stays as it was planned.
WAITING_ROUTE_HORIZON = timedelta(hours=18)


def _waiting_past_its_start(route: Route, now) -> bool:
    """Published, not started, and its planned start has passed: its ETAs move with the clock."""
    return (route.status is RouteStatus.published and route.planned_start_at is not None
            and now - WAITING_ROUTE_HORIZON < route.planned_start_at < now)


@transactional
def refresh_route_etas(route_id: int) -> dict | None:
    """Recompute and store the ETAs of a route in progress, or of a published one whose start has passed
    while it waits (its stops cannot be served before now: a customer never reads an ETA in the past);
    tell clients only about meaningful moves."""
    route = db.session.get(Route, route_id)
    if route is None or not (route.status is RouteStatus.in_progress or _waiting_past_its_start(route, utcnow())):
        return None
    remaining = sorted((s for s in route.stops if s.status in (StopStatus.pending, StopStatus.arrived)),
                       key=lambda s: s.sequence)
    if not remaining:
        return None
    now = utcnow()
    position = db.session.get(DriverPosition, route.driver_id) if route.driver_id else None
    depot = db.session.get(Depot, route.depot_id)
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    stale = position is None or (now - position.at).total_seconds() > current_app.config["POSITION_STALE_AFTER_S"]
    # A route not started leaves from the depot unless the driver is on duty with a fresh fix.
    start = (position.lat, position.lon) if position and (route.status is RouteStatus.in_progress or not stale) else None
    plan = problems.evaluate_sequence(depot, driver, vehicle, route.date, [(s.order, s.kind) for s in remaining],
                                             start=start, start_at=now, pace=observed_pace(route))
    threshold = current_app.config["ETA_NOTIFY_THRESHOLD_S"]
    moved, newly_late = [], []
    for stop, (arrival, _departure) in zip(remaining, plan["arrivals"]):
        if stop.status is StopStatus.arrived:
            arrival = stop.actual_arrival_at or arrival
        previous = stop.eta_at
        stop.eta_at = arrival
        # Every stop still to do is checked, moved or not: one planned late from the start never "moves".
        if stop.status is StopStatus.pending and _newly_late(stop, arrival, summaries.window_end(stop.order, stop.kind)):
            newly_late.append(stop)
        if previous is None or abs((arrival - previous).total_seconds()) > threshold:
            moved.append(stop)
            window_end = summaries.window_end(stop.order, stop.kind)
            lifecycle.record(stop.order, "eta_changed", actor_type=ActorType.system,
                             details={"eta": isoformat_or_none(arrival), "previous_eta": isoformat_or_none(previous),
                                      "window_end": isoformat_or_none(window_end), "stale_position": stale,
                                      "stop_kind": stop.kind.value})
    if newly_late:
        emit.queue_emit(db.session, "alert", late_risk_payload(route), rooms.dispatch(route.org_id))
    if position is not None:
        position.etas_computed_at = now
    if moved:
        payload = eta_updated_payload(route, moved, stale)
        for room in (rooms.route(route.id), rooms.dispatch(route.org_id), rooms.driver(route.driver_id)):
            emit.queue_emit(db.session, "eta.updated", payload, room)
        for stop in moved:
            emit.queue_emit(db.session, "eta.updated", customer_eta_payload(stop, stale),
                            rooms.tracking(stop.order.tracking_token))
    return {"route_id": route.id, "moved": len(moved), "stale": stale}


def observed_pace(route: Route) -> float:
    """The driver's pace today: time actually taken between finished stops against the plan's."""
    done = sorted((s for s in route.stops if s.actual_arrival_at and s.planned_arrival_at),
                  key=lambda s: s.actual_arrival_at)
    observations = []
    previous_actual, previous_planned = route.started_at, route.planned_start_at
    for stop in done:
        if previous_actual and previous_planned:
            planned = (stop.planned_arrival_at - previous_planned).total_seconds()
            actual = (stop.actual_arrival_at - previous_actual).total_seconds()
            if planned > 60 and actual > 0:
                observations.append((planned, actual))
        previous_actual = stop.actual_departure_at or stop.actual_arrival_at
        previous_planned = stop.planned_departure_at or stop.planned_arrival_at
    return pace_factor(observations)


def _newly_late(stop, arrival, window_end) -> bool:
    """A stop still to do whose ETA passed the end of its window, recorded once per stop (the order's
    history keeps when dispatch was warned)."""
    if window_end is None or arrival <= window_end:
        return False
    already = db.session.scalar(select(OrderEvent.id).where(OrderEvent.order_id == stop.order_id,
                                                            OrderEvent.type == "late_alert"))
    if already:
        return False
    lifecycle.record(stop.order, "late_alert", actor_type=ActorType.system,
                     details={"eta": isoformat_or_none(arrival), "window_end": isoformat_or_none(window_end),
                              "late_by_s": int((arrival - window_end).total_seconds())})
    return True


def late_stops(route: Route) -> list:
    """The route's stops still to do whose ETA is past the end of their window (finished ones never are)."""
    late = []
    for stop in sorted(route.stops, key=lambda s: s.sequence):
        window_end = summaries.window_end(stop.order, stop.kind)
        if stop.status is StopStatus.pending and stop.eta_at and window_end and stop.eta_at > window_end:
            late.append({"stop_id": stop.id, "order_id": stop.order_id, "external_ref": stop.order.external_ref,
                         "address": stop.order.address, "eta": stop.eta_at, "window_end": window_end,
                         "late_by_s": int((stop.eta_at - window_end).total_seconds())})
    return late


def eta_updated_payload(route: Route, moved: list, stale: bool) -> dict:
    """Staff and the driver: which stops' ETAs moved, on which version of the route."""
    return EtaUpdatedSchema().dump({"route_id": route.id, "version": route.version, "stale_position": stale,
                                    "stops": moved})


def customer_eta_payload(stop, stale: bool) -> dict:
    """A tracking page: its own ETA and nothing about the route's other stops."""
    return CustomerEtaSchema().dump({"eta_at": stop.eta_at, "stale_position": stale})


def late_risk_payload(route: Route) -> dict:
    """One alert per route, carrying every stop of it now at risk: the console keeps one line per route."""
    stops = late_stops(route)
    return LateRiskAlertSchema().dump({"route_id": route.id, "driver": route.driver, "count": len(stops),
                                       "stops": stops})


def routes_due_for_refresh(max_age: timedelta) -> list[int]:
    """Routes in progress whose ETAs are older than max_age (the periodic safety net), and published routes
    waiting past their planned start (their ETAs follow the clock until the driver starts)."""
    now = utcnow()
    cutoff = now - max_age
    statement = (select(Route.id).outerjoin(DriverPosition, DriverPosition.driver_id == Route.driver_id)
                 .where(Route.status == RouteStatus.in_progress)
                 .where((DriverPosition.etas_computed_at.is_(None)) | (DriverPosition.etas_computed_at < cutoff)))
    waiting = (select(Route.id).where(Route.status == RouteStatus.published,
                                      Route.planned_start_at < now,
                                      Route.planned_start_at > now - WAITING_ROUTE_HORIZON))
    return list(db.session.scalars(statement)) + list(db.session.scalars(waiting))
