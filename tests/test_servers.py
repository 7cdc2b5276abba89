"""The app as it really runs: eventlet server processes, the embedded worker, PostgreSQL and Redis."""
import threading
import time

import pytest
import requests
import socketio

from tests.conftest import REDIS_URL, require_service
from tests.servers import ServerProcess, login_session, migrate

CSV = "external_ref,address,lat,lon,time_windows\n" + "\n".join(
    f"S-{i},{i} Rue Saint-Denis,45.5{i % 10},-73.5{i % 7},2030-01-0{1 + i % 5}T09:00/2030-01-0{1 + i % 5}T11:00"
    for i in range(60)) + "\n"


def socket_client(server, session: requests.Session, events: list):
    client = socketio.Client(reconnection=False)
    client.on("job.progress", lambda data: events.append(data))
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    return client


def run_import(server, session, events):
    response = session.post(f"{server.url}/api/v1/orders/import?dry_run=false", data=CSV.encode(),
                            headers={"Content-Type": "text/csv"}, timeout=10)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = session.get(f"{server.url}/api/v1/jobs/{job_id}", timeout=10).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    assert job["result"]["created"] == 60
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(e["id"] == job_id and e["status"] == "succeeded" for e in events):
        time.sleep(0.05)
    mine = [e for e in events if e["id"] == job_id]
    assert [e["status"] for e in mine][-1] == "succeeded", mine
    assert "running" in {e["status"] for e in mine}


@pytest.fixture
def sqlite_instance(tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    return instance, url


def test_embedded_server_loads_the_demo_and_runs_jobs_in_its_child_worker(sqlite_instance):
    import subprocess
    import sys

    from tests.servers import ROOT

    instance, url = sqlite_instance
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None}
    output = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--if-empty"],
                            cwd=ROOT, env={**__import__("os").environ, **{k: v for k, v in env.items() if v}},
                            capture_output=True, text=True, check=True).stdout
    assert "admin@demo.lastmile.test" in output and "PIN 1234" in output
    with ServerProcess(env) as server:
        session = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
        orders = session.get(f"{server.url}/api/v1/orders?per_page=1", timeout=10).json()
        assert orders["total"] == 150
        driver = login_session(server.url, "+15145552200", "1234")
        assert driver.get(f"{server.url}/api/v1/auth/me", timeout=10).json()["driver_id"]
        events = []
        client = socket_client(server, session, events)
        try:
            run_import(server, session, events)
        finally:
            client.disconnect()


def test_a_socket_without_a_session_is_refused(sqlite_instance):
    instance, url = sqlite_instance
    with ServerProcess({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "EMBEDDED_WORKER": "0",
                        "REDIS_URL": None}) as server:
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, transports=["websocket"], wait_timeout=5)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, transports=["websocket"], auth={"tracking_token": "x" * 32}, wait_timeout=5)


@pytest.fixture
def postgres_instance(tmp_path, postgres_url):
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    instance = tmp_path / "instance"
    instance.mkdir()
    return instance, postgres_url


def _seed(server_env):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "5"],
                   cwd=ROOT, env={**os.environ, **{k: v for k, v in server_env.items() if v}}, check=True,
                   capture_output=True)


def _latency(fn) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


@pytest.mark.parametrize("blocking_wait", [False, True], ids=["cooperative", "c-wait-control"])
def test_a_slow_postgres_query_does_not_freeze_the_eventlet_worker(postgres_instance, blocking_wait):
    """pg_sleep(1) in one request while HTTP requests and socket events keep being answered.

    The control run puts back psycopg's C wait function and shows the same checks catch the freeze.
    """
    instance, url = postgres_instance
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "EMBEDDED_WORKER": "0", "REDIS_URL": None,
           "LASTMILE_TEST_BLOCKING_WAIT": "1" if blocking_wait else "0"}
    _seed(env)
    with ServerProcess(env, script="tests/slow_query_server.py") as server:
        session = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
        client = socket_client(server, session, [])
        try:
            slow = threading.Thread(target=lambda: requests.get(f"{server.url}/_test/sleep", timeout=10))
            slow.start()
            time.sleep(0.25)  # the slow query is now running
            timings = {}
            probes = [threading.Thread(target=lambda: timings.__setitem__("http", _latency(
                          lambda: requests.get(f"{server.url}/healthz", timeout=10).raise_for_status()))),
                      threading.Thread(target=lambda: timings.__setitem__("socket", _latency(
                          lambda: client.call("clock", {}, timeout=10))))]
            for probe in probes:
                probe.start()
            for probe in probes + [slow]:
                probe.join()
            http, socket_event = timings["http"], timings["socket"]
        finally:
            client.disconnect()
    if blocking_wait:
        assert http > 0.4 and socket_event > 0.4, ("the control should have been frozen by the C wait", timings)
    else:
        assert http < 0.5 and socket_event < 0.5, (http, socket_event)


@pytest.mark.xdist_group("redis")  # one Redis for the whole run: its tests take turns
def test_scaled_out_worker_on_redis_emits_job_progress_to_a_web_worker(postgres_instance):
    require_service("redis")
    import os
    import signal
    import subprocess
    import sys

    from tests.servers import ROOT

    instance, url = postgres_instance
    redis_db = REDIS_URL.rsplit("/", 1)[0] + "/5"
    import redis as redis_lib

    redis_lib.Redis.from_url(redis_db).flushdb()
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": redis_db, "EMBEDDED_WORKER": "0"}
    _seed(env)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend:create_app", "worker"], cwd=ROOT,
                              env={**os.environ, **env, "SECRET_KEY": "test-secret"}, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with ServerProcess(env) as server:
            session = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
            events = []
            client = socket_client(server, session, events)
            try:
                run_import(server, session, events)
            finally:
                client.disconnect()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=10)
