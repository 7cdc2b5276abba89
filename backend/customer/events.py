"""A tracking link opens a socket to one order's room (the customer's live view)."""
from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.orders.models import Order
from backend.realtime.namespaces import tracking_links


def order_of_tracking_link(token: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.tracking_token == token))


tracking_links(order_of_tracking_link)
