"""`flask simulate` drives a published day to its end against a real server."""
import os
import subprocess
import sys

from tests.servers import ROOT, ServerProcess, login_session, migrate


def test_virtual_drivers_work_the_day_through_the_real_api(tmp_path):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret"}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "6",
                    "--drivers", "1", "--publish", "--time-limit", "1"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    with ServerProcess({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None}) as server:
        nobody = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "simulate", "--url",
                                 server.url, "--org", "no-such-org"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert nobody.returncode != 0 and "no-such-org" in nobody.stderr
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "simulate", "--url",
                                 server.url, "--speed", "3000", "--interval", "0.2", "--fail-rate", "0.3", "--seed", "3",
                                 "--org", "demo"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 errors" in result.stdout, result.stdout
        staff = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
        route = staff.get(f"{server.url}/api/v1/routes", timeout=10).json()[0]
        assert route["status"] == "completed"
        outcomes = {s["status"] for s in route["stops"]}
        assert outcomes <= {"completed", "failed"} and "completed" in outcomes
        orders = staff.get(f"{server.url}/api/v1/orders?per_page=50", timeout=10).json()["items"]
        assert {o["status"] for o in orders} <= {"delivered", "failed"}
        delivered = [o for o in orders if o["status"] == "delivered"][0]
        events = staff.get(f"{server.url}/api/v1/orders/{delivered['id']}/events", timeout=10).json()
        statuses = [e["to_status"] for e in events if e["type"] == "status"]
        assert statuses[-3:] == ["out_for_delivery", "arrived", "delivered"]
        assert any(e["type"] == "next_stop" for e in events)
