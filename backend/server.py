"""Serving the app: the embedded worker child and the eventlet server. Started from wsgi.py, which
patches the standard library before this package is imported."""
from __future__ import annotations

import atexit
import gc
import logging

from backend.extensions import socketio

log = logging.getLogger("lastmile.server")


def start_embedded_worker(app):
    """The job worker of the embedded default: a child process that dies with us, restarted when it dies
    before us (backend/jobs/supervisor.py)."""
    if not app.config["EMBEDDED_WORKER"]:
        return None
    from backend.jobs.supervisor import WorkerSupervisor

    host = app.config["HOST"]
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{app.config['PORT']}"
    supervisor = WorkerSupervisor(app, url).start()
    atexit.register(supervisor.stop)
    return supervisor


def tune_garbage_collector() -> None:
    """Keep collector pauses out of the live-location tail.

    Every socket holds a few green threads, timers and queues, so a web process with a thousand
    drivers keeps some 160,000 tracked objects alive. With CPython's default thresholds a full
    collection walked all of them every few seconds and stalled the hub 60–120 ms (measured with a
    hub-stall probe during benchmarks/realtime.py), which was most of the p99. Freezing what start-up
    built (modules, mappers, compiled schemas) takes it out of every collection, and rarer older-
    generation passes keep the short-lived garbage of each fix in the young generation.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(2000, 50, 50)


def announce(app) -> str:
    """Say where the server is reached and store it for the job workers' links (backend/public_url.py)."""
    from backend import public_url

    links = public_url.announce(app)
    served = public_url.served_address(app.config)
    log.info("Lastmile serving on %s — driver app %s/driver, dispatch console %s/dispatch; links in messages: %s",
             served, served, served, links)
    _announce_first_run(app, served)
    return links


def _announce_first_run(app, served: str) -> None:
    """An empty installation is set up in the browser with a code only the operator sees: this log."""
    from backend.cli import database_is_empty
    from backend.onboarding import service as onboarding

    with app.app_context():
        try:
            empty = database_is_empty()
        except Exception:  # the database may not be migrated yet; the sign-up page says so itself
            return
        if empty:
            log.warning("No organization yet: open %s/ to create the first one with the setup code %s "
                        "(also printed by `lastmile setup-code`).", served, onboarding.setup_code())


def serve(app) -> None:
    host, port = app.config["HOST"], app.config["PORT"]
    # eventlet's WSGI server accepts 1,024 connections by default; sockets of drivers and dispatchers need more.
    socketio.run(app, host=host, port=port, max_size=app.config["WSGI_MAX_CONNECTIONS"], log_output=False)
