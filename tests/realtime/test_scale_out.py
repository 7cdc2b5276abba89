"""Scale-out: two web processes sharing PostgreSQL and Redis; a change made through one reaches a
client connected to the other through Socket.IO's Redis message queue. (A separate worker emitting
through Redis is tested in tests/test_servers.py.)"""
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REDIS_URL, require_service
from tests.realtime.test_realtime import Listener
from tests.servers import ROOT, ServerProcess, login_session


@pytest.fixture
def shared_env(tmp_path, postgres_url):
    require_service("redis")
    import redis as redis_lib

    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    redis_db = REDIS_URL.rsplit("/", 1)[0] + "/6"
    redis_lib.Redis.from_url(redis_db).flushdb()
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": postgres_url, "REDIS_URL": redis_db,
           "EMBEDDED_WORKER": "0", "SECRET_KEY": "test-secret", "ETA_REFRESH_S": "0"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "6",
                    "--drivers", "2"], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
    return env


@pytest.mark.xdist_group("redis")  # one Redis for the whole run: its tests take turns
def test_a_change_through_server_a_reaches_a_client_of_server_b(shared_env):
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "backend:create_app", "worker"], cwd=ROOT,
                              env={**os.environ, **shared_env}, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with ServerProcess(shared_env) as server_a, ServerProcess(shared_env) as server_b:
            staff_a = login_session(server_a.url, "dispatch@demo.lastmile.test", "lastmile-demo")
            orders = staff_a.get(f"{server_a.url}/api/v1/orders", timeout=10).json()["items"]
            driver = staff_a.get(f"{server_a.url}/api/v1/drivers", timeout=10).json()["items"][0]
            route = staff_a.post(f"{server_a.url}/api/v1/routes", timeout=30, json={
                "date": orders[0]["delivery_date"], "driver_id": driver["id"], "order_ids": [o["id"] for o in orders]})
            assert route.status_code == 201, route.text
            phone_session = login_session(server_b.url, driver["user"]["phone"] or driver["phone"], "1234")
            dispatcher_b = Listener(server_b, login_session(server_b.url, "dispatch@demo.lastmile.test", "lastmile-demo"))
            try:
                published = staff_a.post(f"{server_a.url}/api/v1/routes/{route.json()['id']}/publish", timeout=10).json()
                seen, _ = dispatcher_b.wait_for("route.updated", lambda d: d["route"]["version"] == published["version"])
                assert seen is not None, dispatcher_b.events
                phone = Listener(server_b, phone_session)
                try:
                    ids = [s["id"] for s in published["stops"]]
                    sent = time.monotonic()
                    staff_a.put(f"{server_a.url}/api/v1/routes/{published['id']}/sequence", timeout=10,
                                json={"stop_ids": ids[::-1], "version": published["version"]}).raise_for_status()
                    data, received = phone.wait_for("route.updated", lambda d: [s["id"] for s in d["route"]["stops"]]
                                                    == ids[::-1])
                    assert data is not None and received - sent < 1.0
                finally:
                    phone.close()
            finally:
                dispatcher_b.close()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=10)
