"""Background jobs: enqueue, watch, cancel, run. The Job row is the record; Huey moves the work.

Life of a job: queued -> running -> succeeded | failed | cancelled, and running -> queued again when its
worker died and its kind is safe to retry (jobs/liveness.py). A cancel asked for while the job is queued
cancels it at once; while it runs, the handler stops at its next progress report; when its worker is
dead, the job ends cancelled at once. A handler that raises ends failed with a message — a refusal
(DomainError) with its own, a database error or a bug with what went wrong — never left running.
"""
from __future__ import annotations

import logging
import time
import traceback
import uuid

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from backend.database import utcnow
from backend.errors import Conflict, DomainError, InvalidInput, NotFound
from backend.extensions import db
from backend.jobs import inputs, liveness, queue
from backend.jobs.models import Job, JobStatus
from backend.jobs.registry import HANDLERS
from backend.unit_of_work import on_commit, transactional, unit_of_work

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    pass


def progress_key(job_id: str) -> str:
    return f"job-progress:{job_id}"


def cancel_key(job_id: str) -> str:
    return f"job-cancel:{job_id}"


def submit(job_id: str) -> None:
    """Put the job on the queue (its row must be committed: a worker must be able to find it)."""
    from backend.jobs.tasks import execute_job

    execute_job(job_id)


@transactional
def enqueue(org_id: int, kind: str, payload: dict, *, created_by_id: int | None = None,
            files: dict[str, bytes] | None = None) -> Job:
    """Record the job and queue it once the record is committed. `files` (an upload) are kept beside the
    queue, not in the job's row (jobs/inputs.py), and let go of when the job ends."""
    if kind not in HANDLERS:
        raise InvalidInput(f"Unknown job kind {kind!r}.")
    job_id = uuid.uuid4().hex
    if files:
        payload = {**payload, "files": inputs.store(job_id, files)}
    job = Job(id=job_id, org_id=org_id, kind=kind, payload=payload, created_by_id=created_by_id,
              status=JobStatus.queued)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    on_commit(lambda: submit(job_id))
    return job


def get_job(org_id: int, job_id: str) -> Job:
    job = db.session.scalar(select(Job).where(Job.org_id == org_id, Job.id == job_id))
    if job is None:
        raise NotFound("No such job.")
    live = queue.peek_state(progress_key(job.id)) if job.status is JobStatus.running else None
    if live:
        job.progress, job.message, job.detail = live["progress"], live["message"], live["detail"]
    return job


def list_jobs(org_id: int, kind: str | None = None, limit: int = 50) -> list[Job]:
    statement = select(Job).where(Job.org_id == org_id).order_by(Job.created_at.desc()).limit(limit)
    if kind:
        statement = statement.where(Job.kind == kind)
    return list(db.session.scalars(statement))


def cancel(org_id: int, job_id: str) -> Job:
    """Cancel a job in any unfinished state. A running job whose worker is alive stops at its next progress
    report; one whose worker is dead ends now, in two steps: the cancel is recorded, then the lost job is
    ended as the reaper would (its own unit of work, which checks the job is still that worker's)."""
    job = get_job(org_id, job_id)
    if job.status.finished:
        raise Conflict(f"The job has already {job.status.value}.", code="job_finished")
    queue.put_state(cancel_key(job.id), {"at": time.time()})
    if job.status is JobStatus.running and not liveness.is_alive(job.worker_id, liveness.lease_s()):
        worker_id = job.worker_id
        db.session.rollback()
        with unit_of_work():
            db.session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True)
                               .execution_options(synchronize_session=False))
        liveness.end_lost_job(job_id, worker_id)
        db.session.expire_all()
        return get_job(org_id, job_id)
    with unit_of_work():
        job.cancel_requested = True
        if job.status is JobStatus.queued:
            job.status = JobStatus.cancelled
            job.finished_at = utcnow()
            on_commit(lambda: release_inputs(job))
        on_commit(lambda: announce(job))
    return job


def release_inputs(job: Job) -> None:
    """A job that ended lets go of the files it was given."""
    inputs.discard(job.id, (job.payload or {}).get("files"))


def job_payload(job: Job) -> dict:
    """The `job.progress` event and the API's job body: both dumped by JobSchema."""
    from backend.jobs.schemas import JobSchema

    return JobSchema().dump(job)


def announce(job: Job) -> None:
    from backend.realtime import emit, rooms

    emit.emit_now("job.progress", job_payload(job), rooms.dispatch(job.org_id))


class JobContext:
    """What a handler gets: its job's identity, progress reporting and the cancel check.

    It holds no database object: a handler's own transaction never carries the job row, so a failed
    flush in the handler cannot take the job's record down with it.
    """

    def __init__(self, job: Job):
        self.job_id = job.id
        self.org_id = job.org_id
        self.kind = job.kind
        self.created_by_id = job.created_by_id
        self._snapshot = job_payload(job)
        self._last_report = 0.0
        self._held: dict | None = None
        self._last_cancel_check = 0.0
        self._cancelled = False

    def input_file(self, name: str) -> bytes:
        """A file the job was given at enqueue time (an upload)."""
        return inputs.read(self.job_id, name)

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._last_cancel_check > 0.2:
            self._last_cancel_check = now
            self._cancelled = queue.peek_state(cancel_key(self.job_id)) is not None
        return self._cancelled

    def solver_progress(self, time_limit: float | None):
        """The solver's `on_progress` callback reporting as this job's progress (the fraction of the time
        limit spent when the solver gives none)."""
        def report(progress: dict) -> None:
            fraction = progress.get("fraction")
            if fraction is None and time_limit:
                fraction = min(progress.get("elapsed_s", 0) / time_limit, 0.99)
            self.progress(fraction or 0.0, f"Best cost so far {progress.get('best_cost')}",
                          best_cost=progress.get("best_cost"), elapsed_s=round(progress.get("elapsed_s", 0), 1))
        return report

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **detail) -> None:
        """Report progress (throttled to a few per second) and stop here if a cancel was asked for."""
        if self.cancelled():
            raise JobCancelled()
        now = time.monotonic()
        live = {"progress": max(0.0, min(1.0, fraction)), "message": message[:300], "detail": detail}
        if not force and now - self._last_report < 0.25:
            self._held = live  # kept for the job's end: its last figures are its final ones (flush)
            return
        self._last_report, self._held = now, None
        queue.put_state(progress_key(self.job_id), live)
        self._snapshot.update(live, progress=round(live["progress"], 4))
        from backend.realtime import emit, rooms

        emit.emit_now("job.progress", dict(self._snapshot), rooms.dispatch(self.org_id))

    def flush(self) -> None:
        """Store the last report the throttle held back (a small plan's final best cost comes within it)."""
        if self._held is not None:
            queue.put_state(progress_key(self.job_id), self._held)
            self._held = None


