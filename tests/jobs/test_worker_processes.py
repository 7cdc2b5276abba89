"""A worker killed mid-job, for real: kill -9 of the embedded server's worker child, and of one of two
`flask worker` processes on Redis + PostgreSQL. The job ends as its kind says (an import fails with a
message, a plan is retried), a new worker takes over, and later jobs run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, require_service
from tests.servers import ROOT, ServerProcess, login_session, migrate

DISPATCHER = ("dispatch@demo.lastmile.test", "lastmile-demo")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def big_csv(rows: int, day: str) -> bytes:
    lines = ["external_ref,address,lat,lon,delivery_date,window_start,window_end,recipient_name,recipient_phone"]
    lines += [f"K-{i},{i} Rue Saint-Denis,45.5{i % 10},-73.5{i % 7},{day},09:00,11:00,Person {i},+1514666{i % 10000:04d}"
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


class Staff:
    def __init__(self, server):
        self.server = server
        self.session = login_session(server.url, *DISPATCHER)

    def get(self, path):
        response = self.session.get(f"{self.server.url}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path, **kwargs):
        response = self.session.post(f"{self.server.url}{path}", timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def job(self, job_id):
        return self.get(f"/api/v1/jobs/{job_id}")

    def wait_job(self, job_id, statuses, timeout=60):
        return wait_for(lambda: (lambda j: j if j["status"] in statuses else None)(self.job(job_id)), timeout,
                        f"job {job_id} to become {statuses}")

    def import_csv(self, body: bytes, dry_run: bool):
        return self.post(f"/api/v1/orders/import?dry_run={str(dry_run).lower()}", data=body,
                         headers={"Content-Type": "text/csv"})["id"]

    def plan(self, time_limit_s: float):
        depot = self.get("/api/v1/depots")["items"][0]
        day = self.get("/api/v1/orders?per_page=1")["items"][0]["delivery_date"]
        return self.post("/api/v1/optimizations", json={"date": day, "depot_id": depot["id"],
                                                         "time_limit_s": time_limit_s})["id"]

    def order_total(self):
        return self.get("/api/v1/orders?per_page=1")["total"]


def load_demo(env: dict, orders: int = 60, drivers: int = 4) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders",
                    str(orders), "--drivers", str(drivers)], cwd=ROOT, check=True, capture_output=True,
                   env={**{k: v for k, v in os.environ.items() if k not in env}, **{k: v for k, v in env.items() if v}})


def wait_solving(staff: Staff, job_id: str) -> None:
    """Until the optimizer reports a first plan: the job is deep inside the solve."""
    staff.wait_job(job_id, {"running"}, timeout=60)
    wait_for(lambda: staff.job(job_id)["progress"] > 0.05, 60, "the solver's first progress report")


def test_a_killed_embedded_worker_is_restarted_and_its_jobs_end_as_their_kind_says(tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None, "JOBS_LEASE_S": "3"}
    load_demo(env)
    with ServerProcess(env) as server:
        staff = Staff(server)
        [first] = wait_for(lambda: children_of(server.process.pid), 20, "the worker child")
        before = staff.order_total()
        day = staff.get("/api/v1/orders?per_page=1")["items"][0]["delivery_date"]

        # Mid-import: an import is one transaction, so it fails with a message and imports nothing.
        job_id = staff.import_csv(big_csv(20000, day), dry_run=False)
        staff.wait_job(job_id, {"running"})
        time.sleep(0.3)
        os.kill(first, signal.SIGKILL)
        job = staff.wait_job(job_id, {"failed", "succeeded", "cancelled"}, timeout=30)
        assert job["status"] == "failed" and job["error"]["code"] == "worker_lost", job
        assert "nothing was imported" in job["error"]["message"]
        assert staff.order_total() == before
        [second] = wait_for(lambda: [p for p in children_of(server.process.pid) if p != first], 20,
                            "a new worker child")
        assert f"pid {first}) exited with code -9" in server.output()

        # Mid-plan: a plan replaces the day's drafts, so it is retried by the next worker and succeeds.
        plan_id = staff.plan(time_limit_s=4)
        wait_solving(staff, plan_id)
        os.kill(second, signal.SIGKILL)
        plan = staff.wait_job(plan_id, {"succeeded", "failed", "cancelled"}, timeout=60)
        assert plan["status"] == "succeeded" and plan["attempts"] == 2, plan
        assert plan["result"]["route_ids"], plan["result"]
        third = wait_for(lambda: [p for p in children_of(server.process.pid) if p not in (first, second)], 5,
                         "a third worker child")
        assert len(third) == 1

        # Later jobs run.
        later = staff.wait_job(staff.import_csv(big_csv(50, day), dry_run=True), {"succeeded", "failed"})
        assert later["status"] == "succeeded" and later["result"]["valid"] == 50, later


@pytest.mark.xdist_group("redis")  # one Redis for the whole run: its tests take turns
def test_one_of_two_flask_workers_killed_on_redis_and_postgresql(tmp_path, postgres_url):
    require_service("redis")
    import redis as redis_lib
    from sqlalchemy import create_engine, text

    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    redis_db = REDIS_URL.rsplit("/", 1)[0] + "/7"
    redis_lib.Redis.from_url(redis_db).flushdb()
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": postgres_url, "REDIS_URL": redis_db,
           "EMBEDDED_WORKER": "0", "SECRET_KEY": "test-secret", "JOBS_LEASE_S": "3"}
    load_demo(env)
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend:create_app", "worker", "--workers",
                                 "1"], cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    engine = create_engine(postgres_url)
    try:
        with ServerProcess(env) as server:
            staff = Staff(server)
            plan_id = staff.plan(time_limit_s=4)
            wait_solving(staff, plan_id)
            with engine.connect() as connection:
                worker_id = connection.execute(text("SELECT worker_id FROM jobs WHERE id = :id"),
                                               {"id": plan_id}).scalar_one()
            [victim] = [w for w in workers if f":{w.pid}:" in worker_id]
            os.killpg(victim.pid, signal.SIGKILL)  # the worker and the solver processes it started
            plan = staff.wait_job(plan_id, {"succeeded", "failed", "cancelled"}, timeout=60)
            assert plan["status"] == "succeeded" and plan["attempts"] == 2, plan
            with engine.connect() as connection:
                assert connection.execute(text("SELECT worker_id FROM jobs WHERE id = :id"),
                                          {"id": plan_id}).scalar_one() is None
            # The survivor takes later jobs.
            day = staff.get("/api/v1/orders?per_page=1")["items"][0]["delivery_date"]
            later = staff.wait_job(staff.import_csv(big_csv(50, day), dry_run=True), {"succeeded", "failed"})
            assert later["status"] == "succeeded", later
    finally:
        engine.dispose()
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=10)
