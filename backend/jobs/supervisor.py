"""The embedded default's job worker, kept alive by the web process.

The web process starts the worker as a child process and watches it. When the child exits — killed,
out of memory, a crash — the web process says so in its log, tells the job system the child's jobs are
orphans (the next worker's reaper ends or retries them at once, jobs/liveness.py) and starts a new child
after a pause that doubles with each quick death (1 s, 2 s, 4 s … up to a minute; a child that ran for a
minute starts the count again), so a worker that cannot start does not spin.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from backend.jobs import liveness

log = logging.getLogger("lastmile.jobs.supervisor")


class WorkerSupervisor:
    def __init__(self, app, server_url: str, *, first_pause_s: float = 1.0, longest_pause_s: float = 60.0,
                 healthy_after_s: float = 60.0, poll_s: float = 0.5):
        self.app = app
        self.server_url = server_url
        self.first_pause_s = first_pause_s
        self.longest_pause_s = longest_pause_s
        self.healthy_after_s = healthy_after_s
        self.poll_s = poll_s
        self.pause_s = first_pause_s
        self.child = None
        self.worker_id: str | None = None
        self.started_at = 0.0
        self.restarts = 0
        self._stopping = False

    def _spawn(self) -> None:
        from backend.jobs.worker import start_child_process

        self.worker_id = f"{socket.gethostname()[:40]}:child-of-{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.child = start_child_process(self.app, self.server_url, self.worker_id)
        self.started_at = time.monotonic()
        log.info("job worker started (pid %s)", self.child.pid)

    def start(self) -> "WorkerSupervisor":
        from backend.extensions import socketio

        self._spawn()
        socketio.start_background_task(self._watch)
        return self

    def _watch(self) -> None:
        from backend.extensions import socketio

        while not self._stopping:
            socketio.sleep(self.poll_s)
            code = self.child.poll()
            if code is None or self._stopping:
                continue
            ran_for = time.monotonic() - self.started_at
            if ran_for >= self.healthy_after_s:
                self.pause_s = self.first_pause_s
            try:
                liveness.forget(self.worker_id)
            except Exception:  # the reaper still finds them once their lease runs out
                log.exception("could not mark the dead worker's jobs as orphans")
            log.warning("job worker (pid %s) exited with code %s after %.0f s; restarting it in %.0f s",
                        self.child.pid, code, ran_for, self.pause_s)
            socketio.sleep(self.pause_s)
            self.pause_s = min(self.pause_s * 2, self.longest_pause_s)
            if self._stopping:
                return
            self.restarts += 1
            self._spawn()

    def stop(self) -> None:
        self._stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