def _database_error(exc: SQLAlchemyError) -> dict:
    """What a person can act on: the database's own words, without the SQL and its parameters."""
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return {"code": "database_error", "message": f"The database refused the job's work: {first_line}"[:500],
            "fields": {}}


def _finish(job_id: str, worker_id: str, status: JobStatus, *, result=None, error=None) -> bool:
    """Record the outcome, only while this worker still holds the job (a reaper may have ended it)."""
    db.session.rollback()  # whatever the handler left (a failed flush included) is discarded first
    values = {"status": status, "finished_at": utcnow(), "result": result, "error": error, "worker_id": None}
    live = queue.peek_state(progress_key(job_id))
    if status is JobStatus.succeeded:
        values["progress"] = 1.0
        if live:  # the last figures reported (an optimizer's best cost) stay readable on the finished job
            values["detail"] = live["detail"]
    elif live:
        values.update(progress=live["progress"], message=live["message"], detail=live["detail"])
    if error and not (live and live.get("message")):
        values["message"] = str(error.get("message", ""))[:300]
    with unit_of_work():
        outcome = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.running,
                                                       Job.worker_id == worker_id).values(**values)
                                     .execution_options(synchronize_session=False))
    if outcome.rowcount != 1:
        log.warning("job %s finished as %s, but its record had been taken over; left as it is", job_id, status.value)
        return False
    queue.drop_state(progress_key(job_id))
    queue.drop_state(cancel_key(job_id))
    job = db.session.get(Job, job_id)
    release_inputs(job)
    announce(job)
    db.session.rollback()  # a read: its transaction ends here
    return True


def _record(job_id: str, worker_id: str, outcome: dict) -> None:
    """Finish the job, whatever it takes: a result the database cannot store fails the job instead, and a
    database that is briefly away is tried again, so a job is not left running by a live worker."""
    status = outcome.pop("status")
    for attempt in range(4):
        try:
            _finish(job_id, worker_id, status, **outcome)
            return
        except (OperationalError, InterfaceError):
            log.exception("job %s: could not record its outcome (%s); trying again", job_id, status.value)
            db.session.rollback()
        except Exception as exc:
            log.exception("job %s: could not record its outcome (%s)", job_id, status.value)
            db.session.rollback()
            if status is not JobStatus.failed:
                status, outcome = JobStatus.failed, {"error": {
                    "code": "internal", "message": f"The job's result could not be stored: {exc}"[:500], "fields": {}}}
        time.sleep(0.5 * 2 ** attempt)


def _claim(job_id: str, worker_id: str) -> Job | None:
    """queued -> running for this worker; None when the job is gone, cancelled, or another worker has it."""
    now = utcnow()
    with unit_of_work():
        taken = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
                                   .values(status=JobStatus.running, worker_id=worker_id, started_at=now,
                                           attempts=Job.attempts + 1)
                                   .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    return db.session.get(Job, job_id)


def run(job_id: str) -> None:
    """Execute one job in a worker (thread or process), inside an app context."""
    worker_id = liveness.current_worker_id()
    try:
        job = _claim(job_id, worker_id)
        if job is None:
            return  # cancelled while queued, run by another worker, or delivered twice by the queue
        kind, payload = job.kind, dict(job.payload or {})
        announce(job)
        context = JobContext(job)
        db.session.rollback()  # only read since the claim: the handler starts a transaction of its own
        outcome: dict = {}
        try:
            if context.cancelled():
                raise JobCancelled()
            outcome = {"status": JobStatus.succeeded, "result": HANDLERS[kind](context, payload)}
        except JobCancelled:
            outcome = {"status": JobStatus.cancelled}
        except DomainError as exc:
            outcome = {"status": JobStatus.failed, "error": exc.to_dict()["error"]}
        except SQLAlchemyError as exc:
            log.exception("job %s (%s) hit a database error", job_id, kind)
            outcome = {"status": JobStatus.failed, "error": _database_error(exc)}
        except Exception as exc:  # a bug: keep the trace for the operator, a clean message for the user
            log.exception("job %s (%s) failed", job_id, kind)
            detail = traceback.format_exc(limit=5) if current_app.debug else None
            outcome = {"status": JobStatus.failed, "error": {"code": "internal", "message": str(exc) or
                                                             type(exc).__name__, "fields": {}, "trace": detail}}
        try:
            context.flush()
        except Exception:  # the queue's store is away: the job's outcome matters more than its last figures
            log.exception("job %s: could not store its last progress report", job_id)
        _record(job_id, worker_id, outcome)
    finally:
        db.session.remove()
