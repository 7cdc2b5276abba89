import hmac

from flask import Blueprint, current_app, request

from backend.errors import Forbidden
from backend.extensions import socketio
from backend.realtime.emit import relay_token

bp = Blueprint("realtime_internal", __name__)


@bp.post("/internal/emit")
def relay_emit():
    """The embedded worker process's way to reach this server's sockets (loopback, signed)."""
    expected = relay_token(current_app.config["SECRET_KEY"])
    if not hmac.compare_digest(request.headers.get("X-Internal-Token", ""), expected):
        raise Forbidden("Wrong relay token.")
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not isinstance(body.get("event"), str) or not isinstance(body.get("room"), str):
        from backend.errors import InvalidInput
        raise InvalidInput("Send event, room and data.")
    socketio.emit(body["event"], body.get("data"), to=body["room"])
    return "", 204
