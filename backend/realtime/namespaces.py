"""Socket.IO connections: who may connect, which rooms they join, and the client events.

A socket connects only with a logged-in session (driver, dispatcher, admin) or a tracking token
(customer); anything else is refused at connect. Rooms are joined here and nowhere else.
"""
from __future__ import annotations

import logging

from flask import request, session
from flask_socketio import ConnectionRefusedError, join_room

from backend.auth import service as auth_service
from backend.auth.models import Role
from backend.database import utcnow
from backend.extensions import db, socketio
from backend.realtime import rooms

log = logging.getLogger(__name__)

# sid -> what the connection may see; kept per process (each worker serves its own sockets).
CONNECTIONS: dict[str, dict] = {}


def _tracked_order(token: str):
    from backend.orders.models import Order
    from sqlalchemy import select

    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    return db.session.scalar(select(Order).where(Order.tracking_token == token))


@socketio.on("connect")
def on_connect(auth=None):
    try:
        token = auth.get("tracking_token") if isinstance(auth, dict) else None
        if token:
            order = _tracked_order(token)
            if order is None:
                raise ConnectionRefusedError({"code": "unauthorized", "message": "Unknown tracking link."})
            CONNECTIONS[request.sid] = {"kind": "customer", "org_id": order.org_id, "order_id": order.id}
            join_room(rooms.tracking(token))
            return True
        user = auth_service.user_from_session() if "uid" in session else None
        if user is None:
            raise ConnectionRefusedError({"code": "unauthorized", "message": "Log in first."})
        principal = auth_service.principal_for_user(user, via_session=True)
        CONNECTIONS[request.sid] = {"kind": principal.role.value, "org_id": principal.org_id,
                                    "user_id": principal.id, "driver_id": principal.driver_id}
        if principal.role is Role.driver:
            if principal.driver_id is None:
                raise ConnectionRefusedError({"code": "forbidden", "message": "No driver profile."})
            join_room(rooms.driver(principal.driver_id))
        else:
            join_room(rooms.dispatch(principal.org_id))
        return True
    finally:
        db.session.remove()


@socketio.on("disconnect")
def on_disconnect(*_):
    CONNECTIONS.pop(request.sid, None)


@socketio.on("clock")
def on_clock(_=None):
    """The server's time, so a phone can stamp offline actions correctly despite a wrong clock."""
    return {"now": utcnow().isoformat()}
