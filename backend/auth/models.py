from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin, UTCDateTime
from backend.extensions import db


class Role(str, enum.Enum):
    admin = "admin"
    dispatcher = "dispatcher"
    driver = "driver"


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # A practice organization is a sandbox for training: nothing it does may reach a real customer.
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3), default="CAD")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)


class User(OrgScoped, TimestampMixin, db.Model):
    """A person who logs in. Email and phone are unique across organizations so a login names one user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role", native_enum=False, length=20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped when the password changes or the user is deactivated, so old sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)


class LoginSession(OrgScoped, db.Model):
    """One login of one browser or phone. The signed session cookie names it; logout, deactivation or a new
    password revokes it here, so a copied cookie stops working (the cookie alone proves nothing)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sockets of a session revoked since their last check are disconnected (backend/realtime/revocation.py).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class ApiKey(OrgScoped, TimestampMixin, db.Model):
    """A bearer key for integrations. Only a SHA-256 of the secret is kept; the prefix finds the row."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(Enum(Role, name="api_key_role", native_enum=False, length=20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
