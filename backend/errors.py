"""The one error shape: RFC 9457 problem details (`application/problem+json`).

    {"type": ".../api/docs#problem-not_found", "title": "Not found", "status": 404,
     "detail": "No such route.", "instance": "/api/v1/routes/9",
     "code": "not_found", "fields": {},                                   <- extension members
     "error": {"code": "not_found", "message": "No such route.", "fields": {}}}   <- before RFC 9457

`code` (stable, machine-readable) and `fields` (what is wrong with which input) are extension members;
the `error` object is the shape clients used before problem details and is kept for them (deprecated:
read `code`, `detail` and `fields`). Extra members a problem carries (e.g. the fresh `route` of a
version conflict) appear at the top level and inside `error`.

Services raise DomainError subclasses; views never build error responses by hand. Anything that
escapes as a plain exception is a bug and is logged, but the client still gets the same shape.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
AUTH_REALM = "Lastmile API"

# Problem types clients meet most; any other `code` is documented where the operation raises it.
PROBLEM_TYPES: dict[str, str] = {
    "bad_request": "The request is malformed.",
    "bad_json": "The body is not valid JSON.",
    "unsupported_media_type": "The body's Content-Type is not one the operation takes (usually application/json).",
    "invalid": "Some input is invalid: `fields` maps each bad field to its messages.",
    "unauthorized": "Nobody is logged in, or the API key is unknown or revoked. See WWW-Authenticate.",
    "bad_credentials": "Wrong login or password.",
    "forbidden": "The caller's role may not do this.",
    "csrf_failed": "A cookie-session write without the session's X-CSRF-Token header.",
    "not_found": "No such resource in the caller's organization (other organizations' ids are not found either).",
    "method_not_allowed": "The path exists but not with this method; see the Allow header.",
    "conflict": "The change conflicts with the current state; reload and retry.",
    "version_conflict": "The route changed since the version you sent; `route` carries the fresh one.",
    "precondition_failed": "If-Match names a representation that is no longer current; the ETag header "
                           "carries the current one.",
    "idempotency_key_reused": "This Idempotency-Key was used before with a different request.",
    "idempotency_key_in_use": "A request with this Idempotency-Key is still being processed; retry after "
                              "Retry-After seconds.",
    "idempotency_key_invalid": "The Idempotency-Key header is not 1 to 255 printable characters.",
    "url_refused": "The server will not send to this URL (https only, public addresses only unless the "
                   "operator allows more): see the README's security model.",
    "too_large": "The body is larger than the server accepts.",
    "rate_limited": "Too many requests; retry after Retry-After seconds.",
    "internal": "A bug on our side; it has been logged.",
}


def title_of(code: str) -> str:
    """A problem type's title: the same text for every occurrence of the type (RFC 9457 §3.1.3)."""
    return code.replace("_", " ").capitalize()


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None,
                 status: int | None = None, extra: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}
        self.headers = headers or {}

    def to_dict(self) -> dict:
        """The pre-RFC 9457 `{"error": {...}}` object (also what a failed job records)."""
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.extra)
        return {"error": body}


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"


def problem(status: int, code: str, detail: str, fields: dict | None = None, extra: dict | None = None) -> dict:
    """The problem details object for one error (see the module docstring)."""
    fields = fields or {}
    extra = {k: v for k, v in (extra or {}).items() if k not in ("type", "title", "status", "detail", "instance")}
    return {"type": f"{request.url_root}api/docs#problem-{code}", "title": title_of(code), "status": status,
            "detail": detail, "instance": request.path, "code": code, "fields": fields, **extra,
            "error": {"code": code, "message": detail, "fields": fields, **extra}}


def problem_response(status: int, code: str, detail: str, fields: dict | None = None, extra: dict | None = None,
                     headers: dict | None = None) -> Response:
    response = Response(json.dumps(problem(status, code, detail, fields, extra)), status=status,
                        mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = _bearer_challenge()
    if status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_rate_limit_retry_after())
    return response


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
}


def _bearer_challenge() -> str:
    """RFC 6750: a bearer API key was sent and refused -> invalid_token; nothing sent -> the bare challenge.
    (Browsers log in with a session cookie instead; the console knows to do that on any 401.)"""
    challenge = f'Bearer realm="{AUTH_REALM}"'
    if request.headers.get("Authorization", "").startswith("Bearer "):
        challenge += ', error="invalid_token", error_description="The API key is unknown or revoked."'
    return challenge


def _rate_limit_retry_after() -> int:
    """Seconds until the limit that refused this request lets the next one through (at least 1)."""
    from backend.extensions import limiter

    try:
        limit = limiter.current_limit
        reset_at = limit.reset_at if limit is not None else None
    except Exception:  # the limiter's storage is gone: say "soon" rather than fail the error page
        reset_at = None
    if reset_at is None:
        return 60
    return max(1, math.ceil(reset_at - time.time()))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return problem_response(err.status, err.code, err.message, err.fields, err.extra, err.headers)

    @app.errorhandler(ValidationError)
    def _validation(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return problem_response(422, "invalid", "The request has invalid fields.", messages)

    @app.errorhandler(IntegrityError)
    def _integrity(err: IntegrityError):
        # Races between two writers end here (a unique key taken meanwhile); validation should catch the rest.
        log.warning("integrity error on %s %s: %s", request.method, request.path, err.orig)
        from backend.extensions import db

        db.session.rollback()
        return problem_response(409, "conflict", "The change conflicts with existing data; reload and retry.")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        message = err.description or err.name or HTTP_STATUS_CODES.get(status, "Error")
        if status == 429:
            message = f"Too many attempts; try again later ({err.description})."
        headers = {}
        if status == 405 and getattr(err, "valid_methods", None):
            headers["Allow"] = ", ".join(err.valid_methods)
        return problem_response(status, code, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "internal", "An internal error occurred; it has been logged.")
