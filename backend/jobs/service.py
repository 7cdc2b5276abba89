"""Background jobs: enqueue, watch, cancel. The Job row is the record; Huey moves the work.

Life of a job: queued -> running -> succeeded | failed | cancelled. A cancel asked for while the job
is queued cancels it at once; while it runs, the handler sees it at its next progress report.
"""
from __future__ import annotations

import logging
import time
import traceback
import uuid

from flask import current_app
from sqlalchemy import select

from backend.database import utcnow
from backend.errors import Conflict, DomainError, InvalidInput, NotFound
from backend.extensions import db
from backend.jobs import queue
from backend.jobs.models import Job, JobStatus
from backend.jobs.registry import HANDLERS

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    pass


def _progress_key(job_id: str) -> str:
    return f"job-progress:{job_id}"


def _cancel_key(job_id: str) -> str:
    return f"job-cancel:{job_id}"


def enqueue(org_id: int, kind: str, payload: dict, *, created_by_id: int | None = None) -> Job:
    """Record the job and queue it once the record is committed (a worker must be able to find it)."""
    if kind not in HANDLERS:
        raise InvalidInput(f"Unknown job kind {kind!r}.")
    job = Job(id=uuid.uuid4().hex, org_id=org_id, kind=kind, payload=payload, created_by_id=created_by_id,
              status=JobStatus.queued)
    db.session.add(job)
    db.session.commit()
    from backend.jobs.tasks import execute_job

    execute_job(job.id)
    return job


def get_job(org_id: int, job_id: str) -> Job:
    job = db.session.scalar(select(Job).where(Job.org_id == org_id, Job.id == job_id))
    if job is None:
        raise NotFound("No such job.")
    live = queue.peek_state(_progress_key(job.id)) if job.status is JobStatus.running else None
    if live:
        job.progress, job.message, job.detail = live["progress"], live["message"], live["detail"]
    return job


def list_jobs(org_id: int, kind: str | None = None, limit: int = 50) -> list[Job]:
    statement = select(Job).where(Job.org_id == org_id).order_by(Job.created_at.desc()).limit(limit)
    if kind:
        statement = statement.where(Job.kind == kind)
    return list(db.session.scalars(statement))


def cancel(org_id: int, job_id: str) -> Job:
    job = get_job(org_id, job_id)
    if job.status.finished:
        raise Conflict(f"The job has already {job.status.value}.", code="job_finished")
    job.cancel_requested = True
    queue.put_state(_cancel_key(job.id), {"at": time.time()})
    if job.status is JobStatus.queued:
        job.status = JobStatus.cancelled
        job.finished_at = utcnow()
    db.session.commit()
    _announce(job)
    return job


def job_payload(job: Job) -> dict:
    """The `job.progress` event and the API's job body share this shape."""
    return {"id": job.id, "kind": job.kind, "status": job.status.value, "progress": round(job.progress, 4),
            "message": job.message, "detail": job.detail or {}, "result": job.result, "error": job.error,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def _announce(job: Job) -> None:
    from backend.realtime import emit, rooms

    emit.emit_now("job.progress", job_payload(job), rooms.dispatch(job.org_id))


class JobContext:
    """What a handler gets: its job, progress reporting and the cancel check."""

    def __init__(self, job: Job):
        self.job = job
        self.job_id = job.id
        self.org_id = job.org_id
        self.created_by_id = job.created_by_id
        self._last_report = 0.0
        self._last_cancel_check = 0.0
        self._cancelled = False

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._last_cancel_check > 0.2:
            self._last_cancel_check = now
            self._cancelled = queue.peek_state(_cancel_key(self.job_id)) is not None
        return self._cancelled

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **detail) -> None:
        """Report progress (throttled to a few per second) and stop here if a cancel was asked for."""
        if self.cancelled():
            raise JobCancelled()
        now = time.monotonic()
        if not force and now - self._last_report < 0.25:
            return
        self._last_report = now
        self.job.progress = max(0.0, min(1.0, fraction))
        self.job.message = message[:300]
        self.job.detail = detail
        queue.put_state(_progress_key(self.job_id), {"progress": self.job.progress, "message": self.job.message,
                                                     "detail": detail})
        _announce(self.job)


def _finish(job_id: str, status: JobStatus, *, result=None, error=None) -> None:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    job.status = status
    job.finished_at = utcnow()
    job.result = result
    job.error = error
    if status is JobStatus.succeeded:
        job.progress = 1.0
    live = queue.peek_state(_progress_key(job_id))
    if live and status is not JobStatus.succeeded:
        job.progress, job.message, job.detail = live["progress"], live["message"], live["detail"]
    db.session.commit()
    queue.drop_state(_progress_key(job_id))
    queue.drop_state(_cancel_key(job_id))
    _announce(job)


def run(job_id: str) -> None:
    """Execute one job in a worker (thread or process), inside an app context."""
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran", job_id)
        return
    if job.status is not JobStatus.queued:
        return  # cancelled while queued, or delivered twice by the queue
    job.status = JobStatus.running
    job.started_at = utcnow()
    db.session.commit()
    _announce(job)
    context = JobContext(job)
    try:
        if context.cancelled():
            raise JobCancelled()
        result = HANDLERS[job.kind](context, dict(job.payload or {}))
    except JobCancelled:
        _finish(job_id, JobStatus.cancelled)
    except DomainError as exc:
        _finish(job_id, JobStatus.failed, error=exc.to_dict()["error"])
    except Exception as exc:  # a bug: keep the trace for the operator, a clean message for the user
        log.exception("job %s (%s) failed", job_id, job.kind)
        detail = traceback.format_exc(limit=5) if current_app.debug else None
        _finish(job_id, JobStatus.failed, error={"code": "internal", "message": str(exc) or type(exc).__name__,
                                                 "fields": {}, "trace": detail})
    else:
        _finish(job_id, JobStatus.succeeded, result=result)
    finally:
        db.session.remove()
