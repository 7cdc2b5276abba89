"""The Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header).

An integration that may retry a POST (a timeout, a dropped connection) sends a key it made up, e.g. a
UUID, as `Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"` (a structured-field string; the bare
form is accepted too). For IDEMPOTENCY_KEY_HOURS the key belongs to the caller (the API key or user) in
its organization:

- the same key with the same request (method, path, query and body) again: the first answer is replayed
  (status, body, Location and ETag) with `Idempotent-Replayed: true`, and nothing is done twice;
- the same key with a different request: 422 `idempotency_key_reused`, nothing done;
- the same key while the first request is still being processed: 409 `idempotency_key_in_use` with
  `Retry-After`.

The key is recorded in the same transaction as the change it guards (the row is flushed before the use
case runs, so a concurrent request with the key waits on the unique index and then finds it), so a key is
spent exactly when its change is made. A request that fails (4xx, 5xx) changes nothing and spends no key:
it may be retried with the same key, even with a corrected body.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from flask import Response, current_app, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backend.api.models import IdempotencyRecord
from backend.database import utcnow
from backend.errors import Conflict, DomainError, InvalidInput
from backend.extensions import db
from backend.unit_of_work import unit_of_work

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def requested_key() -> str | None:
    """The key the request carries (quotes of the structured-field string removed), or None."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not _KEY.match(key):
        raise DomainError("Idempotency-Key must be 1 to 255 printable ASCII characters, e.g. a UUID.",
                          code="idempotency_key_invalid", status=400, fields={HEADER: ["Invalid."]})
    return key


def _fingerprint() -> str:
    """What makes two requests "the same": method, path with query, and the body (JSON compared by value)."""
    data = request.get_data(cache=True)
    if request.is_json:
        try:
            data = json.dumps(json.loads(data or b"null"), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(data)
    return digest.hexdigest()


def _caller(principal) -> str:
    return f"{principal.kind}:{principal.id}"


def _find(org_id: int, caller: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.org_id == org_id, IdempotencyRecord.caller == caller, IdempotencyRecord.key == key))


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.body or b"", status=record.status)
    for name, value in (record.headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _answer_existing(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise InvalidInput("This Idempotency-Key was already used with another request; use a new key for a new "
                           "request.", code="idempotency_key_reused", fields={HEADER: ["Used for another request."]})
    if record.status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.",
                       code="idempotency_key_in_use", headers={"Retry-After": "1"})
    return _replay(record)


def run_once(principal, key: str, handle) -> Response:
    """Answer the request with `handle()` once per key, replaying that answer to every retry."""
    org_id, caller, fingerprint = principal.org_id, _caller(principal), _fingerprint()
    expires = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    existing = _find(org_id, caller, key)
    if existing is not None and existing.created_at >= expires:
        return _answer_existing(existing, fingerprint)
    # Keys past their time are forgotten (this organization's, in passing: no sweeper needed).
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.org_id == org_id,
                                                       IdempotencyRecord.created_at < expires))
    record = IdempotencyRecord(org_id=org_id, caller=caller, key=key, method=request.method,
                               path=request.path[:500], fingerprint=fingerprint, headers={})
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request with this key got there first (it waited for it to commit): answer as a retry.
        db.session.rollback()
        return _answer_existing(_find(org_id, caller, key), fingerprint)
    try:
        response = handle()
    except BaseException:
        db.session.rollback()
        _forget(org_id, caller, key)
        raise
    if response.status_code >= 400:
        db.session.rollback()
        _forget(org_id, caller, key)
        return response
    _remember(record, org_id, caller, key, fingerprint, response)
    return response


def _remember(record, org_id, caller, key, fingerprint, response: Response) -> None:
    with unit_of_work():
        stored = _find(org_id, caller, key)
        if stored is None:  # the use case rolled its session back on a path that still succeeded
            stored = IdempotencyRecord(org_id=org_id, caller=caller, key=key, method=record.method,
                                       path=record.path, fingerprint=fingerprint)
            db.session.add(stored)
        stored.status = response.status_code
        stored.body = response.get_data()
        stored.headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}


def _forget(org_id: int, caller: str, key: str) -> None:
    """A request that failed spends no key (its use case may have committed a row before failing: remove it)."""
    with unit_of_work():
        db.session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.org_id == org_id, IdempotencyRecord.caller == caller, IdempotencyRecord.key == key,
            IdempotencyRecord.status.is_(None)))
