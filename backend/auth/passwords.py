"""Password and PIN hashing with Argon2id (argon2-cffi), the OWASP-recommended choice."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A fixed hash to verify against when the login names nobody, so that the answer takes as long
# whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def use_test_parameters() -> None:
    """Cheap Argon2 parameters for the test suite only (create_app honours it only when TESTING)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
