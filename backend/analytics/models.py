"""Analytics tables. None of them is operational: they are derived (roll-ups), imported (history)
or configured (goals) and alerts raised from them. Operational tables are only ever read."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db

# Where a roll-up row's facts come from: our own operation, or an imported history (the "before").
SOURCE_OPERATIONS = "operations"
SOURCE_BASELINE = "baseline"
# A roll-up row sums one route-day, or every route of a depot's day (what most charts read: a year is
# then 365 rows per depot instead of one per route).
GRAIN_ROUTE = "route"
GRAIN_DEPOT = "depot"


class DailyRollup(OrgScoped, db.Model):
    """The additive components of every KPI for one route-day (one driver's day) or one depot-day (the sum
    of its route-days), refreshed as days close.

    Ratios are never stored: a KPI over any period or group is computed from the summed components,
    so a month is exactly the sum of its days. Driver, vehicle and route ids are plain numbers (no
    foreign keys): a roll-up is a record of the past and must not block deleting a driver.
    """

    __tablename__ = "analytics_daily"
    __table_args__ = (Index("ix_analytics_daily_org_source_grain_day", "org_id", "source", "grain", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), default=SOURCE_OPERATIONS)
    grain: Mapped[str] = mapped_column(String(10), default=GRAIN_ROUTE)
    # For a baseline, the history import the row came from.
    import_id: Mapped[int | None] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    depot_id: Mapped[int | None] = mapped_column()
    driver_id: Mapped[int | None] = mapped_column()
    vehicle_id: Mapped[int | None] = mapped_column()
    route_id: Mapped[int | None] = mapped_column()
    # The driver's name as recorded (history files name drivers, they have no ids here).
    driver_label: Mapped[str] = mapped_column(String(200), default="")
    routes: Mapped[int] = mapped_column(default=0)
    stops: Mapped[int] = mapped_column(default=0)
    attempted: Mapped[int] = mapped_column(default=0)
    # Attempted stops of routes that had ended: what route time, distance and cost are spread over.
    route_attempted: Mapped[int] = mapped_column(default=0, server_default="0")
    delivered: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    windowed_deliveries: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    first_attempts: Mapped[int] = mapped_column(default=0)
    first_attempt_delivered: Mapped[int] = mapped_column(default=0)
    route_s: Mapped[int] = mapped_column(default=0)
    driving_s: Mapped[int] = mapped_column(default=0)
    service_s: Mapped[int] = mapped_column(default=0)
    waiting_s: Mapped[int] = mapped_column(default=0)
    distance_m: Mapped[int] = mapped_column(default=0)
    planned_distance_m: Mapped[int] = mapped_column(default=0)
    planned_duration_s: Mapped[int] = mapped_column(default=0)
    cost_cents: Mapped[int] = mapped_column(default=0)
    co2_g: Mapped[int] = mapped_column(default=0)
    sequenced_stops: Mapped[int] = mapped_column(default=0)
    out_of_sequence: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    # {"not_home": 2, ...}
    failure_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"60": {"n": 3, "sum_s": 540, "minutes": {"2": 1, "4": 2}}, "30": ..., "10": ...}
    eta_errors: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"1": 0, ..., "5": 3}
    rating_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FailedDelivery(OrgScoped, db.Model):
    """A failed attempt with its coordinates, kept beside the roll-ups so the failure map reads one index."""

    __tablename__ = "analytics_failures"
    __table_args__ = (Index("ix_analytics_failures_org_source_day", "org_id", "source", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), default=SOURCE_OPERATIONS)
    import_id: Mapped[int | None] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column()
    external_ref: Mapped[str] = mapped_column(String(100), default="")
    depot_id: Mapped[int | None] = mapped_column()
    driver_id: Mapped[int | None] = mapped_column()
    route_id: Mapped[int | None] = mapped_column()
    driver_label: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(20), default="other")


class ClosedDay(OrgScoped, db.Model):
    """A day whose operational roll-up has been computed; later reads use the stored rows."""

    __tablename__ = "analytics_closed_days"
    __table_args__ = (UniqueConstraint("org_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KpiGoal(OrgScoped, TimestampMixin, db.Model):
    """A target for one KPI, for the organization or one depot: `kpi <comparison> target` over a period.

    When the KPI's daily value misses the target on `alert_after_days` closed days in a row,
    admins are alerted (once per goal per day).
    """

    __tablename__ = "analytics_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="CASCADE"), index=True)
    kpi: Mapped[str] = mapped_column(String(40))
    comparison: Mapped[str] = mapped_column(String(2))  # ">=" or "<="
    target: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(10), default="week")
    alert_after_days: Mapped[int] = mapped_column(default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class KpiAlert(OrgScoped, db.Model):
    """A KPI behind its goal for `days_behind` days in a row, as of `day`."""

    __tablename__ = "analytics_alerts"
    __table_args__ = (UniqueConstraint("goal_id", "day"), Index("ix_analytics_alerts_org_created", "org_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("analytics_goals.id", ondelete="CASCADE"))
    kpi: Mapped[str] = mapped_column(String(40))
    depot_id: Mapped[int | None] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    days_behind: Mapped[int] = mapped_column()
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HistoryImport(OrgScoped, TimestampMixin, db.Model):
    """One imported file of past deliveries (the "before" of an assessment)."""

    __tablename__ = "analytics_history_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rows: Mapped[int] = mapped_column(default=0)
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)


class HistoryDelivery(OrgScoped, db.Model):
    """One past delivery attempt as the old system recorded it. Never mixed with operational orders."""

    __tablename__ = "analytics_history_deliveries"
    __table_args__ = (Index("ix_analytics_history_org_import_day", "org_id", "import_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("analytics_history_imports.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    external_ref: Mapped[str] = mapped_column(String(100), default="")
    driver: Mapped[str] = mapped_column(String(200))
    vehicle: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(String(20))
    planned_sequence: Mapped[int | None] = mapped_column()
    service_time_s: Mapped[int] = mapped_column(default=300)
    note: Mapped[str] = mapped_column(Text, default="")
