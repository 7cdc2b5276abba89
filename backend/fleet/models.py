from __future__ import annotations

from datetime import time

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from backend.database import OrgScoped, TimestampMixin
from backend.extensions import db


class Depot(OrgScoped, TimestampMixin, db.Model):
    """Where routes start and end. Its time zone is the one every local time of its day is shown in."""

    __tablename__ = "depots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["08:00", "18:00"]], ...} in the depot's local time; a missing day is closed.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Vehicle(OrgScoped, TimestampMixin, db.Model):
    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    plate: Mapped[str] = mapped_column(String(32), default="")
    profile: Mapped[str] = mapped_column(String(20), default="van")
    capacity_weight_kg: Mapped[float] = mapped_column(Float, default=0)
    capacity_volume_l: Mapped[float] = mapped_column(Float, default=0)
    capacity_parcels: Mapped[int] = mapped_column(default=0)
    co2_g_per_km: Mapped[int] = mapped_column(default=0)
    features: Mapped[list] = mapped_column(JSON, default=list)
    cost_fixed_cents: Mapped[int] = mapped_column(default=0)
    cost_per_hour_cents: Mapped[int] = mapped_column(default=0)
    cost_per_km_cents: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Driver(OrgScoped, TimestampMixin, db.Model):
    """A user who drives. Shift times are local to the depot; a missing start/end place means the depot."""

    __tablename__ = "drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    default_vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    shift_start: Mapped[time] = mapped_column(Time, default=time(8, 0))
    shift_end: Mapped[time] = mapped_column(Time, default=time(18, 0))
    start_lat: Mapped[float | None] = mapped_column(Float)
    start_lon: Mapped[float | None] = mapped_column(Float)
    end_lat: Mapped[float | None] = mapped_column(Float)
    end_lon: Mapped[float | None] = mapped_column(Float)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # `user.driver_profile` lets auth find a driver's profile without importing fleet (fleet sits above auth).
    user = relationship("User", lazy="joined", backref=backref("driver_profile", uselist=False, lazy="select"))
