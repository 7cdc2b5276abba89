"""Every endpoint, every role: who is refused (401 anonymous, 403 wrong role) and who gets through.

The matrix is read from the endpoint registry, so a new endpoint is covered the day it is added.
"""
import re

import pytest

from backend import create_app  # noqa: F401  (registers every endpoint)
from backend.api import REGISTRY
from backend.auth.models import Role
from tests.support import make_org

ROLES = ["anonymous", "admin", "dispatcher", "driver", "api_key"]
ROLE_OF = {"admin": Role.admin, "dispatcher": Role.dispatcher, "driver": Role.driver, "api_key": Role.dispatcher}
# Allowed by role, refused for another reason that the matrix states explicitly.
EXCEPTIONS = {("GET", "/api/v1/auth/me", "api_key"): 403}
# Signed by Twilio rather than a login: an unsigned call is refused whatever the role.
EXCEPTIONS.update({("POST", f"/api/v1/notify/twilio/{hook}", role): 403
                   for hook in ("status", "inbound") for role in ROLES})
# vroom-express's health check answers 500 when no solver answers; no job worker runs beside the matrix.
EXCEPTIONS.update({("GET", "/api/v1/vroom/health", role): 500 for role in ("admin", "dispatcher", "api_key")})
# Public on purpose: logging in, an invitation's one-time link (its token is the key), the customer's tracking
# link (its token is the key), the push key,
# Twilio's signed webhooks, and the first run (whether an installation is empty; its one-time sign-up, which
# needs the setup code from the server's log).
PUBLIC_RULES = {"/api/v1/setup", "/api/v1/setup/organization", "/api/v1/invitations/preview",
                "/api/v1/invitations/accept",
                "/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/push/vapid-public-key",
                "/api/v1/track/<string:token>", "/api/v1/track/<string:token>/instructions",
                "/api/v1/track/<string:token>/rating", "/api/v1/track/<string:token>/push-subscription",
                "/api/v1/track/<string:token>/files/<string:file_id>", "/api/v1/track/<string:token>/map",
                "/api/v1/track/<string:token>/rebooking", "/api/v1/track/<string:token>/receipt.pdf",
                "/api/v1/notify/twilio/status", "/api/v1/notify/twilio/inbound"}


def _endpoints():
    from tests.conftest import base_config  # the registry fills when an app is created

    import tempfile
    create_app(base_config("sqlite://", tempfile.mkdtemp()))
    seen, unique = set(), []
    for spec in REGISTRY:
        key = (spec.method, spec.rule)
        if key not in seen:
            seen.add(key)
            unique.append(spec)
    return unique


ENDPOINTS = _endpoints()
CASES = [(spec, role) for spec in ENDPOINTS for role in ROLES]


def test_every_endpoint_declares_its_roles():
    assert len(ENDPOINTS) > 30
    for spec in ENDPOINTS:
        assert isinstance(spec.roles, tuple), spec.rule
        if not spec.roles:
            assert spec.rule in PUBLIC_RULES, f"{spec.rule} is public"


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory, sqlite_template):
    import shutil

    from backend.routing import views as routing_views

    from backend.extensions import db
    from tests.conftest import base_config

    folder = tmp_path_factory.mktemp("matrix")
    shutil.copy(sqlite_template, folder / "lastmile.db")
    app = create_app(base_config(f"sqlite:///{folder / 'lastmile.db'}", folder))
    org = make_org(app, "matrix", 5145550300)
    unhealthy_after, routing_views.HEALTH_WAIT_S = routing_views.HEALTH_WAIT_S, 0.3
    yield app, org
    routing_views.HEALTH_WAIT_S = unhealthy_after
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("spec,role", CASES, ids=[f"{s.method} {s.rule} as {r}" for s, r in CASES])
def test_role_matrix(matrix_app, spec, role):
    app, org = matrix_app
    api = org.as_role(role)
    path = re.sub(r"<(?:\w+:)?\w+>", "999999", spec.rule)
    kwargs = {"json": {}} if spec.method in ("POST", "PUT", "PATCH") and spec.body is not None else {}
    response = api.request(spec.method, path, **kwargs)
    status = response.status_code
    expected = EXCEPTIONS.get((spec.method, spec.rule, role))
    if expected:
        assert status == expected
    elif not spec.roles:
        assert status not in (401, 403)
    elif role == "anonymous":
        assert status == 401, response.get_json()
        assert response.get_json()["error"]["code"] == "unauthorized"
    elif ROLE_OF[role] in spec.roles:
        assert status not in (401, 403), response.get_json()
        assert status < 500
    else:
        assert status == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"
