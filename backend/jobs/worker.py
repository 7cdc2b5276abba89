"""Running the job queue's consumer: as `flask worker`, as the embedded server's child, or in-process.

Jobs are CPU-heavy (the optimizer) or slow (imports, sending), so they never run on the eventlet
hub: the eventlet server of the embedded default starts this module as a child process (and restarts
it: jobs/supervisor.py); a plain threaded process (tests, `flask run`) may run the consumer on its own
real threads. Every consumer has a housekeeping thread: its heartbeat, and the reaper that ends the
jobs of workers that died (jobs/liveness.py).
"""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import time

from huey.consumer import Consumer

from backend.jobs import liveness, tasks
from backend.jobs.queue import huey

log = logging.getLogger(__name__)


class Housekeeper(threading.Thread):
    """Runs the reaper on a real thread of its own, and beats the worker's heartbeat on another: a reaper
    waiting on the database (SQLite's write lock held by an import) must not make a live worker look dead."""

    def __init__(self, app, worker_id: str):
        super().__init__(name="jobs-housekeeping", daemon=True)
        self.app = app
        self.worker_id = worker_id
        self.interval = max(float(app.config["JOBS_LEASE_S"]) / 6, 0.1)
        self._stop_event = threading.Event()
        self._heart = threading.Thread(target=self._beat, name="jobs-heartbeat", daemon=True)

    def start(self) -> None:
        self._heart.start()
        super().start()

    def _beat(self) -> None:
        while True:
            try:
                liveness.beat(self.worker_id)
            except Exception:  # the queue's store is away: try again next beat
                log.exception("job worker heartbeat failed; trying again")
            if self._stop_event.wait(self.interval):
                return

    def run(self) -> None:
        while True:
            try:
                self.reap()
            except Exception:  # the database is away: try again next time
                log.exception("job housekeeping failed; trying again")
            if self._stop_event.wait(self.interval):
                return

    def reap(self) -> None:
        from backend.extensions import db

        with self.app.app_context():
            try:
                liveness.reap()
            finally:
                db.session.remove()

    def stop(self) -> None:
        self._stop_event.set()
        self._heart.join(timeout=5)
        liveness.forget(self.worker_id)


class LastmileConsumer(Consumer):
    """Huey's consumer with a worker id and the housekeeping thread."""

    def __init__(self, *args, app, worker_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker_id = worker_id
        self.housekeeper = Housekeeper(app, worker_id)

    def start(self):
        liveness.set_current_worker(self.worker_id)
        liveness.beat(self.worker_id)
        self.housekeeper.start()
        super().start()

    def stop(self, graceful=False):
        super().stop(graceful)
        self.housekeeper.stop()


class InProcessConsumer(LastmileConsumer):
    """A consumer started from a thread that is not the main one: signal handlers are the host's."""

    def _set_signal_handlers(self):
        pass


def make_consumer(app, workers: int, consumer_class=LastmileConsumer, worker_id: str | None = None) -> Consumer:
    return consumer_class(huey, workers=workers, worker_type="thread", periodic=True, initial_delay=0.05,
                          backoff=1.2, max_delay=0.5, check_worker_health=True, scheduler_interval=1, app=app,
                          worker_id=worker_id or liveness.new_worker_id())


def start_in_process(app, workers: int | None = None) -> InProcessConsumer:
    tasks.bind_app(app)
    consumer = make_consumer(app, workers or app.config["JOBS_WORKERS"], InProcessConsumer)
    consumer.start()
    return consumer


def start_child_process(app, server_url: str, worker_id: str) -> subprocess.Popen:
    """The embedded default's worker: a child process that follows its parent's life."""
    from backend.realtime.emit import relay_token

    env = dict(os.environ)
    env["LASTMILE_EMIT_RELAY_URL"] = server_url
    env["INSTANCE_PATH"] = app.config["INSTANCE_PATH"]
    env.setdefault("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    env["LASTMILE_EMIT_RELAY_TOKEN"] = relay_token(app.config["SECRET_KEY"])
    return subprocess.Popen([sys.executable, "-m", "backend.jobs.worker", "--parent-pid", str(os.getpid()),
                             "--worker-id", worker_id], env=env)


def _watch_parent(parent_pid: int, consumer: Consumer) -> None:
    while True:
        time.sleep(1)
        if os.getppid() != parent_pid:
            log.info("parent %s is gone; stopping the worker", parent_pid)
            consumer.stop(graceful=False)
            os._exit(0)


def run_worker(app, workers: int | None = None, parent_pid: int | None = None, worker_id: str | None = None) -> None:
    """Run the consumer in the foreground (blocks; SIGINT stops gracefully, SIGTERM at once)."""
    from backend.realtime import emit

    tasks.bind_app(app)
    relay_url = os.environ.get("LASTMILE_EMIT_RELAY_URL")
    if app.config.get("REDIS_URL"):
        emit.use_message_queue(app.config["REDIS_URL"])
    elif relay_url:
        emit.use_relay(relay_url, os.environ["LASTMILE_EMIT_RELAY_TOKEN"])
    consumer = make_consumer(app, workers or app.config["JOBS_WORKERS"], worker_id=worker_id)
    log.info("job worker %s started", consumer.worker_id)
    if parent_pid:
        threading.Thread(target=_watch_parent, args=(parent_pid, consumer), daemon=True).start()
    consumer.run()


def main() -> None:
    parser = argparse.ArgumentParser(description="Lastmile job worker")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    parser.add_argument("--worker-id", default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(name)s: %(message)s")
    from backend.jobs.tasks import worker_app

    run_worker(worker_app(), args.workers, args.parent_pid, args.worker_id)


if __name__ == "__main__":
    main()
