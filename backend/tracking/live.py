"""Live fixes in bulk: the write path of the phones' sockets, many drivers' fixes per transaction.

The same rules as `service.ingest` (a fix in the future or older than the driver's last one is refused),
with the ORM left out of the hot path: positions are read in one query, fixes and positions written with
one executemany each (Core statements), in the caller's unit of work. The caller (dispatch's use case)
moves each driver's `Track` fix by fix with `take()`, then calls `store()` once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from backend.database import insert_ignoring_conflict
from backend.extensions import db
from backend.tracking.models import DriverPosition, LocationFix
from backend.tracking.service import check_fix

_POSITIONS = DriverPosition.__table__
_FIXES = LocationFix.__table__
_MOVING = ("route_id", "lat", "lon", "accuracy_m", "heading_deg", "speed_mps", "at", "received_at",
           "near_stop_id", "near_since")
_CHUNK = 500  # ids per IN (...): well under any database's limit on bound parameters


@dataclass
class Track:
    """A driver's last position (the driver_positions row) as this batch moves it; attribute names are the
    model's, so the position schemas and `service.dwelled_since` read it as they read the row."""

    driver_id: int
    org_id: int
    route_id: int | None = None
    lat: float = 0.0
    lon: float = 0.0
    accuracy_m: float | None = None
    heading_deg: float | None = None
    speed_mps: float | None = None
    at: datetime | None = None
    received_at: datetime | None = None
    near_stop_id: int | None = None
    near_since: datetime | None = None
    stored: bool = True  # the row exists already
    fixes: list[dict] = field(default_factory=list)  # accepted in this batch, as rows to insert

    @property
    def moved(self) -> bool:
        return bool(self.fixes)


def chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def tracks(org_of_driver: dict[int, int]) -> dict[int, Track]:
    """The drivers' last positions (one query per 500 drivers); a driver never seen gets an empty Track."""
    found: dict[int, Track] = {}
    for part in chunks(org_of_driver):
        for row in db.session.execute(select(_POSITIONS).where(_POSITIONS.c.driver_id.in_(part))).mappings():
            found[row["driver_id"]] = Track(driver_id=row["driver_id"], org_id=row["org_id"],
                                            **{name: row[name] for name in _MOVING})
    for driver_id, org_id in org_of_driver.items():
        if driver_id not in found:
            found[driver_id] = Track(driver_id=driver_id, org_id=org_id, stored=False)
    return found


def take(track: Track, fix: dict, route_id: int | None, now: datetime) -> str | None:
    """Move the track to `fix` (a live fix: it must not be older than the last one); the reason it is
    refused, or None."""
    reason = check_fix(fix, track.at, batch=False)
    if reason:
        return reason
    track.route_id, track.lat, track.lon = route_id, fix["lat"], fix["lon"]
    track.accuracy_m, track.heading_deg, track.speed_mps = fix.get("accuracy"), fix.get("heading"), fix.get("speed")
    track.at, track.received_at = fix["at"], now
    track.fixes.append({"org_id": track.org_id, "driver_id": track.driver_id, "route_id": route_id,
                        "lat": track.lat, "lon": track.lon, "accuracy_m": track.accuracy_m,
                        "heading_deg": track.heading_deg, "speed_mps": track.speed_mps, "at": track.at,
                        "received_at": now})
    return None


def store(moved: list[Track]) -> int:
    """Write the accepted fixes and the moved positions: one executemany each. Returns the fixes stored."""
    rows = [row for track in moved for row in track.fixes]
    if not rows:
        return 0
    db.session.execute(insert(_FIXES), rows)
    new = [{"org_id": t.org_id, "driver_id": t.driver_id, "lat": t.lat, "lon": t.lon, "at": t.at,
            "received_at": t.received_at} for t in moved if not t.stored]
    if new:
        # A batch upload over HTTP may have created the row meanwhile: then the update below moves it.
        db.session.execute(insert_ignoring_conflict(_POSITIONS, ["driver_id"]), new)
    db.session.execute(
        update(_POSITIONS).where(_POSITIONS.c.driver_id == bindparam("moved_driver_id"))
        .values({name: bindparam(name) for name in _MOVING}),
        [{"moved_driver_id": t.driver_id, **{name: getattr(t, name) for name in _MOVING}} for t in moved])
    for track in moved:
        track.stored = True
    return len(rows)
