"""Socket events of drivers and dispatchers: a driver's live fix, catching up after a reconnect, watching a route.

They enter through the same use cases as HTTP; realtime.namespaces has already checked who is connected.
"""
from __future__ import annotations

from flask_socketio import join_room

from backend.extensions import db, socketio
from backend.realtime import rooms
from backend.realtime.namespaces import bounded_int, id_of, principal_of_sid, principal_of_socket, socket_error


def on_location_update(sid: str, data=None):
    """One live GPS fix from a driver's phone; the ack tells the phone it may drop it from its buffer.

    It is answered once stored (with the other fixes of its tick: dispatch.live_fixes); when its tick
    could not be stored, the handler raises and the phone, unanswered, keeps the fix for its next upload.
    The busiest event of all, so it is registered straight on the Socket.IO server (install()): no Flask
    request context and no session cookie decoded per fix; who sends is what connect recorded."""
    from marshmallow import ValidationError

    from backend.dispatch import live_fixes

    principal = principal_of_sid(sid)
    if principal is None or principal.driver_id is None:
        return socket_error("forbidden", "Only drivers send locations.")
    try:
        fix = _fix_schema().load(data if isinstance(data, dict) else {})
    except ValidationError as invalid:
        return socket_error("invalid", "Invalid fix.", invalid.messages)
    with socketio.server.get_environ(sid)["flask.app"].app_context():
        refused = live_fixes.submit(principal, fix)
    if refused:
        return socket_error(refused, "Fix refused.")
    return {"ok": True}


def install() -> None:
    """Register the handlers that bypass Flask-SocketIO's per-event request context (after each init_app)."""
    socketio.server.on("location.update", on_location_update, namespace="/")


_FIX_SCHEMA = None


def _fix_schema():
    """One schema instance for every fix (building a marshmallow schema costs more than loading a fix)."""
    global _FIX_SCHEMA
    if _FIX_SCHEMA is None:
        from backend.dispatch.schemas import FixSchema

        _FIX_SCHEMA = FixSchema()
    return _FIX_SCHEMA


@socketio.on("route.resync")
def on_route_resync(data=None):
    """Catch-up after a reconnect: the client's version in, a fresh snapshot out when it is behind."""
    from backend.dispatch import payloads
    from backend.dispatch import service as dispatch_service
    from backend.errors import DomainError

    principal = principal_of_socket()
    if principal is None:
        return socket_error("forbidden", "Log in first.")
    try:
        route_id = id_of(data, "route_id")
        version = bounded_int((data or {}).get("version") or 0, 0, 2_000_000_000)
        route = dispatch_service.get_route(principal, route_id)
        if route.version == version:
            return {"ok": True, "up_to_date": True, "version": version}
        return {"ok": True, "route": payloads.route_snapshot(route, principal)}
    except (TypeError, ValueError, AttributeError):
        return socket_error("invalid", "Send {route_id, version}.")
    except DomainError as refused:
        return socket_error(refused.code, refused.message)
    finally:
        db.session.remove()


@socketio.on("route.watch")
def on_route_watch(data=None):
    """Staff follow one route's room (the console's route panel); drivers already get their own."""
    from backend.dispatch import service as dispatch_service
    from backend.errors import DomainError

    principal = principal_of_socket()
    if principal is None or principal.is_driver:
        return socket_error("forbidden", "Only staff watch routes.")
    try:
        route = dispatch_service.get_route(principal, id_of(data, "route_id"))
        join_room(rooms.route(route.id))
        return {"ok": True, "version": route.version}
    except (TypeError, ValueError, AttributeError):
        return socket_error("invalid", "Send {route_id}.")
    except DomainError as refused:
        return socket_error(refused.code, refused.message)
    finally:
        db.session.remove()
