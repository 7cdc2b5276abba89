"""Sending events to clients — never before the transaction that made them true has committed.

`queue_emit()` parks an event on the database session and sends it after commit (dropped on
rollback). `emit_now()` sends at once, for facts that live outside the database (job progress).

Where an event goes depends on the process:
- the web server emits through its own Socket.IO server (which, with REDIS_URL, fans out to the
  other web workers through Redis);
- a separate worker with REDIS_URL writes to the Redis message queue as an external emitter;
- the embedded default's worker process posts to its parent web server over loopback.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading

import requests
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "pending_emits"
_mode = "local"
_relay_url: str | None = None
_relay_token: str | None = None
_external = None
_lock = threading.Lock()


def relay_token(secret_key: str) -> str:
    return hmac.new(secret_key.encode(), b"lastmile-emit-relay", hashlib.sha256).hexdigest()


def use_local() -> None:
    global _mode
    _mode = "local"


def use_message_queue(redis_url: str) -> None:
    """For processes that serve no clients: publish into the Socket.IO message queue."""
    global _mode, _external
    from flask_socketio import SocketIO

    _external = SocketIO(message_queue=redis_url, channel="lastmile-socketio")
    _mode = "queue"


def use_relay(url: str, token: str) -> None:
    global _mode, _relay_url, _relay_token
    _mode, _relay_url, _relay_token = "relay", url.rstrip("/"), token


def _send(event_name: str, payload, room: str) -> None:
    try:
        if _mode == "local":
            from backend.extensions import socketio

            if getattr(socketio, "server", None) is not None:
                socketio.emit(event_name, payload, to=room)
        elif _mode == "queue":
            _external.emit(event_name, payload, to=room)
        else:
            requests.post(f"{_relay_url}/internal/emit", json={"event": event_name, "data": payload, "room": room},
                          headers={"X-Internal-Token": _relay_token}, timeout=5)
    except Exception:  # a lost live update must never undo the committed change behind it
        log.exception("could not emit %s to %s", event_name, room)


def emit_now(event_name: str, payload, room: str) -> None:
    _send(event_name, payload, room)


def queue_emit(session: Session, event_name: str, payload, room: str, *, coalesce_key=None) -> None:
    """Send after commit. With a coalesce_key, only the latest payload per key and room is sent, in
    one batch per room per tick (see Coalescer): for high-rate facts such as positions."""
    session.info.setdefault(_PENDING, []).append((event_name, payload, room, coalesce_key))


class Coalescer:
    """Batches high-rate events per room: one `<event>s` message a tick with the latest item per key.

    python-socketio sends a room's message client by client; relaying 200 fixes/s to 20 dispatchers
    one by one is 4,000 sends/s. A 100 ms tick turns that into 10 batched sends per dispatcher per second,
    whatever the fleet size, and never drops the newest position of any driver.
    """

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self.pending: dict[tuple[str, str], dict] = {}
        self.started = False

    def add(self, event_name: str, key, payload, room: str) -> None:
        self.pending.setdefault((event_name, room), {})[key] = payload
        if not self.started:
            self._start()

    def _start(self) -> None:
        from backend.extensions import socketio

        self.started = True
        socketio.start_background_task(self._loop)

    def _loop(self) -> None:
        from backend.extensions import socketio

        while True:
            socketio.sleep(self.interval_s)
            self.flush()

    def flush(self) -> None:
        batches, self.pending = self.pending, {}
        for (event_name, room), items in batches.items():
            _send(f"{event_name}s", {"items": list(items.values())}, room)


_coalescer: Coalescer | None = None


def configure_coalescing(interval_s: float) -> None:
    global _coalescer
    _coalescer = Coalescer(interval_s) if interval_s > 0 else None


@event.listens_for(Session, "after_commit")
def _flush_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for event_name, payload, room, coalesce_key in pending or ():
        if coalesce_key is not None and _coalescer is not None and _mode == "local":
            _coalescer.add(event_name, coalesce_key, payload, room)
        else:
            _send(event_name, payload, room)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
