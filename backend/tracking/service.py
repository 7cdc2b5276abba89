"""Driver positions: validate and store fixes, and say what they show — a small fast write path.

Tracking returns facts (what was stored, where the driver is, how long they stayed near a place);
who is told and what a fact means for a route is dispatch's use case (backend.dispatch.location).

A fix is refused when out of range, in the future, or older than the driver's last stored fix
(unless it comes in a batch recorded offline, where older fixes are history, not the present).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from backend.database import utcnow
from backend.extensions import db
from backend.geo.sphere import distance_m
from backend.tracking.models import DriverPosition, LocationFix
from backend.tracking.schemas import CustomerDriverLocationSchema, PositionSchema
from backend.unit_of_work import transactional

FUTURE_TOLERANCE = timedelta(seconds=30)


def check_fix(fix: dict, last_at: datetime | None, *, batch: bool) -> str | None:
    """Why a fix is refused, or None. Ranges are checked by the schema; time is checked here."""
    if fix["at"] > utcnow() + FUTURE_TOLERANCE:
        return "in_future"
    if not batch and last_at is not None and fix["at"] < last_at:
        return "older_than_last"
    return None


_FOR_STAFF, _FOR_CUSTOMER = PositionSchema(), CustomerDriverLocationSchema()


def position_payload(driver_id: int, position: DriverPosition | LocationFix) -> dict:
    """Staff's view of a driver's position (the API's and the `driver.location(s)` event's)."""
    return _FOR_STAFF.dump(position)


def customer_position_payload(position: DriverPosition) -> dict:
    """What a tracking page sees of the driver (while its stop is the next one): where, heading, when."""
    return _FOR_CUSTOMER.dump(position)


@dataclass
class Ingested:
    """What storing a batch of fixes found: counts for the phone, and the driver's position when it moved."""

    accepted: int
    duplicates: int
    rejected: list[dict]
    moved_to: DriverPosition | None  # the driver's last position, moved forward by these fixes (else None)

    def answer(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def ingest(org_id: int, driver_id: int, route_id: int | None, fixes: list[dict], *, batch: bool) -> Ingested:
    """Store fixes (on the route the driver is working, if any) and move the driver's last position forward.

    Adds to the caller's unit of work; decides nothing about who is told (the caller's use case does)."""
    position = db.session.get(DriverPosition, driver_id)
    last_at = position.at if position else None
    now = utcnow()
    accepted, rejected, duplicates = 0, [], 0
    newest = None
    # A phone that lost the answer to its upload sends the batch again: a fix already stored for this
    # driver at the same instant is the same fix, acknowledged again but stored once.
    stored = set(db.session.scalars(select(LocationFix.at).where(
        LocationFix.driver_id == driver_id, LocationFix.at.in_([f["at"] for f in fixes])))) if batch else set()
    for index, fix in enumerate(sorted(fixes, key=lambda f: f["at"])):
        if fix["at"] in stored:
            duplicates += 1
            continue
        reason = check_fix(fix, last_at, batch=batch)
        if reason:
            rejected.append({"index": index, "reason": reason})
            continue
        stored.add(fix["at"])
        row = LocationFix(org_id=org_id, driver_id=driver_id, route_id=route_id, lat=fix["lat"],
                          lon=fix["lon"], accuracy_m=fix.get("accuracy"), heading_deg=fix.get("heading"),
                          speed_mps=fix.get("speed"), at=fix["at"], received_at=now)
        db.session.add(row)
        accepted += 1
        if last_at is None or fix["at"] >= last_at:
            newest, last_at = row, fix["at"]
    if newest is not None:
        if position is None:
            position = DriverPosition(org_id=org_id, driver_id=driver_id, lat=0, lon=0, at=newest.at, received_at=now)
            db.session.add(position)
        for name in ("route_id", "lat", "lon", "accuracy_m", "heading_deg", "speed_mps", "at"):
            setattr(position, name, getattr(newest, name))
        position.received_at = now
    return Ingested(accepted, duplicates, rejected, position if newest is not None else None)


def dwelled_since(position: DriverPosition, place_id: int | None, lat: float, lon: float, *, radius_m: float,
                  dwell_s: float) -> datetime | None:
    """When the driver has stayed within `radius_m` of a place for `dwell_s`, the time they got there.

    The position remembers which place it is near and since when (a fact about the driver's track);
    `place_id` None (nowhere to watch) forgets it."""
    if place_id is None or distance_m(position.lat, position.lon, lat, lon) > radius_m:
        position.near_stop_id = position.near_since = None
        return None
    if position.near_stop_id != place_id:
        position.near_stop_id, position.near_since = place_id, position.at
        return None
    if (position.at - position.near_since).total_seconds() >= dwell_s:
        return position.near_since
    return None


@transactional
def purge_old_fixes() -> int:
    """Breadcrumbs older than the retention setting are deleted (a periodic job)."""
    cutoff = utcnow() - timedelta(days=current_app.config["LOCATION_RETENTION_DAYS"])
    result = db.session.execute(delete(LocationFix).where(LocationFix.at < cutoff))
    return result.rowcount or 0
