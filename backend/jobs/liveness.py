"""Which workers are alive, and what happens to the jobs of one that died.

Every worker process (the embedded server's child, each `flask worker`, a test's in-process consumer)
has an id — host:pid:random — and a housekeeping thread that writes its heartbeat into the queue's
key-value store every JOBS_LEASE_S / 6 seconds. The queue's store, not the app database: an import
holds SQLite's write lock for its whole transaction, and a heartbeat must never wait for it. A running
job names its worker (`Job.worker_id`); that worker's heartbeat is the job's lease.

The reaper runs in every worker's housekeeping thread (so any surviving worker does it, embedded or
scaled out on Redis) and at each worker's start. A running job whose worker has not been heard from
for JOBS_LEASE_S — or whose worker the embedded server saw exit (`forget`) — ends:
- cancelled, when someone asked to cancel it;
- otherwise as its kind says (registry): queued again (up to MAX_ATTEMPTS runs) or failed with a message.
It also puts back on the queue a job left `queued` longer than the lease that the queue no longer holds
(a worker that died between taking the job and starting it). Each change is a conditional UPDATE, so
two reapers never both act on one job.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from backend.database import utcnow
from backend.extensions import db
from backend.jobs import queue
from backend.jobs.models import Job, JobStatus
from backend.jobs.registry import MAX_ATTEMPTS, RETRY, kind_of
from backend.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

_current_worker: str | None = None
# A job found orphaned long after it started (the server was down for hours) is not re-run by itself:
# a plan of yesterday's morning replacing today's drafts would surprise everyone.
RETRY_WITHIN = timedelta(hours=1)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def set_current_worker(worker_id: str | None) -> None:
    global _current_worker
    _current_worker = worker_id


def current_worker_id() -> str:
    """The id of the worker in this process (one is made up for a process that runs a job without one)."""
    global _current_worker
    if _current_worker is None:
        _current_worker = new_worker_id()
    return _current_worker


def _heartbeat_key(worker_id: str) -> str:
    return f"job-worker:{worker_id}"


def beat(worker_id: str) -> None:
    queue.put_state(_heartbeat_key(worker_id), {"at": time.time(), "pid": os.getpid()})


def forget(worker_id: str) -> None:
    """The worker is gone (it exited, or stopped cleanly): its jobs are orphans from now on."""
    queue.drop_state(_heartbeat_key(worker_id))


def is_alive(worker_id: str | None, lease_s: float) -> bool:
    if not worker_id:
        return False
    seen = queue.peek_state(_heartbeat_key(worker_id))
    return bool(seen) and time.time() - seen.get("at", 0) < lease_s


def lease_s() -> float:
    return float(current_app.config["JOBS_LEASE_S"])


# --- the reaper ---------------------------------------------------------------------------------

def _lost_outcome(job: Job) -> tuple[JobStatus, dict]:
    """What a job whose worker died becomes: (status, values to set)."""
    kind = kind_of(job.kind)
    if job.cancel_requested:
        return JobStatus.cancelled, {"message": "Cancelled (its worker had stopped)."}
    fresh = job.started_at is not None and utcnow() - job.started_at < RETRY_WITHIN
    if kind is not None and kind.on_worker_lost == RETRY and job.attempts < MAX_ATTEMPTS and fresh:
        return JobStatus.queued, {
            "message": f"Its worker stopped; queued again (attempt {job.attempts + 1} of {MAX_ATTEMPTS}).",
            "progress": 0.0, "detail": {}, "started_at": None}
    if kind is not None and kind.on_worker_lost == RETRY and not fresh:
        text = "The worker running this job stopped long ago (a server restart?); it is not run again by itself."
    elif kind is not None and kind.on_worker_lost == RETRY:
        text = f"The worker running this job stopped {job.attempts} times; it was given up."
    else:
        text = "The worker running this job stopped (killed or crashed) before it finished."
    if kind is not None and kind.lost_message:
        text = f"{text} {kind.lost_message}"
    return JobStatus.failed, {"error": {"code": "worker_lost", "message": text, "fields": {}}, "message": text[:300]}


def end_lost_job(job_id: str, worker_id: str | None) -> JobStatus | None:
    """End (or queue again) a running job of a dead worker; None when it was not that worker's any more."""
    from backend.jobs import service

    with unit_of_work():
        job = db.session.get(Job, job_id)
        if job is None or job.status is not JobStatus.running or job.worker_id != worker_id:
            return None
        if not job.cancel_requested and queue.peek_state(service.cancel_key(job_id)) is not None:
            job.cancel_requested = True
        status, values = _lost_outcome(job)
        if status is not JobStatus.queued:
            values.update(finished_at=utcnow())
            last_report = queue.peek_state(service.progress_key(job_id))
            if last_report:  # how far it got stays readable on the ended job
                values.update(progress=last_report["progress"], detail=last_report["detail"])
        condition = (Job.id == job_id) & (Job.status == JobStatus.running)
        condition &= Job.worker_id.is_(None) if worker_id is None else (Job.worker_id == worker_id)
        result = db.session.execute(update(Job).where(condition).values(status=status, worker_id=None, **values)
                                    .execution_options(synchronize_session=False))
        kind = job.kind
    if result.rowcount != 1:
        return None
    log.warning("job %s (%s): worker %s is gone; the job is now %s", job_id, kind, worker_id, status.value)
    queue.drop_state(service.progress_key(job_id))
    if status is JobStatus.queued:
        service.submit(job_id)
    else:
        queue.drop_state(service.cancel_key(job_id))
        service.release_inputs(job)
    db.session.expire_all()
    service.announce(db.session.get(Job, job_id))
    db.session.rollback()  # a read: its transaction ends here
    return status


def _queued_in_queue() -> set[str]:
    from backend.jobs.tasks import execute_job

    name = execute_job.task_class.__name__
    return {task.args[0] for task in queue.huey.pending() if type(task).__name__ == name and task.args}


def reap() -> dict:
    """One pass: end the jobs of dead workers, re-queue jobs the queue lost. Returns counts."""
    lease = lease_s()
    running = db.session.execute(select(Job.id, Job.worker_id).where(Job.status == JobStatus.running)).all()
    cutoff = utcnow() - timedelta(seconds=lease)
    stale_queued = list(db.session.scalars(select(Job.id).where(Job.status == JobStatus.queued,
                                                                Job.created_at < cutoff)))
    db.session.rollback()
    counts = {"ended": 0, "requeued": 0}
    alive: dict[str | None, bool] = {}
    for job_id, worker_id in running:
        if worker_id not in alive:
            alive[worker_id] = is_alive(worker_id, lease)
        if not alive[worker_id] and end_lost_job(job_id, worker_id) is not None:
            counts["ended"] += 1
    if stale_queued:
        from backend.jobs import service

        waiting = _queued_in_queue()
        for job_id in stale_queued:
            if job_id not in waiting:
                log.warning("job %s was queued but the queue lost it; queuing it again", job_id)
                service.submit(job_id)
                counts["requeued"] += 1
    for worker_id, is_up in alive.items():
        if not is_up and worker_id:
            forget(worker_id)
    return counts
