from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.database import OrgScoped, TimestampMixin, UTCDateTime, utcnow
from backend.extensions import db
from backend.orders.enums import ActorType, FailureReason, GeocodeSource, OrderStatus, OrderType, StopKind


class Recipient(OrgScoped, TimestampMixin, db.Model):
    __tablename__ = "recipients"
    __table_args__ = (Index("ix_recipients_org_phone", "org_id", "phone"),
                      Index("ix_recipients_org_email", "org_id", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8), default="en")
    opt_out_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_push: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_email: Mapped[bool] = mapped_column(Boolean, default=False)


class Order(OrgScoped, TimestampMixin, db.Model):
    """A parcel to move, of one of three types (OrderType). Its status only changes through orders.lifecycle.

    The delivery end is `address`/`lat`/`lon`, `time_windows`, `service_time_s` and `recipient`; the pickup
    end (returns and pickup-delivery pairs) is `pickup_*`, `pickup_windows` and `sender`, the person told
    of the collection. A return's delivery end is its depot. The status follows the order's last end: a
    pair stays out for delivery once collected (its pickup stop says so), a return is delivered when collected.
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("org_id", "external_ref"),
        Index("ix_orders_org_status_date", "org_id", "status", "delivery_date"),
        # The order desk lists a page of orders by day (or by creation) without sorting the whole table.
        Index("ix_orders_org_date_id", "org_id", "delivery_date", "id"),
        Index("ix_orders_org_created", "org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(100))
    type: Mapped[OrderType] = mapped_column(
        Enum(OrderType, name="order_type", native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=OrderType.delivery, server_default="delivery")
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(500))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    geocode_source: Mapped[GeocodeSource] = mapped_column(
        Enum(GeocodeSource, name="geocode_source", native_enum=False, length=20), default=GeocodeSource.given)
    # The local day the delivery is promised for (in the depot's time zone).
    delivery_date: Mapped[date | None] = mapped_column(Date, index=True)
    service_time_s: Mapped[int] = mapped_column(default=300)
    weight_kg: Mapped[float] = mapped_column(Float, default=0)
    volume_l: Mapped[float] = mapped_column(Float, default=0)
    parcel_count: Mapped[int] = mapped_column(default=1)
    priority: Mapped[int] = mapped_column(default=0)
    required_skills: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    delivery_instructions: Mapped[str] = mapped_column(Text, default="")
    cod_amount_cents: Mapped[int] = mapped_column(default=0)
    requires_id_check: Mapped[bool] = mapped_column(Boolean, default=False)
    min_age: Mapped[int | None] = mapped_column()
    status: Mapped[OrderStatus] = mapped_column(
        Enum(OrderStatus, name="order_status", native_enum=False, length=20), default=OrderStatus.created)
    failure_reason: Mapped[FailureReason | None] = mapped_column(
        Enum(FailureReason, name="failure_reason", native_enum=False, length=20))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id", ondelete="SET NULL"))
    pickup_address: Mapped[str | None] = mapped_column(String(500))
    pickup_lat: Mapped[float | None] = mapped_column(Float)
    pickup_lon: Mapped[float | None] = mapped_column(Float)
    pickup_service_time_s: Mapped[int | None] = mapped_column()
    pickup_instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The customer's tracking link; unguessable (>= 128 bits).
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)

    recipient = relationship("Recipient", lazy="joined", foreign_keys=[recipient_id])
    sender = relationship("Recipient", lazy="joined", foreign_keys=[sender_id])
    time_windows = relationship("OrderTimeWindow", order_by="OrderTimeWindow.start_at",
                                cascade="all, delete-orphan", lazy="selectin")
    pickup_windows = relationship("OrderPickupWindow", order_by="OrderPickupWindow.start_at",
                                  cascade="all, delete-orphan", lazy="selectin")
    parcels = relationship("Parcel", order_by="Parcel.id", cascade="all, delete-orphan", lazy="selectin")

    @property
    def stop_kinds(self) -> tuple[StopKind, ...]:
        """The stops the order needs on a route, in the order they are served."""
        if self.type is OrderType.return_:
            return (StopKind.pickup,)
        if self.type is OrderType.pickup_delivery:
            return (StopKind.pickup, StopKind.delivery)
        return (StopKind.delivery,)

    def end(self, kind: StopKind) -> "OrderEnd":
        if kind is StopKind.pickup:
            return OrderEnd(kind, self.pickup_address or "", self.pickup_lat, self.pickup_lon,
                            self.pickup_windows, self.pickup_service_time_s or 0, self.sender,
                            self.pickup_instructions or "")
        return OrderEnd(kind, self.address, self.lat, self.lon, self.time_windows, self.service_time_s,
                        self.recipient, self.delivery_instructions)


class OrderEnd:
    """One end of an order: where the driver stops, when, for how long, and who is there."""

    __slots__ = ("kind", "address", "lat", "lon", "time_windows", "service_time_s", "person", "instructions")

    def __init__(self, kind, address, lat, lon, time_windows, service_time_s, person, instructions):
        self.kind, self.address, self.lat, self.lon = kind, address, lat, lon
        self.time_windows, self.service_time_s, self.person, self.instructions = (
            time_windows, service_time_s, person, instructions)


class OrderTimeWindow(db.Model):
    __tablename__ = "order_time_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrderPickupWindow(db.Model):
    """When the pickup end of a return or a pair may be served (the delivery end's are OrderTimeWindow)."""

    __tablename__ = "order_pickup_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Parcel(OrgScoped, db.Model):
    __tablename__ = "parcels"
    __table_args__ = (UniqueConstraint("order_id", "barcode"), Index("ix_parcels_org_barcode", "org_id", "barcode"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    barcode: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrderEvent(OrgScoped, db.Model):
    """The append-only log of everything that happened to an order. Rows are never updated."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_org_at", "org_id", "at"),
                      Index("ix_order_events_order_at", "order_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    # When it happened (the driver's time for offline actions); recorded_at is when we learned of it.
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[ActorType] = mapped_column(Enum(ActorType, name="actor_type", native_enum=False, length=20))
    actor_id: Mapped[int | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
