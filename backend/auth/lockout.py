"""Per-login lockout: guessing a 4-digit PIN must take years, not an afternoon.

Business rules
- Failed logins are counted per normalised login (the same phone written `514-555-2206` or
  `(514) 555-2206` is one login), whatever address they come from; the count lives 24 hours from the
  first failure and a successful login clears it.
- From the LOGIN_LOCKOUT_AFTER-th failure on, the login is locked for LOGIN_LOCKOUT_BASE_S, doubling
  with every further failure up to LOGIN_LOCKOUT_MAX_S. While locked every attempt is refused (429 with
  Retry-After) without looking at the password, so a lock cannot be used to test guesses.
- Logins that name nobody are counted and locked the same way: a lock must not tell whether an
  account exists.
- State lives in the rate limiter's storage (memory in the embedded default, Redis when scaled out), so
  every web process sees the same count.
"""
from __future__ import annotations

import hashlib
import time

from flask import current_app

from backend.extensions import limiter

COUNT_WINDOW_S = 24 * 3600


def _keys(login_key: str) -> tuple[str, str]:
    digest = hashlib.sha256(login_key.encode()).hexdigest()[:32]
    return f"lastmile/login-failures/{digest}", f"lastmile/login-lock/{digest}"


def locked_for(login_key: str) -> int | None:
    """Seconds until this login may try again, or None when it is not locked."""
    _, lock = _keys(login_key)
    storage = limiter.storage
    if not storage.get(lock):
        return None
    remaining = storage.get_expiry(lock) - time.time()
    return max(1, int(remaining + 0.999)) if remaining > 0 else None


def record_failure(login_key: str) -> int | None:
    """Count one failure; returns the lock's length in seconds when this failure starts a lock."""
    failures_key, lock = _keys(login_key)
    config = current_app.config
    storage = limiter.storage
    failures = storage.incr(failures_key, COUNT_WINDOW_S)
    after = config["LOGIN_LOCKOUT_AFTER"]
    if after <= 0 or failures < after:
        return None
    seconds = min(config["LOGIN_LOCKOUT_BASE_S"] * 2 ** min(failures - after, 30), config["LOGIN_LOCKOUT_MAX_S"])
    storage.clear(lock)
    storage.incr(lock, seconds)
    return int(seconds)


def clear(login_key: str) -> None:
    for key in _keys(login_key):
        limiter.storage.clear(key)
