"""Accounts, logins and API keys. Each public function is one use case and owns its commit."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, or_, select, update

from backend.auth import lockout
from backend.auth.models import ApiKey, LoginSession, Organization, Role, User
from backend.auth.passwords import hash_secret, needs_rehash, verify_secret
from backend.auth.principal import Principal
from backend.database import utcnow
from backend.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthorized
from backend.extensions import db
from backend.green import offload
from backend.validators import normalize_phone
from backend.unit_of_work import transactional, unit_of_work

API_KEY_PREFIX = "lm_"


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def normalized_login(identifier: str) -> str:
    """One key per login however it is written: emails in lower case, phones in E.164."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return identifier.lower()[:254]
    return normalize_phone(identifier[:32]) or identifier.lower()[:254]


def find_login(identifier: str) -> User | None:
    identifier = identifier.strip()
    if "@" in identifier:
        return db.session.scalar(select(User).where(User.email == identifier.lower()))
    phone = normalize_phone(identifier[:32])
    if phone is None:
        return None
    return db.session.scalar(select(User).where(User.phone == phone))


# Called with (user, lock_seconds) in the failed login's transaction when a known account gets locked:
# how admins hear of it (backend/notify installs the alert) without auth depending on notify.
LOCK_LISTENERS: list = []


def principal_for_user(user: User, *, via_session: bool) -> Principal:
    driver_id = None
    if user.role is Role.driver:
        profile = user.driver_profile  # fleet's Driver, by the backref fleet declares
        driver_id = profile.id if profile is not None else None
    return Principal(kind="user", id=user.id, org_id=user.org_id, role=user.role, name=user.name,
                     language=user.language, driver_id=driver_id, via_session=via_session)


def login(identifier: str, secret: str) -> User:
    """A login names a user by email or phone. Staff use a password; drivers a password or a PIN.

    A failed login costs two hash verifications whoever it names (a driver's password and PIN, a dummy
    hash for what is missing or for nobody), so its duration does not tell which logins exist. Repeated
    failures lock the login (backend/auth/lockout.py) and alert the account's admins.

    Two units of work, one per outcome: a success records the login and opens its server-side session; a
    failure that locks an account commits the admins' alert on its own, since the refused login raises.
    """
    key = normalized_login(identifier)
    wait = lockout.locked_for(key)
    if wait is not None:
        raise DomainError("Too many failed logins; try again later.", code="login_locked", status=429,
                          headers={"Retry-After": str(wait)}, extra={"retry_after_s": wait})
    user = find_login(identifier)
    slots = [None, None]
    if user is not None and user.active:
        slots = [user.password_hash, user.pin_hash if user.role is Role.driver else None]
    matched = None
    for stored in slots:
        if offload(verify_secret, stored, secret):
            matched = stored
            break
    if user is None or matched is None:
        locked = lockout.record_failure(key)
        if locked and user is not None:
            with unit_of_work():
                for listener in LOCK_LISTENERS:
                    listener(user, locked)
        raise Unauthorized("Wrong login or password.", code="bad_credentials")
    lockout.clear(key)
    with unit_of_work():
        if matched == user.password_hash and needs_rehash(matched):
            user.password_hash = hash_secret(secret)
        user.last_login_at = utcnow()
        record = open_session(user)
    session.clear()
    session.update(session_cookie_values(user, record))
    session.permanent = True
    return user


def open_session(user: User) -> LoginSession:
    """A new server-side session for `user` (added, not committed); the user's dead ones are cleared away."""
    now = utcnow()
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.expires_at < now, LoginSession.revoked_at < now - timedelta(days=1))))
    record = LoginSession(id=secrets.token_urlsafe(32), org_id=user.org_id, user_id=user.id, created_at=now,
                          expires_at=now + current_app.permanent_session_lifetime)
    db.session.add(record)
    return record


def session_cookie_values(user: User, record: LoginSession) -> dict:
    """What the signed cookie carries: the server-side session it names, and the CSRF token."""
    return {"uid": user.id, "sid": record.id, "epoch": user.session_epoch, "csrf": secrets.token_urlsafe(32)}


def logout() -> None:
    """The session is revoked on the server: a copy of the cookie taken before stops working too."""
    sid = session.get("sid")
    if isinstance(sid, str):
        with unit_of_work():
            db.session.execute(update(LoginSession).where(LoginSession.id == sid, LoginSession.revoked_at.is_(None))
                               .values(revoked_at=utcnow()))
    session.clear()


def _revoke_sessions_of(user: User) -> None:
    """Every session of the user ends (added to the caller's transaction): deactivation, new password or PIN."""
    user.session_epoch += 1
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def revoked_sessions_since(moment) -> set[str]:
    """Sessions revoked at or after `moment` (for disconnecting their sockets)."""
    return set(db.session.scalars(select(LoginSession.id).where(LoginSession.revoked_at >= moment)))


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def user_from_session() -> User | None:
    """The cookie's user, if the server-side session it names is still open."""
    uid, sid = session.get("uid"), session.get("sid")
    if uid is None:
        return None
    record = db.session.get(LoginSession, sid) if isinstance(sid, str) else None
    user = db.session.get(User, uid) if record is not None else None
    if (user is None or record.user_id != user.id or record.revoked_at is not None or record.expires_at <= utcnow()
            or not user.active or user.session_epoch != session.get("epoch")):
        session.clear()
        return None
    return user


