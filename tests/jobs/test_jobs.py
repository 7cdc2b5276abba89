"""The job system: progress, cancellation and failure, on a real Huey consumer."""
import threading
import time

import pytest

from backend.jobs.registry import FAIL, RETRY, job_handler
from tests.support import commit

release = threading.Event()


@job_handler("test.steps", on_worker_lost=RETRY)
def _steps(ctx, payload):
    """A job whose pace the test controls: it reports progress until released or cancelled."""
    for step in range(payload["steps"]):
        ctx.progress(step / payload["steps"], f"step {step}", force=True, step=step)
        if payload.get("wait") and not release.wait(0.02):
            continue
    if payload.get("explode"):
        raise RuntimeError("boom")
    return {"done": payload["steps"]}


@job_handler("test.quick_steps", on_worker_lost=RETRY)
def _quick_steps(ctx, payload):
    """Reports faster than the throttle lets through, as a small optimization does."""
    for step in range(payload["steps"]):
        ctx.progress(step / payload["steps"], f"step {step}", step=step)
    return {"done": payload["steps"]}


def _enqueue(app, org, payload, kind="test.steps"):
    from backend.jobs import service

    with app.app_context():
        return service.enqueue(org.org_id, kind, payload).id


def _wait(api, job_id, statuses, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").get_json()
        if job["status"] in statuses:
            return job
        time.sleep(0.03)
    pytest.fail(f"job stayed {job['status']}")


def test_job_runs_reports_progress_and_succeeds(app, org, dispatcher, job_worker):
    job_id = _enqueue(app, org, {"steps": 3})
    job = _wait(dispatcher, job_id, {"succeeded", "failed"})
    assert job["status"] == "succeeded" and job["result"] == {"done": 3} and job["progress"] == 1.0
    assert job["detail"] == {"step": 2}  # the last figures reported stay on the finished job
    assert job["started_at"] and job["finished_at"]
    assert [j["id"] for j in dispatcher.get("/api/v1/jobs").get_json()] == [job_id]


def test_the_last_report_of_a_fast_job_is_its_final_word(app, org, dispatcher, job_worker):
    job = _wait(dispatcher, _enqueue(app, org, {"steps": 5}, kind="test.quick_steps"), {"succeeded", "failed"})
    assert job["status"] == "succeeded" and job["detail"] == {"step": 4}, job  # not the throttled-out {"step": 0}


def test_a_running_job_shows_live_progress_and_can_be_cancelled(app, org, dispatcher, job_worker):
    release.clear()
    job_id = _enqueue(app, org, {"steps": 100000, "wait": True})
    running = _wait(dispatcher, job_id, {"running"})
    deadline = time.monotonic() + 10
    while running["progress"] == 0 and time.monotonic() < deadline:
        running = dispatcher.get(f"/api/v1/jobs/{job_id}").get_json()
    assert running["progress"] > 0 and running["message"].startswith("step")
    response = dispatcher.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    job = _wait(dispatcher, job_id, {"cancelled", "succeeded", "failed"})
    assert job["status"] == "cancelled"
    assert 0 < job["progress"] < 1
    assert dispatcher.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 409


def test_a_queued_job_cancelled_before_a_worker_takes_it_never_runs(app, org, dispatcher):
    job_id = _enqueue(app, org, {"steps": 1})
    assert dispatcher.post(f"/api/v1/jobs/{job_id}/cancel").get_json()["status"] == "cancelled"
    from backend.jobs.worker import start_in_process

    consumer = start_in_process(app, workers=1)
    try:
        time.sleep(0.5)
        job = dispatcher.get(f"/api/v1/jobs/{job_id}").get_json()
        assert job["status"] == "cancelled" and job["started_at"] is None
    finally:
        consumer.stop(graceful=True)


def test_a_crashing_job_fails_with_a_message(app, org, dispatcher, job_worker):
    job = _wait(dispatcher, _enqueue(app, org, {"steps": 1, "explode": True}), {"failed", "succeeded"})
    assert job["status"] == "failed" and job["error"]["code"] == "internal" and "boom" in job["error"]["message"]


def test_jobs_of_another_organization_are_invisible(app, org, other_org, job_worker):
    job_id = _enqueue(app, org, {"steps": 1})
    other = other_org.as_role("dispatcher")
    assert other.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert other.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 404
    assert other.get("/api/v1/jobs").get_json() == []


# --- faults: database errors, dead workers, lost queue entries ------------------------------------

@job_handler("test.bad_flush", on_worker_lost=FAIL)
def _bad_flush(ctx, payload):
    """Work that commits a first step, then breaks the database's rules at flush time."""
    from backend.extensions import db
    from backend.orders.models import Order

    ctx.progress(0.1, "first step", force=True)
    commit()
    if payload["how"] == "nul":  # PostgreSQL refuses NUL characters in text
        db.session.add(Order(org_id=ctx.org_id, external_ref="NUL\x00REF", address="x", lat=45.5, lon=-73.6,
                             tracking_token="tok-nul"))
    else:  # the same external reference twice: the unique key refuses the second at flush
        for token in ("tok-a", "tok-b"):
            db.session.add(Order(org_id=ctx.org_id, external_ref="DUP-1", address="x", lat=45.5, lon=-73.6,
                                 tracking_token=token))
    ctx.progress(0.5, "second step", force=True)
    db.session.flush()
    return {"written": True}


def test_an_integrity_error_at_flush_fails_the_job_with_a_message(app, org, dispatcher, job_worker):
    job_id = _enqueue_kind(app, org, "test.bad_flush", {"how": "duplicate"})
    job = _wait(dispatcher, job_id, {"failed", "succeeded"})
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "database_error" and "UNIQUE" in job["error"]["message"].upper(), job["error"]
    assert job["finished_at"] and job["message"]
    # The worker is not stuck behind the broken session: the next job runs.
    assert _wait(dispatcher, _enqueue(app, org, {"steps": 2}), {"succeeded", "failed"})["status"] == "succeeded"


@pytest.mark.postgresql_only  # SQLite stores NUL characters
def test_a_nul_character_refused_by_postgresql_fails_the_job_with_a_message(app, org, dispatcher, job_worker):
    job = _wait(dispatcher, _enqueue_kind(app, org, "test.bad_flush", {"how": "nul"}), {"failed", "succeeded"})
    assert job["status"] == "failed" and job["error"]["code"] == "database_error", job
    assert "NUL" in job["error"]["message"].upper(), job["error"]


def _enqueue_kind(app, org, kind, payload):
    from backend.jobs import service

    with app.app_context():
        return service.enqueue(org.org_id, kind, payload).id


def _as_if_running_on_a_dead_worker(app, job_id, *, attempts=1):
    """The row a worker leaves when it is killed mid-job: running, naming a worker that beats no more."""
    from backend.extensions import db
    from backend.jobs.models import Job, JobStatus

    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.worker_id, job.attempts = JobStatus.running, "gone-host:99999:deadbeef", attempts
        job.result, job.error, job.finished_at, job.progress = None, None, None, 0.0
        commit()
        db.session.remove()


@pytest.fixture
def app_config(database_url, tmp_path):
    from tests.conftest import base_config

    return base_config(database_url, tmp_path / "instance", JOBS_LEASE_S=1.0)


def test_cancelling_a_job_whose_worker_died_ends_it_at_once(app, org, dispatcher):
    from backend.jobs import queue, service

    job_id = _enqueue(app, org, {"steps": 1})
    _as_if_running_on_a_dead_worker(app, job_id)
    with app.app_context():  # the dead worker's last progress report
        queue.put_state(service.progress_key(job_id), {"progress": 0.4, "message": "step 4", "detail": {}})
    response = dispatcher.post(f"/api/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled", response.get_json()
    ended = dispatcher.get(f"/api/v1/jobs/{job_id}").get_json()
    assert ended["finished_at"] and ended["progress"] == 0.4  # how far it got stays readable


def test_a_live_worker_ends_the_jobs_of_a_dead_one_as_their_kind_says(app, org, dispatcher, job_worker):
    """The reaper, run by any live worker: a kind that is safe to run again is retried (and succeeds); one
    that is not is failed with its message."""
    retried = _enqueue(app, org, {"steps": 2})
    failed = _enqueue_kind(app, org, "test.bad_flush", {"how": "duplicate"})
    # Both ran on the fixture's worker; put them back as if a killed worker had left them running.
    for job_id in (retried, failed):
        _wait(dispatcher, job_id, {"succeeded", "failed"})
        _as_if_running_on_a_dead_worker(app, job_id)
    job = _wait(dispatcher, retried, {"succeeded", "failed", "cancelled"}, timeout=15)
    assert job["status"] == "succeeded" and job["attempts"] == 2, job
    job = _wait(dispatcher, failed, {"failed", "succeeded"}, timeout=15)
    assert job["status"] == "failed" and job["error"]["code"] == "worker_lost", job
    assert "stopped" in job["error"]["message"]


def test_a_job_that_kills_its_worker_every_time_is_given_up(app, org, dispatcher, job_worker):
    from backend.jobs.registry import MAX_ATTEMPTS

    job_id = _enqueue(app, org, {"steps": 1})
    _wait(dispatcher, job_id, {"succeeded"})
    _as_if_running_on_a_dead_worker(app, job_id, attempts=MAX_ATTEMPTS)
    job = _wait(dispatcher, job_id, {"failed", "succeeded"}, timeout=15)
    assert job["status"] == "failed" and job["error"]["code"] == "worker_lost", job
    assert f"{MAX_ATTEMPTS} times" in job["error"]["message"]


def test_a_queued_job_the_queue_lost_is_queued_again(app, org, dispatcher):
    """A worker that died between taking a job off the queue and starting it leaves it queued forever."""
    from datetime import timedelta

    from backend.database import utcnow
    from backend.extensions import db
    from backend.jobs import queue
    from backend.jobs.models import Job
    from backend.jobs.worker import start_in_process

    job_id = _enqueue(app, org, {"steps": 1})
    queue.huey.flush()  # the queue loses it
    with app.app_context():
        db.session.get(Job, job_id).created_at = utcnow() - timedelta(seconds=5)
        commit()
        db.session.remove()
    consumer = start_in_process(app, workers=1)
    try:
        assert _wait(dispatcher, job_id, {"succeeded", "failed"}, timeout=15)["status"] == "succeeded"
    finally:
        consumer.stop(graceful=True)


def test_a_job_orphaned_hours_ago_is_not_rerun_by_itself(app, org, dispatcher, job_worker):
    """Found after a long outage (or left by a version without leases): failed with a message, not re-run."""
    from datetime import timedelta

    from backend.database import utcnow
    from backend.extensions import db
    from backend.jobs.models import Job, JobStatus

    job_id = _enqueue(app, org, {"steps": 1})
    _wait(dispatcher, job_id, {"succeeded"})
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.worker_id, job.result, job.finished_at = JobStatus.running, None, None, None
        job.started_at = utcnow() - timedelta(hours=3)
        commit()
        db.session.remove()
    job = _wait(dispatcher, job_id, {"failed", "succeeded"}, timeout=15)
    assert job["status"] == "failed" and "long ago" in job["error"]["message"], job
    assert job["attempts"] == 1
