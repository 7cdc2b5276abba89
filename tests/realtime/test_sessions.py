"""Sessions end on the server, sockets included; sockets open only from our own pages; bad socket input
gets an error ack.

One eventlet server (the embedded default) serves the module, seeded with a small demo organization.
"""
import os
import subprocess
import sys
import time

import pytest
import requests
import socketio

from tests.servers import ROOT, ServerProcess, login_session, migrate

ADMIN, DISPATCHER, SECRET = "admin@demo.lastmile.test", "dispatch@demo.lastmile.test", "lastmile-demo"
PARTNER = "https://ops.partner.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("sessions")
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "demo", "load", "--orders", "2",
                    "--drivers", "2"], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True)
    with ServerProcess({**env, "REDIS_URL": None, "SESSION_REVOCATION_CHECK_S": "0.3", "LOGIN_LOCKOUT_AFTER": "2",
                        "SOCKETIO_ALLOWED_ORIGINS": PARTNER}) as running:
        yield running


def connect(server, session=None, origin="own") -> socketio.Client:
    """A socket as a browser page at `origin` would open it (None: a client that sends no Origin)."""
    options = {"suppress_origin": True} if origin is None else {} if origin == "own" else {"origin": origin}
    client = socketio.Client(reconnection=False, websocket_extra_options=options)
    client.received = []
    client.on("*", lambda event, data: client.received.append((event, data)))
    headers = {}
    if session is not None:
        headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client.connect(server.url, headers=headers, transports=["websocket"], wait_timeout=10)
    return client


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def copy_of(server, session) -> requests.Session:
    """What someone who copied the cookie holds."""
    copy = requests.Session()
    copy.cookies.update(session.cookies)
    copy.headers["X-CSRF-Token"] = session.headers["X-CSRF-Token"]
    return copy


def test_after_logout_a_copied_cookie_and_its_open_socket_stop_working(server):
    staff = login_session(server.url, DISPATCHER, SECRET)
    stolen = copy_of(server, staff)
    assert stolen.get(f"{server.url}/api/v1/auth/me", timeout=10).status_code == 200
    socket = connect(server, stolen)
    assert socket.connected
    assert staff.post(f"{server.url}/api/v1/auth/logout", timeout=10).status_code == 204
    assert stolen.get(f"{server.url}/api/v1/auth/me", timeout=10).status_code == 401
    assert stolen.get(f"{server.url}/api/v1/orders", timeout=10).status_code == 401
    assert wait_until(lambda: not socket.connected), "the socket of the ended session is still open"
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, stolen)


def test_a_deactivated_users_sockets_are_disconnected(server):
    admin = login_session(server.url, ADMIN, SECRET)
    drivers = admin.get(f"{server.url}/api/v1/users?role=driver", timeout=10).json()["items"]
    driver = drivers[0]
    phone = login_session(server.url, driver["phone"], "1234")
    socket = connect(server, phone)
    assert socket.call("clock", {}, timeout=10)["now"]
    answer = admin.patch(f"{server.url}/api/v1/users/{driver['id']}", json={"active": False}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert wait_until(lambda: not socket.connected), "a deactivated driver's socket is still open"
    assert phone.get(f"{server.url}/api/v1/driver/route", timeout=10).status_code == 401
    admin.patch(f"{server.url}/api/v1/users/{driver['id']}", json={"active": True}, timeout=10)


def test_only_our_own_pages_and_configured_origins_open_sockets(server):
    staff = login_session(server.url, DISPATCHER, SECRET)
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, staff, origin="https://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, staff, origin=server.url.replace("127.0.0.1", "127.0.0.1.nip.example"))
    for origin in (server.url, PARTNER, None):
        socket = connect(server, staff, origin=origin)
        assert socket.connected, origin
        socket.disconnect()


def test_a_locked_login_alerts_the_admins_live_and_nobody_else(server):
    admin = connect(server, login_session(server.url, ADMIN, SECRET))
    dispatcher = connect(server, login_session(server.url, DISPATCHER, SECRET))
    try:
        users = login_session(server.url, ADMIN, SECRET).get(f"{server.url}/api/v1/users?role=driver",
                                                              timeout=10).json()["items"]
        target = users[-1]
        for guess in ("0000", "0001"):
            wrong = requests.post(f"{server.url}/api/v1/auth/login", json={"login": target["phone"], "password": guess},
                                  timeout=10)
            assert wrong.status_code == 401
        locked = requests.post(f"{server.url}/api/v1/auth/login", json={"login": target["phone"], "password": "1234"},
                               timeout=10)
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        assert wait_until(lambda: any(e == "alert" and d.get("kind") == "login_locked" for e, d in admin.received))
        alert = next(d for e, d in admin.received if e == "alert" and d.get("kind") == "login_locked")
        assert alert["user_id"] == target["id"]
        time.sleep(0.3)
        assert not any(e == "alert" and d.get("kind") == "login_locked" for e, d in dispatcher.received)
    finally:
        admin.disconnect()
        dispatcher.disconnect()


def test_socket_events_with_ids_no_database_can_hold_get_an_error_ack(server):
    socket = connect(server, login_session(server.url, DISPATCHER, SECRET))
    try:
        for payload in ({"route_id": 10**40}, {"route_id": "9" * 40}, {"route_id": -1}, {"route_id": 2**31},
                        {"route_id": True}, {"route_id": 1.5}, {"route_id": None}, ["route_id"]):
            for event in ("route.watch", "route.resync"):
                answer = socket.call(event, payload, timeout=10)
                assert answer["ok"] is False and answer["error"]["code"] == "invalid", (event, payload, answer)
        answer = socket.call("route.resync", {"route_id": 1, "version": 10**30}, timeout=10)
        assert answer["ok"] is False and answer["error"]["code"] == "invalid"
        # A message nested deeper than any of ours is dropped; the socket and the server carry on.
        deep = {"route_id": 1}
        for _ in range(300):
            deep = {"x": deep}
        socket.emit("route.watch", deep)
        assert socket.call("clock", {}, timeout=10)["now"]
    finally:
        socket.disconnect()
