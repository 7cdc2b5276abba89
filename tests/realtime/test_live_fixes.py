"""Live fixes are written in rounds (dispatch.live_fixes): nothing acknowledged is ever lost.

Real eventlet servers on SQLite, real Socket.IO clients; what is stored is read back from the database file.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import socketio

from tests.servers import ROOT, ServerProcess, login_session, migrate

DRIVERS, FIXES = 5, 20


def _seeded(instance, **settings):
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret", "ETA_REFRESH_S": "0",
           "EMBEDDED_WORKER": "0", **settings}
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "6",
                    "--drivers", str(DRIVERS)], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
    return env, instance / "lastmile.db"


def _phones(server):
    staff = login_session(server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
    drivers = staff.get(f"{server.url}/api/v1/drivers", timeout=10).json()["items"]
    return staff, [(d["id"], login_session(server.url, d["phone"], "1234")) for d in drivers[:DRIVERS]]


def _socket(server, session):
    client = socketio.Client(reconnection=False)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client.connect(server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    return client


def _stored(database):
    with sqlite3.connect(database) as connection:
        fixes = connection.execute("SELECT driver_id, lat, lon FROM location_fixes").fetchall()
        positions = dict(connection.execute("SELECT driver_id, lat FROM driver_positions").fetchall())
    return fixes, positions


def _stored_in_postgres(url):
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            fixes = [tuple(row) for row in connection.execute(text("SELECT driver_id, lat, lon FROM location_fixes"))]
            positions = dict(connection.execute(text("SELECT driver_id, lat FROM driver_positions")).all())
    finally:
        engine.dispose()
    return fixes, positions


def _many_phones_at_once(phones_server, dispatcher_server, stored):
    """Five phones fire twenty fixes each without waiting for answers: rounds mix drivers and hold several
    fixes of one driver. Every fix answered ok is a row; each driver's position is their last fix; the
    dispatcher's batches carry each driver's last fix."""
    _, phones = _phones(phones_server)
    received = []
    dispatcher = socketio.Client(reconnection=False)
    dispatcher.on("driver.locations", lambda data: received.extend(data["items"]))
    staff = login_session(dispatcher_server.url, "dispatch@demo.lastmile.test", "lastmile-demo")
    cookie = "; ".join(f"{c.name}={c.value}" for c in staff.cookies)
    dispatcher.connect(dispatcher_server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    sockets = [(driver_id, _socket(phones_server, session)) for driver_id, session in phones]
    answers, sent = [], {}
    done = threading.Semaphore(0)
    start = datetime.now(timezone.utc) - timedelta(seconds=FIXES)
    for number in range(FIXES):
        for index, (driver_id, client) in enumerate(sockets):
            fix = {"lat": 45.0 + index / 10 + number / 10_000, "lon": -73.6, "accuracy": 5,
                   "at": (start + timedelta(seconds=number)).isoformat()}
            sent.setdefault(driver_id, []).append(round(fix["lat"], 6))
            client.emit("location.update", fix, callback=lambda answer=None: (answers.append(answer), done.release()))
    for _ in range(DRIVERS * FIXES):
        assert done.acquire(timeout=30), f"{len(answers)} answers of {DRIVERS * FIXES}"
    assert answers == [{"ok": True}] * (DRIVERS * FIXES)
    fixes, positions = stored()
    for driver_id, lats in sent.items():
        assert sorted(round(lat, 6) for d, lat, _ in fixes if d == driver_id) == sorted(lats)
        assert round(positions[driver_id], 6) == lats[-1]

    def seen_last(driver_id, lats):
        return any(i["driver_id"] == driver_id and round(i["lat"], 6) == lats[-1] for i in received)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(seen_last(d, lats) for d, lats in sent.items()):
        time.sleep(0.05)
    assert [d for d, lats in sent.items() if not seen_last(d, lats)] == []
    for _, client in sockets:
        client.disconnect()
    dispatcher.disconnect()


def test_every_fix_of_many_phones_sending_at_once_is_stored_and_each_last_position_kept(tmp_path):
    env, database = _seeded(tmp_path)
    with ServerProcess({**env, "REDIS_URL": None}) as server:
        _many_phones_at_once(server, server, lambda: _stored(database))


@pytest.mark.services
@pytest.mark.xdist_group("redis")  # one Redis for the whole run: its tests take turns
def test_on_postgresql_with_two_web_processes_every_fix_is_stored_and_relayed_to_the_other(tmp_path, postgres_url):
    """The same on PostgreSQL + Redis: phones on one web process, the dispatcher on the other."""
    from tests.conftest import REDIS_URL, _truncate_postgres, require_service

    require_service("redis")
    import redis as redis_lib

    _truncate_postgres(postgres_url)
    redis_db = REDIS_URL.rsplit("/", 1)[0] + "/6"
    redis_lib.Redis.from_url(redis_db).flushdb()
    env = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": postgres_url, "REDIS_URL": redis_db, "EMBEDDED_WORKER": "0",
           "SECRET_KEY": "test-secret", "ETA_REFRESH_S": "0"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "6",
                    "--drivers", str(DRIVERS)], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
    with ServerProcess(env) as phones_server, ServerProcess(env) as dispatcher_server:
        _many_phones_at_once(phones_server, dispatcher_server, lambda: _stored_in_postgres(postgres_url))


def test_a_fix_acknowledged_is_stored_even_if_the_server_dies_the_next_instant(tmp_path):
    """Ack after commit: the server is killed (SIGKILL, no shutdown) the moment the phone hears ok, in the
    middle of a long (500 ms) round; the fix is in the database file all the same."""
    env, database = _seeded(tmp_path, POSITION_BATCH_MS="500")
    with ServerProcess({**env, "REDIS_URL": None}) as server:
        _, phones = _phones(server)
        driver_id, session = phones[0]
        client = _socket(server, session)
        heard = threading.Event()

        def on_answer(answer=None):
            if answer == {"ok": True}:
                os.killpg(server.process.pid, signal.SIGKILL)
            heard.set()

        now = datetime.now(timezone.utc)
        client.emit("location.update", {"lat": 45.4242, "lon": -73.6, "at": now.isoformat()}, callback=on_answer)
        assert heard.wait(10)
        server.process.wait(10)
    fixes, positions = _stored(database)
    assert (driver_id, 45.4242, -73.6) in fixes
    assert positions[driver_id] == 45.4242


@pytest.fixture
def slow_flush():
    from backend.realtime.group_commit import GroupCommit

    flushed, overlapping, busy = [], [], threading.Lock()

    def flush(items):
        if not busy.acquire(blocking=False):
            overlapping.append(items)
            return
        try:
            if "boom" in items:
                raise RuntimeError("database away")
            time.sleep(0.05)
            flushed.append(list(items))
        finally:
            busy.release()

    return GroupCommit(flush, 0.05), flushed, overlapping


def _submit_all(rounds, items, spacing=0.0):
    from backend.realtime.group_commit import FlushFailed

    outcome = {}

    def send(item):
        try:
            outcome[item] = rounds.submit(item)
        except FlushFailed:
            outcome[item] = "failed"

    threads = []
    for item in items:
        threads.append(threading.Thread(target=send, args=(item,)))
        threads[-1].start()
        time.sleep(spacing)
    for thread in threads:
        thread.join(10)
    return outcome


def test_a_round_is_answered_only_after_its_flush_and_rounds_never_overlap(slow_flush):
    rounds, flushed, overlapping = slow_flush
    outcome = _submit_all(rounds, [f"fix-{n}" for n in range(30)], spacing=0.005)
    assert outcome == {f"fix-{n}": f"fix-{n}" for n in range(30)}
    assert sorted(item for batch in flushed for item in batch) == sorted(outcome)
    assert 1 < len(flushed) < 30 and overlapping == []  # batched, one flush at a time


def test_a_round_that_cannot_be_stored_is_acknowledged_to_no_one_and_the_next_round_is(slow_flush):
    rounds, flushed, _ = slow_flush
    failed = _submit_all(rounds, ["a", "boom", "b"])
    assert failed == {"a": "failed", "boom": "failed", "b": "failed"}
    assert _submit_all(rounds, ["c"]) == {"c": "c"} and flushed == [["c"]]
