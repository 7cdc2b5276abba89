"""Resolving the caller on every request, and CSRF protection for cookie sessions.

Cookie-authenticated writes must carry the session's token in `X-CSRF-Token` (double submit);
bearer API keys are not sent by browsers on their own, so they need none.
"""
from __future__ import annotations

import hmac

from flask import Flask, g, request, session

from backend.auth import service
from backend.errors import Forbidden

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def resolve_principal() -> None:
    g.principal = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.principal = service.principal_for_api_key(header[7:].strip())
        return
    if "uid" not in session:
        return
    user = service.user_from_session()
    if user is None:
        return
    g.principal = service.principal_for_user(user, via_session=True)
    if request.method not in SAFE_METHODS and request.path.startswith("/api/"):
        sent = request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            raise Forbidden("Missing or wrong X-CSRF-Token header.", code="csrf_failed")


def init_app(app: Flask) -> None:
    app.before_request(resolve_principal)
