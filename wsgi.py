"""The web process. Eventlet must patch the standard library before anything else is imported.

- `python wsgi.py` — the embedded default: one eventlet process serving HTTP and Socket.IO, with the
  job worker as its child process (unless REDIS_URL points at separate `flask worker` processes).
- `gunicorn -k eventlet -w 1 wsgi:app` — the same app under gunicorn (its eventlet worker patches first).
"""
import eventlet

eventlet.monkey_patch()

import logging  # noqa: E402
import os  # noqa: E402

from backend import create_app  # noqa: E402
from backend.extensions import socketio  # noqa: E402
from backend.server import announce, serve, start_embedded_worker, tune_garbage_collector  # noqa: E402

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
app = create_app()
announce(app)
start_embedded_worker(app)
tune_garbage_collector()

__all__ = ["app", "socketio"]

if __name__ == "__main__":
    serve(app)
