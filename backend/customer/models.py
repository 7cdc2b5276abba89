from __future__ import annotations

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database import OrgScoped, TimestampMixin
from backend.extensions import db


class Rating(OrgScoped, TimestampMixin, db.Model):
    """The customer's one rating of a delivered order (1-5 and a comment)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    # The driver who delivered, so ratings can be read per driver without replaying the route history.
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"), index=True)
