"""Drivers' live fixes from their sockets, in rounds: one transaction and one relay per tick for the fleet.

    phone --location.update--> dispatch.events (valid fix? a driver?) --> submit()
      a round of POSITION_BATCH_MS (realtime.group_commit) --> record_live_fixes(round): one unit of work
        routes in progress, last positions, next stops, geofence settings: one query each for the round
        per fix, in arrival order: tracking.live.take (the rules of a single fix) -> geofence -> arrival
        tracking.live.store: every fix and every moved position, one executemany each
      after commit: one `driver.locations` per dispatchers' room, the next stop's tracking page,
      ETA refresh requests; then each phone of the round gets its answer.

Acknowledged means stored: a phone's `location.update` is answered only after the round's commit, so a
fix acknowledged is durable and a round that fails is acknowledged to no one (the phone keeps the fix
and uploads it with its next batch). The price is up to one tick (100 ms) before the answer.

What a fix means is unchanged from `location.record_fixes` (HTTP batches from phones that were offline):
a customer sees the driver only while their stop is the next one; staying near the next stop marks it
arrived, as a tap would, in the same transaction as the fixes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from backend.auth.models import Organization
from backend.auth.principal import Principal
from backend.database import utcnow
from backend.dispatch import driver_actions
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.extensions import db, socketio
from backend.orders.enums import StopKind
from backend.orders.models import Order
from backend.realtime import emit, rooms
from backend.realtime.group_commit import GroupCommit
from backend.tracking import live, service as tracking_service
from backend.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class LiveFix:
    principal: Principal
    fix: dict
    refused: str | None = None  # why the fix was refused, once its round is stored


@dataclass
class NextStop:
    id: int
    lat: float
    lon: float
    tracking_token: str


def submit(principal: Principal, fix: dict) -> str | None:
    """Store a driver's live fix with its round; None once it is stored, else why it was refused.
    Raises realtime.group_commit.FlushFailed when the round could not be stored (do not acknowledge)."""
    return _rounds().submit(LiveFix(principal, fix)).refused


def _rounds() -> GroupCommit[LiveFix]:
    app = current_app._get_current_object()
    rounds = app.extensions.get("lastmile.live_fixes")
    if rounds is None:
        rounds = app.extensions["lastmile.live_fixes"] = GroupCommit(
            record_live_fixes, app.config["POSITION_BATCH_MS"] / 1000, sleep=socketio.sleep)
    return rounds


def record_live_fixes(round_: list[LiveFix]) -> None:
    """Store one round of live fixes, tell who may see each driver, act on arrivals: one commit."""
    try:
        moved = _store_round(round_)
    except Exception:
        log.exception("a round of %d live fixes could not be stored", len(round_))
        raise
    finally:
        db.session.remove()
    from backend.dispatch.jobs import request_eta_refresh

    for route_id in {track.route_id for track in moved if track.route_id is not None}:
        request_eta_refresh(route_id, current_app.config["ETA_REFRESH_S"])


def _store_round(round_: list[LiveFix]) -> list[live.Track]:
    now = utcnow()
    by_driver: dict[int, list[LiveFix]] = {}
    for item in round_:
        by_driver.setdefault(item.principal.driver_id, []).append(item)
    with unit_of_work():
        tracks = live.tracks({driver_id: items[0].principal.org_id for driver_id, items in by_driver.items()})
        routes = _routes_in_progress(list(by_driver))
        next_stops = _next_stops(set(routes.values()))
        watching = _orgs_watching_arrivals({track.org_id for track in tracks.values()})
        for driver_id, items in by_driver.items():
            track, route_id = tracks[driver_id], routes.get(driver_id)
            # A phone that sends faster than it is answered may have its fixes handled out of order:
            # within a round they are taken in the order they were recorded.
            for item in sorted(items, key=lambda i: i.fix["at"]):
                item.refused = live.take(track, item.fix, route_id, now)
                if item.refused is None:
                    _relay_to_customer(track, next_stops.get(route_id))
                    if _arrived(item.principal, track, next_stops.get(route_id), track.org_id in watching):
                        next_stops[route_id] = _next_stop(route_id)
        moved = [track for track in tracks.values() if track.moved]
        live.store(moved)
        _relay_to_dispatchers(moved)
    return moved


def _routes_in_progress(driver_ids: list[int]) -> dict[int, int]:
    """Each driver's route in progress (the newest, as `location.active_route_id`)."""
    found = {}
    for part in live.chunks(driver_ids):
        found.update(db.session.execute(
            select(Route.driver_id, func.max(Route.id)).where(Route.driver_id.in_(part),
                                                              Route.status == RouteStatus.in_progress)
            .group_by(Route.driver_id)).all())
    return found


