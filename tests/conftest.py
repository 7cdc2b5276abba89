"""Fixtures: real databases (SQLite, and PostgreSQL when CI=true or reachable), real job workers.

Every app-level test runs against each available database: `app` is parametrized by backend.
PostgreSQL and Redis tests skip outside CI when the services are not answering, and fail under CI.
"""
from __future__ import annotations

import os
import random
import shutil
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
# The fuzz tests' random examples come from this seed, printed in the header: FUZZ_SEED=<n> repeats a run.
FUZZ_SEED = int(os.environ.get("FUZZ_SEED") or random.SystemRandom().randrange(2**32))
# pytest-xdist's workers start after this module is read: they inherit the seed the header prints.
os.environ["FUZZ_SEED"] = str(FUZZ_SEED)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def service_available(name: str) -> bool:
    return _port_open("127.0.0.1", 5432 if name == "postgresql" else 6379)


def require_service(name: str) -> None:
    """Under CI a missing service fails the test; elsewhere it skips with the reason."""
    if service_available(name):
        return
    message = f"{name} is not answering on 127.0.0.1 ({'5432' if name == 'postgresql' else '6379'})"
    if IN_CI:
        pytest.fail(f"{message}; CI must run the {name} tests (.ci/run starts it)")
    pytest.skip(f"{message}; start it or run under CI=true to include these tests")


DB_BACKENDS = ["sqlite", "postgresql"]


# --- databases ------------------------------------------------------------------------------------

def _upgrade(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from backend import create_app

    app = create_app(base_config(database_url, instance))
    with app.app_context():
        upgrade()
    from backend.extensions import db

    with app.app_context():
        db.engine.dispose()


def base_config(database_url: str, instance: Path, **extra) -> dict:
    config = {
        "TESTING": True, "FAST_PASSWORD_HASH": True, "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret", "SOCKETIO_ASYNC_MODE": "threading",
        "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_RATE_LIMIT_PER_IP": "10000 per minute", "REDIS_URL": None, "EMBEDDED_WORKER": False,
        "GEOCODER_URL": None, "OSRM_URL": None,
        # Stand-ins of outside services (OSRM, push service, Twilio, webhook receivers) listen on loopback over
        # plain http; tests of the outbound guard itself turn these off.
        "OUTBOUND_ALLOW_HTTP": True, "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
        # Tests text one phone many times in a second; the gap between texts is tested on its own
        # (tests/notify/test_send_time.py, the day-long audit).
        "NOTIFY_MIN_GAP_S": 0,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test would be slow)."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _upgrade(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A fresh database on the PostgreSQL server for this test session, built by the migrations."""
    require_service("postgresql")
    name = f"lastmile_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _upgrade(url, tmp_path_factory.mktemp("pg-instance"))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(request, tmp_path):
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "lastmile.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


def pytest_generate_tests(metafunc):
    """Tests that use the app run once per database, unless they pin one with @pytest.mark.sqlite_only."""
    if "database_url" in metafunc.fixturenames and "database_url" not in getattr(metafunc, "_lm_done", ()):
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ["sqlite"]
        elif metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ["postgresql"]
        else:
            backends = DB_BACKENDS
        metafunc.parametrize("database_url", backends, indirect=True, ids=[f"db={b}" for b in backends])


def pytest_report_header(config):
    return f"fuzz seed: {FUZZ_SEED} (FUZZ_SEED={FUZZ_SEED} repeats this run's examples)"


def pytest_terminal_summary(terminalreporter):
    """Also at the end (the header is hidden by -q): the seed to repeat a failing fuzz run with."""
    if any(report.nodeid.startswith("tests/test_fuzz.py") for reports in terminalreporter.stats.values()
           for report in reports if hasattr(report, "nodeid")):
        terminalreporter.write_line(f"fuzz seed: {FUZZ_SEED} (FUZZ_SEED={FUZZ_SEED} repeats this run's examples)")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: run against SQLite only (e.g. slow fuzzing)")
    config.addinivalue_line("markers", "postgresql_only: a guarantee only PostgreSQL has to keep (row locks, NUL refusal)")


# --- the app --------------------------------------------------------------------------------------

@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return base_config(database_url, tmp_path / "instance")


@pytest.fixture
def app(app_config):
    from backend import create_app
    from backend.extensions import db

    application = create_app(app_config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def job_worker(app):
    """A real Huey consumer on real threads in this process, over the app's own queue storage."""
    from backend.jobs.worker import start_in_process

    consumer = start_in_process(app, workers=2)
    yield consumer
    consumer.stop(graceful=True)


from tests.support import *  # noqa: E402,F401,F403  (factories and API helpers as fixtures)
