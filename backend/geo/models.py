from __future__ import annotations

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin
from backend.extensions import db


class GeocodeCacheEntry(TimestampMixin, db.Model):
    """Geocoder answers are public map data, shared by every organization (not tenant data)."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(600), unique=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    display_name: Mapped[str] = mapped_column(String(600), default="")
    provider: Mapped[str] = mapped_column(String(40))


class PinCorrection(OrgScoped, TimestampMixin, db.Model):
    """A dispatcher's correction of where an address really is; it wins over the geocoder next time."""

    __tablename__ = "pin_corrections"
    __table_args__ = (UniqueConstraint("org_id", "address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_key: Mapped[str] = mapped_column(String(600))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    corrected_by_id: Mapped[int | None] = mapped_column()