# --- API keys -------------------------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transactional
def create_api_key(org_id: int, name: str, role: Role, created_by_id: int | None) -> tuple[ApiKey, str]:
    """The secret is shown once, at creation; we keep only its SHA-256 (keys are random, not passwords)."""
    if role is Role.driver:
        raise InvalidInput("API keys are for integrations: role admin or dispatcher.", fields={"role": ["invalid"]})
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(org_id=org_id, name=name, prefix=prefix, key_hash=_digest(secret), role=role,
                 created_by_id=created_by_id)
    db.session.add(key)
    return key, secret


@transactional
def principal_for_api_key(secret: str) -> Principal | None:
    """An integration authenticates with its key: a use case of its own, which records the key's last use."""
    match = re.fullmatch(rf"{API_KEY_PREFIX}([0-9a-f]{{12}})_[\w-]+", secret or "")
    if not match:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == match.group(1)))
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    now = utcnow()
    # Touch at most once a minute: the hot path should not write on every request.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now
    return Principal(kind="api_key", id=key.id, org_id=key.org_id, role=key.role, name=key.name)


def list_api_keys(org_id: int) -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)))


@transactional
def revoke_api_key(org_id: int, key_id: int) -> None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.org_id == org_id, ApiKey.id == key_id))
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()


# --- Users ----------------------------------------------------------------------------------------

def get_user(org_id: int, user_id: int) -> User:
    user = db.session.scalar(select(User).where(User.org_id == org_id, User.id == user_id))
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(org_id: int, role: Role | None = None):
    statement = select(User).where(User.org_id == org_id).order_by(User.id)
    if role is not None:
        statement = statement.where(User.role == role)
    return statement


def _check_unique(email: str | None, phone: str | None, exclude_id: int | None = None) -> None:
    errors = {}
    if email and db.session.scalar(select(User.id).where(User.email == email, User.id != (exclude_id or -1))):
        errors["email"] = ["Another account uses this email."]
    if phone and db.session.scalar(select(User.id).where(User.phone == phone, User.id != (exclude_id or -1))):
        errors["phone"] = ["Another account uses this phone number."]
    if errors:
        raise Conflict("The login is taken.", code="login_taken", fields=errors)


def build_user(org_id: int, *, name: str, role: Role, email: str | None = None, phone: str | None = None,
               password: str | None = None, pin: str | None = None, language: str = "en") -> User:
    """Validate and add a user to the session without committing (used by user and driver creation)."""
    email = normalize_email(email)
    if not email and not phone:
        raise InvalidInput("A user needs an email or a phone number to log in.",
                           fields={"email": ["Give an email or a phone."]})
    if role is not Role.driver and not password:
        raise InvalidInput("Admins and dispatchers log in with a password.", fields={"password": ["Required."]})
    if role is Role.driver and not (password or pin):
        raise InvalidInput("A driver needs a PIN or a password.", fields={"pin": ["Give a PIN or a password."]})
    if pin and role is not Role.driver:
        raise InvalidInput("Only drivers log in with a PIN.", fields={"pin": ["Only for drivers."]})
    _check_unique(email, phone)
    user = User(org_id=org_id, name=name, role=role, email=email, phone=phone, language=language,
                password_hash=offload(hash_secret, password) if password else None,
                pin_hash=offload(hash_secret, pin) if pin else None)
    db.session.add(user)
    return user


@transactional
def create_user(org_id: int, **data) -> User:
    return build_user(org_id, **data)


@transactional
def update_user(org_id: int, user_id: int, data: dict, *, actor: Principal) -> User:
    user = get_user(org_id, user_id)
    if "email" in data:
        data["email"] = normalize_email(data["email"])
    _check_unique(data.get("email"), data.get("phone"), exclude_id=user.id)
    if user.id == actor.user_id and ("role" in data and data["role"] is not user.role or data.get("active") is False):
        raise Conflict("You cannot change your own role or deactivate yourself.", code="self_lockout")
    for name in ("name", "email", "phone", "language", "role", "active"):
        if name in data:
            setattr(user, name, data[name])
    if data.get("password"):
        user.password_hash = offload(hash_secret, data["password"])
        _revoke_sessions_of(user)
    if data.get("pin"):
        if user.role is not Role.driver:
            raise InvalidInput("Only drivers log in with a PIN.", fields={"pin": ["Only for drivers."]})
        user.pin_hash = offload(hash_secret, data["pin"])
        _revoke_sessions_of(user)
    if data.get("active") is False:
        _revoke_sessions_of(user)
    return user


@transactional
def update_own_settings(principal: Principal, data: dict) -> User:
    """What any user may change of their own account, whatever their role: their language."""
    user = get_user(principal.org_id, principal.id)
    user.language = data["language"]
    return user


def create_organization(name: str, slug: str, *, is_practice: bool = False, currency: str = "CAD",
                        settings: dict | None = None) -> Organization:
    if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise Conflict("An organization with this slug exists.", code="slug_taken", fields={"slug": ["Taken."]})
    org = Organization(name=name, slug=slug, is_practice=is_practice, currency=currency, settings=settings or {})
    db.session.add(org)
    db.session.flush()
    return org


def get_organization(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return org
