"""Schema-driven fuzzing of every endpoint: bad input gets a 4xx problem (RFC 9457), never a 500.

Schemathesis reads /api/v1/openapi.json and generates valid and invalid requests for every operation,
sent to the real app (over WSGI) as each kind of caller that can pass the operation's gate: an admin's API
key (every operation), a dispatcher's session (staff operations), a driver's session (the driver's
operations) and a customer's tracking link (the /track/{token} operations, with a live token). Each caller
belongs to its own organization, so one caller's fuzzing cannot log another out.

Examples are random, from a seed printed in pytest's header (FUZZ_SEED=<n> repeats a run); hypothesis
also replays the failures it saved. The same callers are fuzzed again on PostgreSQL, which refuses what
SQLite stores silently (a NUL character in text, integers beyond 64 bits).
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from http.cookies import SimpleCookie

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error

from backend.routing import views as routing_views
from tests.conftest import FUZZ_SEED, base_config
from tests.support import PASSWORD, PIN, TZ, Api, make_org

FUZZ_CONFIG = {"TRACK_RATE_LIMIT": "100000 per minute", "TRACK_WRITE_RATE_LIMIT": "100000 per minute",
               "LOGIN_LOCKOUT_AFTER": 0}
# Ending the fuzzing caller's own session would only make the rest of its run a string of 401s.
NOT_AS_SESSION = {"POST /api/v1/auth/logout"}


def _session(api: Api, response) -> dict:
    cookie = SimpleCookie(response.headers["Set-Cookie"])
    name = next(key for key in cookie if key.startswith("session"))
    return {"cookies": {name: cookie[name].value}, "headers": {"X-CSRF-Token": api.csrf}}


def build_callers(app) -> dict:
    """The callers of a fuzz run, each in its own organization, with a little data to act on."""
    from tests.dispatch.helpers import make_orders, make_route

    keyed = make_org(app, "fuzz-key", 5145550600)
    admin_key = keyed.as_role("admin").post("/api/v1/api-keys", json={"name": "fuzz", "role": "admin"}).get_json()
    keyed.as_role("dispatcher").post("/api/v1/orders", json={"external_ref": "seed", "address": "1 Rue A",
                                                             "lat": 45.5, "lon": -73.6})
    staffed = make_org(app, "fuzz-staff", 5145550610)
    make_orders(staffed.as_role("dispatcher"), 2, prefix="S")
    dispatcher = Api(app)
    dispatcher_login = dispatcher.login(staffed.emails["dispatcher"], PASSWORD)
    driven = make_org(app, "fuzz-driver", 5145550620)
    planner = driven.as_role("dispatcher")
    today = datetime.now(TZ).date()  # the driver's route of the day: /driver/route answers it
    order_ids = make_orders(planner, 3, prefix="D", day=today)
    make_route(planner, driven, order_ids, day=today, publish=True)
    token = planner.get(f"/api/v1/orders/{order_ids[0]}").get_json()["tracking_token"]
    driver = Api(app)
    driver_login = driver.login(driven.driver_phone, PIN)
    return {
        "admin_key": {"headers": {"Authorization": f"Bearer {admin_key['secret']}"}},
        "dispatcher": _session(dispatcher, dispatcher_login),
        "driver": _session(driver, driver_login),
        "tracking": {"token": token},
    }


def _build_sqlite_app():
    """Built at import: schemathesis parametrizes at collection, before fixtures exist."""
    import tempfile
    from pathlib import Path

    from flask_migrate import upgrade

    from backend import create_app

    folder = Path(tempfile.mkdtemp(prefix="lastmile-fuzz-"))
    app = create_app(base_config(f"sqlite:///{folder / 'lastmile.db'}", folder, **FUZZ_CONFIG))
    with app.app_context():
        upgrade()
    return app, build_callers(app)


APP, CALLERS = _build_sqlite_app()
# A problem VROOM can solve waits (up to its time limit, 60 s by default) for a job worker, and none runs
# here: since the document describes VROOM's body, most generated problems are solvable. /vroom's inputs,
# good and bad, are covered field by field in tests/vroom/ (conformance suite, a worker running).
WAITS_FOR_A_SOLVER = ["POST /api/v1/vroom"]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP).exclude(name=WAITS_FOR_A_SOLVER)


def _labels(*, roles=None, public_with_token=False) -> list[str]:
    from backend.api import REGISTRY

    labels = []
    for spec in REGISTRY:
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", spec.rule)
        label = f"{spec.method} {path}"
        if public_with_token:
            wanted = not spec.roles and "{token}" in path
        else:
            wanted = any(role in spec.roles for role in roles) and label not in NOT_AS_SESSION
        if wanted:
            labels.append(label)
    return sorted(set(labels))


def _operations(labels: list[str]):
    return schema.include(name=labels)


# vroom-express's health check answers 500 when no solver answers: here no job worker runs, and each call
# waits for one (up to 10 s; a fraction of a second here), so only the first run below calls it.
HEALTH_CHECKS = {"/api/v1/vroom/health"}
routing_views.HEALTH_WAIT_S = 0.3
WITHOUT_HEALTH_CHECKS = schema.exclude(path=sorted(HEALTH_CHECKS))
NOT_AS_SESSION |= {f"GET {path}" for path in HEALTH_CHECKS}


STAFF_OPERATIONS = _operations(_labels(roles=("dispatcher",)))
DRIVER_OPERATIONS = _operations(_labels(roles=("driver",)))
TRACKING_OPERATIONS = _operations(_labels(public_with_token=True))

VROOM_COMPATIBLE = {"/api/v1/vroom"}  # speaks vroom-express: errors are VROOM's {"code", "error"}


def _assert_error_shape(case, response):
    if response.status_code >= 400:
        body = response.json()
        if case.operation.path in VROOM_COMPATIBLE and isinstance(body.get("error"), str):
            assert isinstance(body["code"], int), body  # a problem VROOM itself would refuse
            return
        assert response.headers["content-type"] == ["application/problem+json"], response.headers
        assert {"type", "title", "status", "detail", "instance", "code", "fields", "error"} <= set(body), body
        assert body["status"] == response.status_code
        assert isinstance(body["code"], str) and isinstance(body["detail"], str) and isinstance(body["fields"], dict)
        assert body["error"]["code"] == body["code"] and body["error"]["message"] == body["detail"]


# (caller, operation) -> what the gate said: whether any request got past authorization.
PAST_THE_GATE: dict[tuple[str, str], bool] = defaultdict(bool)


def _past_the_gate(caller: str, response) -> bool:
    if response.status_code in (401, 403):
        return False
    if caller == "tracking" and response.status_code in (404, 410):
        body = response.json() if response.content else {}
        return body.get("detail") not in ("No such tracking link.", "This tracking link has expired.")
    return True


def _call(case, caller_name: str, callers: dict, app=None):
    caller = callers[caller_name]
    kwargs = {"app": app} if app is not None else {}
    if "token" in caller:
        case.path_parameters["token"] = caller["token"]
    else:
        kwargs.update(headers=caller.get("headers"), cookies=caller.get("cookies"))
    response = case.call(**kwargs)
    if case.operation.path in HEALTH_CHECKS and response.status_code == 500:
        assert response.content == b""  # unhealthy, as vroom-express says it
        return response
    case.validate_response(response, checks=[not_a_server_error])
    _assert_error_shape(case, response)
    key = (caller_name, f"{case.operation.method.upper()} {case.operation.path}")
    PAST_THE_GATE[key] = PAST_THE_GATE[key] or _past_the_gate(caller_name, response)
    return response


def fuzz_settings(examples: int):
    """Random examples (not the same ones every run) from the printed seed, within a time budget."""
    return settings(max_examples=examples, deadline=None, derandomize=False, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --- SQLite ----------------------------------------------------------------------------------------

@schema.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(10)
def test_no_input_makes_a_server_error(case):
    _call(case, "admin_key", CALLERS)


@STAFF_OPERATIONS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(4)
def test_no_input_makes_a_server_error_in_a_dispatchers_session(case):
    _call(case, "dispatcher", CALLERS)


@DRIVER_OPERATIONS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(15)
def test_no_input_makes_a_server_error_in_a_drivers_session(case):
    _call(case, "driver", CALLERS)


@TRACKING_OPERATIONS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(15)
def test_no_input_makes_a_server_error_with_a_tracking_link(case):
    _call(case, "tracking", CALLERS)


def test_the_driver_and_tracking_runs_got_past_the_gate_of_every_operation():
    """Fuzzing that only ever hears 401/403 (or "no such tracking link") tests nothing behind the gate: as an
    admin's key, the driver's operations and the tracking link's never got past it."""
    for caller, labels in (("driver", _labels(roles=("driver",))), ("tracking", _labels(public_with_token=True))):
        ran = [label for label in labels if (caller, label) in PAST_THE_GATE]
        if not ran:
            pytest.skip(f"the {caller} fuzz run was not selected")
        assert len(labels) >= 4
        stuck = [label for label in ran if not PAST_THE_GATE[(caller, label)]]
        assert stuck == [], f"{caller}: never past the gate of {stuck}"


# --- PostgreSQL -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres_fuzz(postgres_url, tmp_path_factory):
    """The same callers on PostgreSQL (a database of this session, emptied first)."""
    from backend import create_app
    from backend.extensions import db
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    app = create_app(base_config(postgres_url, tmp_path_factory.mktemp("fuzz-pg"), **FUZZ_CONFIG))
    yield app, build_callers(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@WITHOUT_HEALTH_CHECKS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(4)
def test_no_input_makes_a_server_error_on_postgresql(case, postgres_fuzz):
    app, callers = postgres_fuzz
    _call(case, "admin_key", callers, app)


@DRIVER_OPERATIONS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(6)
def test_no_input_makes_a_server_error_in_a_drivers_session_on_postgresql(case, postgres_fuzz):
    app, callers = postgres_fuzz
    _call(case, "driver", callers, app)


@TRACKING_OPERATIONS.parametrize()
@seed(FUZZ_SEED)
@fuzz_settings(6)
def test_no_input_makes_a_server_error_with_a_tracking_link_on_postgresql(case, postgres_fuzz):
    app, callers = postgres_fuzz
    _call(case, "tracking", callers, app)
