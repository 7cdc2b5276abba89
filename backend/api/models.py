"""What the API layer keeps for itself: the answers to requests sent with an Idempotency-Key."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, UTCDateTime, utcnow
from backend.extensions import db


class IdempotencyRecord(OrgScoped, db.Model):
    """One caller's request made with one Idempotency-Key, and the answer it got (kept IDEMPOTENCY_KEY_HOURS).

    `status` is None while the request is being processed. The row is written in the same transaction as
    the use case it guards, so it exists exactly when the change does."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("org_id", "caller", "key"),
                      Index("ix_idempotency_keys_org_created", "org_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
