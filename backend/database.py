"""Column types and mixins shared by every domain's models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from backend import clock


class UTCDateTime(TypeDecorator):
    """Times are stored in UTC and always come back timezone-aware.

    SQLite keeps no offset, so naive values are written as UTC and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times must be timezone-aware")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, from the one clock business rules read (backend/clock.py: the system's, or a virtual day's)."""
    return clock.now()


def isoformat_or_none(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class OrgScoped:
    """Every tenant row names its organization; services filter on it in every query."""

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("organizations.id", ondelete="CASCADE"), index=True, nullable=False)


def insert_ignoring_conflict(model, index_elements: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike (no savepoint needed)."""
    from backend.extensions import db

    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing(index_elements=index_elements)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite as a server's database: write-ahead log (readers never wait for the writer), fsync at
    checkpoints rather than every commit, and foreign keys enforced like PostgreSQL does."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
