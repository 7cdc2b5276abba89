"""Driver positions: validate, store, relay — a small fast write path.

A fix is refused when out of range, in the future, or older than the driver's last stored fix
(unless it comes in a batch recorded offline, where older fixes are history, not the present).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from backend.auth.principal import Principal
from backend.database import utcnow
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.extensions import db
from backend.geo.sphere import distance_m
from backend.realtime import emit, rooms
from backend.tracking.models import DriverPosition, LocationFix
from backend.tracking.schemas import CustomerDriverLocationSchema, PositionSchema

FUTURE_TOLERANCE = timedelta(seconds=30)


def check_fix(fix: dict, last_at: datetime | None, *, batch: bool) -> str | None:
    """Why a fix is refused, or None. Ranges are checked by the schema; time is checked here."""
    if fix["at"] > utcnow() + FUTURE_TOLERANCE:
        return "in_future"
    if not batch and last_at is not None and fix["at"] < last_at:
        return "older_than_last"
    return None


def active_route_id(principal: Principal) -> int | None:
    return db.session.scalar(select(Route.id).where(Route.driver_id == principal.driver_id,
                                                    Route.status == RouteStatus.in_progress).order_by(Route.id.desc()))


_FOR_STAFF, _FOR_CUSTOMER = PositionSchema(), CustomerDriverLocationSchema()


def position_payload(driver_id: int, position: DriverPosition | LocationFix) -> dict:
    """Staff's view of a driver's position (the API's and the `driver.location(s)` event's)."""
    return _FOR_STAFF.dump(position)


def ingest(principal: Principal, fixes: list[dict], *, batch: bool) -> dict:
    """Store fixes, move the driver's last position forward, and relay the newest one."""
    position = db.session.get(DriverPosition, principal.driver_id)
    last_at = position.at if position else None
    route_id = active_route_id(principal)
    now = utcnow()
    accepted, rejected, duplicates = 0, [], 0
    newest = next_stop = arrive_at = live_route_id = None
    # A phone that lost the answer to its upload sends the batch again: a fix already stored for this
    # driver at the same instant is the same fix, acknowledged again but stored once.
    stored = set(db.session.scalars(select(LocationFix.at).where(
        LocationFix.driver_id == principal.driver_id, LocationFix.at.in_([f["at"] for f in fixes])))) if batch else set()
    for index, fix in enumerate(sorted(fixes, key=lambda f: f["at"])):
        if fix["at"] in stored:
            duplicates += 1
            continue
        reason = check_fix(fix, last_at, batch=batch)
        if reason:
            rejected.append({"index": index, "reason": reason})
            continue
        stored.add(fix["at"])
        row = LocationFix(org_id=principal.org_id, driver_id=principal.driver_id, route_id=route_id, lat=fix["lat"],
                          lon=fix["lon"], accuracy_m=fix.get("accuracy"), heading_deg=fix.get("heading"),
                          speed_mps=fix.get("speed"), at=fix["at"], received_at=now)
        db.session.add(row)
        accepted += 1
        if last_at is None or fix["at"] >= last_at:
            newest, last_at = row, fix["at"]
    if newest is not None:
        if position is None:
            position = DriverPosition(org_id=principal.org_id, driver_id=principal.driver_id, lat=0, lon=0, at=newest.at,
                                      received_at=now)
            db.session.add(position)
        for name in ("route_id", "lat", "lon", "accuracy_m", "heading_deg", "speed_mps", "at"):
            setattr(position, name, getattr(newest, name))
        position.received_at = now
        next_stop = _relay(principal, position)
        arrive_at = _geofence(principal, position, next_stop)
        live_route_id, next_stop_id = position.route_id, next_stop.id if next_stop is not None else None
    db.session.commit()  # read nothing from the session's objects after this: each read would reload its row
    if live_route_id is not None:
        if arrive_at is not None:
            _arrive_by_geofence(principal, live_route_id, next_stop_id, arrive_at)
        from backend.tracking.jobs import request_eta_refresh

        request_eta_refresh(live_route_id, current_app.config["ETA_REFRESH_S"])
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


def _geofence(principal: Principal, position: DriverPosition, next_stop: Stop | None):
    """When the driver has stayed near the next stop long enough, the time they arrived; else None."""
    from backend.auth.models import Organization

    if next_stop is None or not (db.session.get(Organization, principal.org_id).settings or {}).get(
            "geofence_arrival", True):
        position.near_stop_id = position.near_since = None
        return None
    near = distance_m(position.lat, position.lon, next_stop.order.lat, next_stop.order.lon) \
        <= current_app.config["GEOFENCE_RADIUS_M"]
    if not near:
        position.near_stop_id = position.near_since = None
        return None
    if position.near_stop_id != next_stop.id:
        position.near_stop_id, position.near_since = next_stop.id, position.at
        return None
    if (position.at - position.near_since).total_seconds() >= current_app.config["GEOFENCE_DWELL_S"]:
        return position.near_since
    return None


def _arrive_by_geofence(principal: Principal, route_id: int, stop_id: int, at: datetime) -> None:
    """Mark the stop arrived as if the driver had tapped it (one idempotency key per stop)."""
    from backend.dispatch import driver_actions

    driver_actions.apply(principal, {"idempotency_key": f"geofence-arrive-{stop_id}", "type": "stop.arrive",
                                     "at": at, "route_id": route_id, "stop_id": stop_id, "data": {}})


def _relay(principal: Principal, position: DriverPosition) -> Stop | None:
    """Dispatchers see every driver; a customer sees the driver only while their stop is the next one."""
    payload = position_payload(principal.driver_id, position)
    # Dispatchers get positions coalesced per tick as `driver.locations` {"items": [...]}.
    emit.queue_emit(db.session, "driver.location", payload, rooms.dispatch(principal.org_id),
                    coalesce_key=principal.driver_id)
    if position.route_id is None:
        return None
    next_stop = db.session.scalar(select(Stop).where(Stop.route_id == position.route_id,
                                                     Stop.status == StopStatus.pending).order_by(Stop.sequence))
    if next_stop is not None:
        emit.queue_emit(db.session, "driver.location", _FOR_CUSTOMER.dump(position),
                        rooms.tracking(next_stop.order.tracking_token))
    return next_stop


def purge_old_fixes() -> int:
    """Breadcrumbs older than the retention setting are deleted (a periodic job)."""
    cutoff = utcnow() - timedelta(days=current_app.config["LOCATION_RETENTION_DAYS"])
    result = db.session.execute(delete(LocationFix).where(LocationFix.at < cutoff))
    db.session.commit()
    return result.rowcount or 0
