"""Links in customers' messages open: they name the address the server is reached on.

Without PUBLIC_BASE_URL a link written in a request uses that request's address, one written by a job
worker the address the server announced at start (kept where workers read it); behind a proxy,
X-Forwarded-* counts only with TRUSTED_PROXY_HOPS.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import base_config
from tests.dispatch.helpers import make_orders, make_route
from tests.notify.helpers import outbox
from tests.servers import ROOT, ServerProcess, login_session, migrate

LINK = re.compile(r"https?://\S+/t/[A-Za-z0-9_-]+")


def _flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", *args], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.sqlite_only
def test_a_server_on_another_port_sends_links_that_open(tmp_path):
    instance = tmp_path / "instance"
    database = instance / "lastmile.db"
    url = f"sqlite:///{database}"
    migrate(url, instance)
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret",
           "NOTIFY_QUIET_HOURS": ""}
    for name in ("REDIS_URL", "PUBLIC_BASE_URL", "HOST", "PORT"):
        env.pop(name, None)
    _flask(env, "demo", "load", "--orders", "3", "--drivers", "1")
    with ServerProcess({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None,
                        "PUBLIC_BASE_URL": None, "EMBEDDED_WORKER": "0", "NOTIFY_QUIET_HOURS": ""}) as server:
        assert server.port != 5000
        staff = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
        orders = staff.get(f"{server.url}/api/v1/orders?per_page=10", timeout=10).json()["items"]
        drivers = staff.get(f"{server.url}/api/v1/drivers", timeout=10).json()
        drivers = drivers["items"] if isinstance(drivers, dict) else drivers
        created = staff.post(f"{server.url}/api/v1/routes", timeout=30, json={
            "date": orders[0]["delivery_date"], "driver_id": drivers[0]["id"], "order_ids": [o["id"] for o in orders]})
        assert created.status_code == 201, created.text
        published = staff.post(f"{server.url}/api/v1/routes/{created.json()['id']}/publish", timeout=30)
        assert published.status_code == 200, published.text

        with sqlite3.connect(database) as connection:
            bodies = [row[0] for row in connection.execute(
                "SELECT body FROM notify_outbox WHERE kind = 'scheduled' AND channel = 'sms'")]
        assert len(bodies) == 3, bodies
        for body in bodies:
            links = LINK.findall(body)
            assert len(links) == 1, body
            assert urlsplit(links[0]).netloc == f"127.0.0.1:{server.port}", body
            page = requests.get(links[0], timeout=10)
            assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
            token = links[0].rsplit("/", 1)[1]
            assert requests.get(f"{server.url}/api/v1/track/{token}", timeout=10).status_code == 200

        # A job worker writes links outside any request: it reads the address the server announced at start
        # (its own environment says nothing of the port).
        seen_by_worker = subprocess.run(
            [sys.executable, "-c", "from backend import create_app\nfrom backend.public_url import public_base_url\n"
                                   "app = create_app()\nwith app.app_context(): print(public_base_url())"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert seen_by_worker.stdout.strip() == server.url, seen_by_worker.stderr[-2000:]
        assert requests.get(f"{seen_by_worker.stdout.strip()}/healthz", timeout=10).status_code == 200


def test_links_follow_the_proxys_address_only_when_the_proxy_is_trusted(tmp_path, database_url):
    from backend import create_app
    from backend.extensions import db
    from tests.support import make_org

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "deliveries.example.org"}
    for hops, expected in ((0, "http://localhost"), (1, "https://deliveries.example.org")):
        instance = tmp_path / f"instance-{hops}"
        app = create_app(base_config(database_url, instance, PUBLIC_BASE_URL=None, TRUSTED_PROXY_HOPS=hops,
                                     NOTIFY_QUIET_HOURS=""))
        try:
            org = make_org(app, slug=f"proxy{hops}", phone_base=5145550100 + hops * 100)
            api = org.as_role("dispatcher")
            api.headers.update(forwarded)
            ids = make_orders(api, 1, prefix=f"P{hops}")
            route = make_route(api, org, ids)
            publish = api.post(f"/api/v1/routes/{route['id']}/publish")
            assert publish.status_code == 200, publish.get_json()
            bodies = [m["body"] for m in outbox(app, kind="scheduled", org_id=org.org_id) if m["channel"].value == "sms"]
            assert bodies and all(LINK.search(b).group(0).startswith(f"{expected}/t/") for b in bodies), bodies
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.mark.sqlite_only
def test_a_server_listening_beyond_loopback_without_public_base_url_warns(app, caplog):
    from backend import public_url

    app.config.update(HOST="0.0.0.0", PORT=8123, PUBLIC_BASE_URL=None)
    with caplog.at_level(logging.WARNING, logger="lastmile.public_url"):
        announced = public_url.announce(app)
    assert announced.endswith(":8123") and "0.0.0.0" not in announced
    assert any("PUBLIC_BASE_URL is not set" in r.getMessage() for r in caplog.records)

    caplog.clear()
    app.config.update(HOST="127.0.0.1")
    with caplog.at_level(logging.WARNING, logger="lastmile.public_url"):
        assert public_url.announce(app) == "http://127.0.0.1:8123"
    assert not caplog.records

    app.config.update(HOST="0.0.0.0", PUBLIC_BASE_URL="https://track.example.com")
    with caplog.at_level(logging.WARNING, logger="lastmile.public_url"):
        assert public_url.announce(app) == "https://track.example.com"
    assert not caplog.records
    public_url.forget_announced()