def _next_stops(route_ids: set[int]) -> dict[int, NextStop]:
    """Each route's next stop: its pending stop of the lowest sequence (where the customer may watch the van)."""
    found: dict[int, NextStop] = {}
    for part in live.chunks(route_ids):
        first = (select(Stop.route_id, func.min(Stop.sequence).label("sequence"))
                 .where(Stop.route_id.in_(part), Stop.status == StopStatus.pending)
                 .group_by(Stop.route_id).subquery())
        rows = db.session.execute(
            select(Stop.route_id, Stop.id, Stop.kind, Order.lat, Order.lon, Order.pickup_lat, Order.pickup_lon,
                   Order.tracking_token)
            .join(first, (Stop.route_id == first.c.route_id) & (Stop.sequence == first.c.sequence))
            .join(Order, Order.id == Stop.order_id).where(Stop.status == StopStatus.pending)
            .order_by(Stop.id.desc()))
        for route_id, stop_id, kind, lat, lon, pickup_lat, pickup_lon, token in rows:
            # The stop's own end of the order (Order.end): a pickup is where the parcel is collected.
            if kind is StopKind.pickup:
                lat, lon = pickup_lat, pickup_lon
            found[route_id] = NextStop(stop_id, lat, lon, token)
    return found


def _next_stop(route_id: int) -> NextStop | None:
    return _next_stops({route_id}).get(route_id)


def _orgs_watching_arrivals(org_ids: set[int]) -> set[int]:
    settings = db.session.execute(select(Organization.id, Organization.settings).where(Organization.id.in_(org_ids)))
    return {org_id for org_id, values in settings if (values or {}).get("geofence_arrival", True)}


def _relay_to_customer(track: live.Track, next_stop: NextStop | None) -> None:
    if next_stop is not None:
        emit.queue_emit(db.session, "driver.location", tracking_service.customer_position_payload(track),
                        rooms.tracking(next_stop.tracking_token))


def _relay_to_dispatchers(moved: list[live.Track]) -> None:
    """Dispatchers see every driver of their organization: one message per room and round (the round is the
    tick), with each driver's newest position; one message per driver when batching is off."""
    by_org: dict[int, list[dict]] = {}
    for track in moved:
        by_org.setdefault(track.org_id, []).append(tracking_service.position_payload(track.driver_id, track))
    batching = current_app.config["POSITION_BATCH_MS"] > 0
    for org_id, items in by_org.items():
        if batching:
            emit.queue_emit(db.session, "driver.locations", {"items": items}, rooms.dispatch(org_id))
        else:
            for item in items:
                emit.queue_emit(db.session, "driver.location", item, rooms.dispatch(org_id))


def _arrived(principal: Principal, track: live.Track, next_stop: NextStop | None, watching: bool) -> bool:
    """The geofence: after staying near the next stop long enough, the driver arrives there (as a tap)."""
    if next_stop is None or not watching:
        tracking_service.dwelled_since(track, None, 0.0, 0.0, radius_m=0, dwell_s=0)
        return False
    arrive_at = tracking_service.dwelled_since(track, next_stop.id, next_stop.lat, next_stop.lon,
                                               radius_m=current_app.config["GEOFENCE_RADIUS_M"],
                                               dwell_s=current_app.config["GEOFENCE_DWELL_S"])
    if arrive_at is None:
        return False
    driver_actions.arrive_by_geofence(principal, db.session.get(Route, track.route_id),
                                      db.session.get(Stop, next_stop.id), arrive_at)
    return True
