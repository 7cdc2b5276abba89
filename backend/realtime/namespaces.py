"""Socket.IO connections: who may connect and which rooms they join (the domains' events.py handle the rest).

A socket connects only with a logged-in session (driver, dispatcher, admin) or a tracking token
(customer); anything else is refused at connect. Rooms are joined here and nowhere else.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, request, session
from flask_socketio import ConnectionRefusedError, join_room

from backend.auth import service as auth_service
from backend.auth.models import Role
from backend.database import utcnow
from backend.extensions import db, socketio
from backend.realtime import rooms

log = logging.getLogger(__name__)

# sid -> what the connection may see; kept per process (each worker serves its own sockets).
CONNECTIONS: dict[str, dict] = {}


def _no_tracking_links(token: str):
    return None


_tracked_order = _no_tracking_links


def tracking_links(lookup) -> None:
    """Who a tracking link lets in: `lookup(token)` gives the order (with `.id` and `.org_id`) or None.
    The customer domain passes it (backend.customer.events), so realtime imports no domain."""
    global _tracked_order
    _tracked_order = lookup


@socketio.on("connect")
def on_connect(auth=None):
    try:
        token = auth.get("tracking_token") if isinstance(auth, dict) else None
        if token:
            order = _tracked_order(token) if isinstance(token, str) and 20 <= len(token) <= 64 else None
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
                                    "user_id": principal.id, "driver_id": principal.driver_id,
                                    "session_id": session.get("sid")}
        _watch_revocations(current_app._get_current_object())
        if principal.role is Role.driver:
            if principal.driver_id is None:
                raise ConnectionRefusedError({"code": "forbidden", "message": "No driver profile."})
            join_room(rooms.driver(principal.driver_id))
        else:
            join_room(rooms.dispatch(principal.org_id))
            if principal.role is Role.admin:
                join_room(rooms.admins(principal.org_id))
        return True
    finally:
        db.session.remove()


_watching = False


def _watch_revocations(app) -> None:
    """Once per process: every SESSION_REVOCATION_CHECK_S, disconnect the sockets whose session was revoked
    meanwhile (logout, deactivation, new password), whichever web process revoked it."""
    global _watching
    if _watching:
        return
    _watching = True
    interval = float(app.config.get("SESSION_REVOCATION_CHECK_S") or 2.0)
    socketio.start_background_task(_revocation_loop, app, interval)


def _revocation_loop(app, interval: float) -> None:
    from backend.database import utcnow

    since = utcnow()
    while True:
        socketio.sleep(interval)
        checked_at = utcnow()
        try:
            with app.app_context():
                # Overlapping windows (clocks of several web processes differ a little); disconnecting twice is harmless.
                revoked = auth_service.revoked_sessions_since(since - timedelta(seconds=max(5.0, 2 * interval)))
                db.session.remove()
        except Exception:  # the database may be briefly away; try again next round
            log.exception("could not check for revoked sessions")
            continue
        since = checked_at
        for sid, info in list(CONNECTIONS.items()):
            if info.get("session_id") in revoked:
                log.info("disconnecting socket %s: its session was revoked", sid)
                CONNECTIONS.pop(sid, None)
                try:
                    socketio.server.disconnect(sid, namespace="/")
                except Exception:
                    log.exception("could not disconnect socket %s", sid)


@socketio.on("disconnect")
def on_disconnect(*_):
    CONNECTIONS.pop(request.sid, None)


@socketio.on("clock")
def on_clock(_=None):
    """The server's time, so a phone can stamp offline actions correctly despite a wrong clock."""
    return {"now": utcnow().isoformat()}


def principal_of_socket():
    """The Principal behind this socket, rebuilt from what connect recorded (no session lookups per event)."""
    return principal_of_sid(request.sid)


def principal_of_sid(sid: str):
    """The same for a handler that is given the socket id (one registered straight on the Socket.IO server)."""
    from backend.auth.principal import Principal

    info = CONNECTIONS.get(sid)
    if not info or info["kind"] == "customer":
        return None
    return Principal(kind="user", id=info["user_id"], org_id=info["org_id"], role=Role(info["kind"]),
                     driver_id=info.get("driver_id"), via_session=True)


def socket_error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"ok": False, "error": {"code": code, "message": message, "fields": fields or {}}}


def bounded_int(value, low: int, high: int) -> int:
    """An integer from a client event within what the databases store, else ValueError (an error ack).
    A 40-digit id once reached the database driver and died there as OverflowError."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(value)
    return value


def id_of(data, key: str) -> int:
    from backend.validators import MAX_ID

    return bounded_int(data.get(key) if isinstance(data, dict) else None, 1, MAX_ID)
