"""Guessing logins: the rate limit sees through phone formats, a login locks with backoff and admins hear of
it, and a failed login takes as long whether or not it names someone."""
import time

import pytest

from tests.support import PIN, Api, commit


def _app(database_url, tmp_path, **config):
    from backend import create_app
    from tests.conftest import base_config

    return create_app(base_config(database_url, tmp_path, **config))


@pytest.mark.sqlite_only
def test_the_rate_limit_counts_one_phone_however_it_is_written(database_url, tmp_path):
    from tests.support import make_org

    app = _app(database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute", LOGIN_LOCKOUT_AFTER=0)
    org = make_org(app, "limited", 5145550400)
    api = Api(app)
    spellings = ["514-555-0400", "(514) 555-0400", "+1 514 555 0400", "5145550400", "+15145550400"]
    codes = [api.login(spelling, "0000").status_code for spelling in spellings]
    assert codes == [401, 401, 401, 429, 429]
    # The other driver's phone has its own count.
    assert api.login(org.other_driver_phone, PIN).status_code == 200


def _admin_listener(app, org_id):
    from backend.extensions import socketio
    from backend.realtime import rooms

    client = socketio.test_client(app)
    # Joined by hand (see tests/notify/test_channels.py); that admins join this room is tested with the sockets.
    socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/"), rooms.admins(org_id))
    return client


@pytest.mark.sqlite_only
def test_repeated_failures_lock_the_login_with_backoff_and_alert_the_admins(database_url, tmp_path):
    from backend.extensions import db
    from backend.notify.models import OutboxMessage
    from tests.notify.standins import Browser
    from tests.support import make_org

    app = _app(database_url, tmp_path, LOGIN_LOCKOUT_AFTER=3, LOGIN_LOCKOUT_BASE_S=1, LOGIN_LOCKOUT_MAX_S=3)
    org = make_org(app, "locks", 5145550500)
    admin = org.as_role("admin")
    browser = Browser()
    assert admin.post("/api/v1/push/subscriptions", json={
        "endpoint": "https://push.example.test/admin", "keys": {"p256dh": browser.p256dh, "auth": browser.auth}
    }).status_code == 201
    listener = _admin_listener(app, org.org_id)
    guesser = Api(app)
    assert [guesser.login("514 555 0500", f"{n:04d}").status_code for n in range(3)] == [401, 401, 401]
    locked = guesser.login(org.driver_phone, PIN)  # even the right PIN is refused while locked
    assert locked.status_code == 429 and locked.get_json()["code"] == "login_locked"
    assert locked.headers["Retry-After"] == "1"
    [alert] = [m["args"][0] for m in listener.get_received() if m["name"] == "alert"]
    assert alert["kind"] == "login_locked" and alert["name"] == "Driver One" and alert["locked_for_s"] == 1
    with app.app_context():
        [push] = db.session.query(OutboxMessage).filter_by(kind="login_locked").all()
        assert "Driver One" in push.body and push.destination == "https://push.example.test/admin"
    # Each further failure doubles the lock, up to the maximum.
    time.sleep(1.1)
    assert guesser.login(org.driver_phone, "9999").status_code == 401
    assert guesser.login(org.driver_phone, PIN).headers.get("Retry-After") == "2"
    time.sleep(2.1)
    assert guesser.login(org.driver_phone, "9998").status_code == 401
    assert guesser.login(org.driver_phone, PIN).headers.get("Retry-After") == "3"
    time.sleep(3.1)
    # The right PIN after the lock: in, and the count starts again.
    assert guesser.login(org.driver_phone, PIN).status_code == 200
    assert Api(app).login(org.driver_phone, "1111").status_code == 401
    assert Api(app).login(org.driver_phone, PIN).status_code == 200
    # A login that names nobody locks the same way: a lock does not tell which phones are drivers'.
    assert [Api(app).login("+15145559999", "0000").status_code for _ in range(4)] == [401, 401, 401, 429]
    # Others are not locked out by someone guessing this one.
    assert Api(app).login(org.other_driver_phone, PIN).status_code == 200
    listener.disconnect()


@pytest.mark.sqlite_only
def test_a_failed_login_takes_as_long_whether_or_not_the_login_exists(database_url, tmp_path, monkeypatch):
    """Both paths measured in the same run, interleaved; hashes at real (if lighter) Argon2 cost so the
    hash dominates as it does in production. What is compared is the CPU time this process spends on each
    path (the test client serves in-process), at its fastest of 10 runs: other work on this shared
    machine must not decide the outcome, and it only ever adds time."""
    from argon2 import PasswordHasher

    from backend.auth import passwords
    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.fleet import service as fleet_service
    from tests.support import make_org

    app = _app(database_url, tmp_path, LOGIN_LOCKOUT_AFTER=0)
    org = make_org(app, "timing", 5145550600)
    hasher = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", hasher.hash("not-a-real-password"))
    with app.app_context():
        # A driver with both a password and a PIN (the case that cost two hashes), and a dispatcher.
        fleet_service.create_driver(org.org_id, {"name": "Timed", "phone": "+15145550690", "pin": "2468",
                                                 "password": "a long password", "depot_id": org.depot_id})
        auth_service.build_user(org.org_id, name="Timed staff", role=Role.dispatcher, email="timed@timing.test",
                                password="a long password")
        commit()
    cases = {"driver": "+15145550690", "staff": "timed@timing.test", "nobody": "+15145550699",
             "nobody_email": "nobody@timing.test"}
    timings = {name: [] for name in cases}
    for _ in range(2):  # warm-up: caches, first queries
        for login in cases.values():
            Api(app).login(login, "0000")
    for _ in range(10):
        for name, login in cases.items():
            client = Api(app)
            started = time.process_time()
            response = client.login(login, "0000")
            timings[name].append(time.process_time() - started)
            assert response.status_code == 401
    hash_s = min(_time(passwords.verify_secret, None, "0000") for _ in range(10))
    fastest = {name: min(values) for name, values in timings.items()}
    for name in ("driver", "staff", "nobody_email"):
        assert abs(fastest[name] - fastest["nobody"]) < 0.5 * hash_s, (fastest, hash_s)


def _time(fn, *args) -> float:
    started = time.process_time()
    fn(*args)
    return time.process_time() - started
