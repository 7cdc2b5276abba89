"""The one JSON error shape: {"error": {"code", "message", "fields"}}.

Services raise DomainError subclasses; views never build error responses by hand. Anything that
escapes as a plain exception is a bug and is logged, but the client still gets the same shape.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None,
                 status: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}

    def to_dict(self) -> dict:
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


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(ValidationError)
    def _validation(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return jsonify(error_body("invalid", "The request has invalid fields.", messages)), 422

    @app.errorhandler(IntegrityError)
    def _integrity(err: IntegrityError):
        # Races between two writers end here (a unique key taken meanwhile); validation should catch the rest.
        log.warning("integrity error on %s %s: %s", request.method, request.path, err.orig)
        from backend.extensions import db

        db.session.rollback()
        return jsonify(error_body("conflict", "The change conflicts with existing data; reload and retry.")), 409

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        message = err.description or err.name
        if status == 429:
            message = f"Too many attempts; try again later ({err.description})."
        response = jsonify(error_body(code, message))
        response.status_code = status
        if status == 405 and hasattr(err, "valid_methods") and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error_body("internal", "An internal error occurred; it has been logged.")), 500
