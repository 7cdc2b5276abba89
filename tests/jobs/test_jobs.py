"""The job system: progress, cancellation and failure, on a real Huey consumer."""
import threading
import time

import pytest

from backend.jobs.registry import job_handler

release = threading.Event()


@job_handler("test.steps")
def _steps(ctx, payload):
    """A job whose pace the test controls: it reports progress until released or cancelled."""
    for step in range(payload["steps"]):
        ctx.progress(step / payload["steps"], f"step {step}", force=True, step=step)
        if payload.get("wait") and not release.wait(0.02):
            continue
    if payload.get("explode"):
        raise RuntimeError("boom")
    return {"done": payload["steps"]}


def _enqueue(app, org, payload):
    from backend.jobs import service

    with app.app_context():
        return service.enqueue(org.org_id, "test.steps", payload).id


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
    assert job["started_at"] and job["finished_at"]
    assert [j["id"] for j in dispatcher.get("/api/v1/jobs").get_json()] == [job_id]


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
