"""Browser tests: Debian's chromium driven by Playwright against the real eventlet server.

The server runs `python wsgi.py` (tests/servers.py) on a copy of one SQLite database that was migrated
and seeded once per session with `flask demo load --publish` (a small demo day: 2 drivers, 24 orders).
Outside CI a missing chromium or unbuilt PWA skips these tests with the reason; under CI=true it fails.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import IN_CI
from tests.servers import ROOT, ServerProcess, login_session, migrate

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync"]
PWA_DIST = ROOT / "pwa" / "dist"
DRIVER_PHONE = "+15145552200"
DRIVER_PIN = "1234"
DISPATCHER = ("dispatch@demo.lastmile.test", "lastmile-demo")
# Montréal, near the demo depot: where the emulated phone starts.
START_POSITION = {"latitude": 45.5017, "longitude": -73.6893, "accuracy": 10}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI must run the browser tests: `make test` installs chromium and builds the PWA)")
    pytest.skip(f"{reason}; run `make test` (installs Debian's chromium, builds the PWA) to include browser tests")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed")
    if not (PWA_DIST / ".built").exists():
        _missing("pwa/dist is not built")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    """The process's one Playwright: a second sync_playwright() in a process that runs one already fails
    ("Sync API inside the asyncio loop"), so a test that needs a browser of its own launches it from here."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def playwright_browser(playwright_driver, chromium_path):
    browser = playwright_driver.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _flask(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", *args], cwd=ROOT,
                            env={**os.environ, "SECRET_KEY": "test-secret", **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


@pytest.fixture(scope="session")
def published_demo_db(tmp_path_factory, chromium_path) -> Path:
    """A migrated SQLite file holding today's demo day, planned and published (copied for each test)."""
    folder = tmp_path_factory.mktemp("e2e-template")
    path = folder / "lastmile.db"
    url = f"sqlite:///{path}"
    migrate(url, folder)
    env = {"DATABASE_URL": url, "INSTANCE_PATH": str(folder)}
    _flask(env, "demo", "load", "--orders", "24", "--drivers", "2", "--publish", "--time-limit", "2")
    return path


@dataclass
class DemoServer:
    server: ServerProcess
    database: Path

    @property
    def url(self) -> str:
        return self.server.url

    def session(self, login: str, password: str) -> requests.Session:
        return login_session(self.url, login, password)

    def driver_session(self) -> requests.Session:
        return self.session(DRIVER_PHONE, DRIVER_PIN)

    def dispatcher_session(self) -> requests.Session:
        return self.session(*DISPATCHER)


@pytest.fixture
def demo_server(published_demo_db, tmp_path):
    """The real eventlet server (HTTP + Socket.IO + embedded worker) on a fresh copy of the demo day."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING"}
    with ServerProcess(env) as server:
        yield DemoServer(server, database)


@pytest.fixture
def driver_route(demo_server) -> dict:
    """Today's route snapshot of the demo driver, as the driver API gives it."""
    response = demo_server.driver_session().get(f"{demo_server.url}/api/v1/driver/route", timeout=10)
    assert response.status_code == 200, f"the demo driver should have a published route today: {response.text}"
    route = response.json()
    assert len(route["stops"]) >= 4, "the demo day should give the driver at least four stops"
    return route


@pytest.fixture
def phone(playwright_browser, demo_server):
    """A phone-sized browser context (360x640, touch, geolocation granted) on the server's origin."""
    context = playwright_browser.new_context(
        base_url=demo_server.url, viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
        has_touch=True, geolocation=START_POSITION, permissions=["geolocation"], locale="en-CA",
        service_workers="allow")
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def log_in_as_driver(page) -> None:
    page.goto("/driver")
    page.get_by_label("Phone number").fill(DRIVER_PHONE)
    page.get_by_label("PIN or password").fill(DRIVER_PIN)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("stop-list").wait_for()
