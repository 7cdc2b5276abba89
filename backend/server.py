"""Serving the app: the embedded worker child and the eventlet server. Started from wsgi.py, which
patches the standard library before this package is imported."""
from __future__ import annotations

import atexit
import logging

from backend.extensions import socketio

log = logging.getLogger("lastmile.server")


def start_embedded_worker(app):
    """The job worker of the embedded default, as a child process that dies with us."""
    if not app.config["EMBEDDED_WORKER"]:
        return None
    from backend.jobs.worker import start_child_process

    host = app.config["HOST"]
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{app.config['PORT']}"
    child = start_child_process(app, url)
    atexit.register(lambda: child.poll() is None and child.terminate())
    return child


def serve(app) -> None:
    host, port = app.config["HOST"], app.config["PORT"]
    log.info("Lastmile serving on http://%s:%s — driver app /driver, dispatch console /dispatch", host, port)
    # eventlet's WSGI server accepts 1,024 connections by default; sockets of drivers and dispatchers need more.
    socketio.run(app, host=host, port=port, max_size=app.config["WSGI_MAX_CONNECTIONS"], log_output=False)
