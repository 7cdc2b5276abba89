"""A driver's location fixes, as dispatch's use case: one short path, one direction.

Here: batches a phone uploads over HTTP (fixes recorded offline, resent after a lost answer). Live
fixes from the phones' sockets take the same steps in rounds, many drivers per transaction
(backend/dispatch/live_fixes.py).

    phone -> dispatch.views -> record_fixes
             -> tracking.ingest (store, facts) -> who is told (dispatchers; the next stop's customer)
             -> geofence: tracking.dwelled_since near the next stop -> arrival (a driver action)
             -> after commit: an ETA refresh job (dispatch.jobs -> dispatch.eta)

One use case, one commit: the fixes and an arrival the geofence finds are stored together, the
arrival exactly as if the driver had tapped "arrived" (one idempotency key per stop), so the
driver-action rules (conflicts, duplicates) hold for it too.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from backend.auth.principal import Principal
from backend.dispatch import driver_actions
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.extensions import db
from backend.realtime import emit, rooms
from backend.tracking import service as tracking_service
from backend.tracking.models import DriverPosition
from backend.unit_of_work import unit_of_work


def active_route_id(principal: Principal) -> int | None:
    return db.session.scalar(select(Route.id).where(Route.driver_id == principal.driver_id,
                                                    Route.status == RouteStatus.in_progress).order_by(Route.id.desc()))


def record_fixes(principal: Principal, fixes: list[dict], *, batch: bool) -> dict:
    """Store a driver's fixes, tell who may see the driver, and act on an arrival at the next stop."""
    live_route_id = None
    with unit_of_work():
        ingested = tracking_service.ingest(principal.org_id, principal.driver_id, active_route_id(principal), fixes,
                                           batch=batch)
        position = ingested.moved_to
        if position is not None:
            next_stop = _relay(principal, position)
            arrive_at = _geofence(principal, position, next_stop)
            live_route_id = position.route_id
            if arrive_at is not None:
                driver_actions.arrive_by_geofence(principal, db.session.get(Route, live_route_id), next_stop,
                                                  arrive_at)
    # Read nothing from the session's objects after the commit: each read would reload its row.
    if live_route_id is not None:
        from backend.dispatch.jobs import request_eta_refresh

        request_eta_refresh(live_route_id, current_app.config["ETA_REFRESH_S"])
    return ingested.answer()


def _relay(principal: Principal, position: DriverPosition) -> Stop | None:
    """Dispatchers see every driver; a customer sees the driver only while their stop is the next one."""
    payload = tracking_service.position_payload(principal.driver_id, position)
    # Dispatchers get positions coalesced per tick as `driver.locations` {"items": [...]}.
    emit.queue_emit(db.session, "driver.location", payload, rooms.dispatch(principal.org_id),
                    coalesce_key=principal.driver_id)
    if position.route_id is None:
        return None
    next_stop = db.session.scalar(select(Stop).where(Stop.route_id == position.route_id,
                                                     Stop.status == StopStatus.pending).order_by(Stop.sequence))
    if next_stop is not None:
        emit.queue_emit(db.session, "driver.location", tracking_service.customer_position_payload(position),
                        rooms.tracking(next_stop.order.tracking_token))
    return next_stop


def _geofence(principal: Principal, position: DriverPosition, next_stop: Stop | None) -> datetime | None:
    """When the driver has stayed near the next stop long enough, the time they arrived; else None."""
    from backend.auth.models import Organization

    watching = next_stop is not None and (db.session.get(Organization, principal.org_id).settings or {}).get(
        "geofence_arrival", True)
    if not watching:
        return tracking_service.dwelled_since(position, None, 0.0, 0.0, radius_m=0, dwell_s=0)
    return tracking_service.dwelled_since(position, next_stop.id, next_stop.end.lat, next_stop.end.lon,
                                          radius_m=current_app.config["GEOFENCE_RADIUS_M"],
                                          dwell_s=current_app.config["GEOFENCE_DWELL_S"])

