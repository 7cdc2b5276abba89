from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin, UTCDateTime
from backend.extensions import db


class ProofFile(OrgScoped, TimestampMixin, db.Model):
    """A photo or signature a driver captured; the bytes live in the storage backend under storage_key."""

    __tablename__ = "proof_files"
    __table_args__ = (UniqueConstraint("driver_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class DeliveryProof(OrgScoped, TimestampMixin, db.Model):
    """What the driver recorded at the door: who took it, photos, signature, scans, money, checks."""

    __tablename__ = "delivery_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))  # delivered | collected (a pickup stop) | failed
    failure_reason: Mapped[str | None] = mapped_column(String(20))
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    signature_id: Mapped[str | None] = mapped_column(String(32))
    scanned_barcodes: Mapped[list] = mapped_column(JSON, default=list)
    cod_collected_cents: Mapped[int] = mapped_column(default=0)
    id_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    age_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
