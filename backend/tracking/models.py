from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, UTCDateTime
from backend.extensions import db


class FixFields:
    """What a GPS fix says: where, how precise, which way, how fast, when taken and when received."""

    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    heading_deg: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LocationFix(FixFields, OrgScoped, db.Model):
    """A breadcrumb: one GPS fix of a driver, kept for LOCATION_RETENTION_DAYS."""

    __tablename__ = "location_fixes"
    __table_args__ = (Index("ix_location_fixes_driver_at", "driver_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("routes.id", ondelete="SET NULL"))


class DriverPosition(FixFields, OrgScoped, db.Model):
    """Each driver's last known position: the one row the live map and ETAs read."""

    __tablename__ = "driver_positions"

    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True)
    route_id: Mapped[int | None] = mapped_column(ForeignKey("routes.id", ondelete="SET NULL"))
    # Geofence arrival: the next stop the driver is standing near, and since when.
    near_stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    near_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the remaining stops' ETAs were last computed from this position.
    etas_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
