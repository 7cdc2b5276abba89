from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.database import OrgScoped, TimestampMixin, UTCDateTime
from backend.extensions import db
from backend.orders.enums import StopKind


class RouteStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    in_progress = "in_progress"
    completed = "completed"


class StopStatus(str, enum.Enum):
    pending = "pending"
    arrived = "arrived"
    completed = "completed"
    failed = "failed"
    skipped = "skipped"


FINISHED_STOP = frozenset({StopStatus.completed, StopStatus.failed, StopStatus.skipped})


class Route(OrgScoped, TimestampMixin, db.Model):
    """One driver's day. Every change to it or its stops bumps `version`, which clients catch up from."""

    __tablename__ = "routes"
    __table_args__ = (Index("ix_routes_org_date", "org_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    status: Mapped[RouteStatus] = mapped_column(
        Enum(RouteStatus, name="route_status", native_enum=False, length=20), default=RouteStatus.draft)
    version: Mapped[int] = mapped_column(default=1)
    planned_distance_m: Mapped[int] = mapped_column(default=0)
    planned_duration_s: Mapped[int] = mapped_column(default=0)
    planned_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    break_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stops = relationship("Stop", order_by="Stop.sequence", back_populates="route", lazy="selectin")
    # Read-only links for the answers (a route is changed through its ids, by the dispatch service).
    depot = relationship("Depot", viewonly=True)
    vehicle = relationship("Vehicle", viewonly=True)
    driver = relationship("Driver", viewonly=True)


class Stop(OrgScoped, TimestampMixin, db.Model):
    __tablename__ = "stops"
    # A pickup-delivery pair has two stops on its route (pickup first); every other order has one.
    __table_args__ = (UniqueConstraint("route_id", "order_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column()
    kind: Mapped[StopKind] = mapped_column(Enum(StopKind, name="stop_kind", native_enum=False, length=10),
                                           default=StopKind.delivery, server_default="delivery")
    status: Mapped[StopStatus] = mapped_column(
        Enum(StopStatus, name="stop_status", native_enum=False, length=20), default=StopStatus.pending)
    planned_arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eta_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    route = relationship("Route", back_populates="stops")
    order = relationship("Order", lazy="joined")

    @property
    def end(self):
        """The order's end this stop serves: its place, windows, service time and person."""
        return self.order.end(self.kind)

    @property
    def is_last_of_order(self) -> bool:
        """Whether finishing this stop finishes the order (a pair's pickup does not)."""
        return self.kind is self.order.stop_kinds[-1]


class DriverAction(OrgScoped, db.Model):
    """Every action a driver's phone sent, once per client-made idempotency key.

    Offline phones replay their outbox; a key seen before answers with the stored outcome instead of
    acting twice. `at` is when the driver acted (what is recorded), `received_at` when it synced.
    """

    __tablename__ = "driver_actions"
    __table_args__ = (UniqueConstraint("driver_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(30))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("routes.id", ondelete="SET NULL"))
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(500), default="")
    # A conflict's machine-readable reason, kept so that a replay of the key answers as the first time did.
    reason: Mapped[str | None] = mapped_column(String(32))
