"""Who is calling: resolved once per request (or socket connection) and checked by every endpoint."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g

from backend.auth.models import Role
from backend.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "api_key"
    id: int
    org_id: int
    role: Role
    name: str = ""
    language: str = "en"
    driver_id: int | None = None
    via_session: bool = False

    @property
    def user_id(self) -> int | None:
        return self.id if self.kind == "user" else None

    @property
    def is_driver(self) -> bool:
        return self.role is Role.driver


STAFF = (Role.admin, Role.dispatcher)
ADMIN = (Role.admin,)
DRIVER = (Role.driver,)
ANY_ROLE = (Role.admin, Role.dispatcher, Role.driver)
PUBLIC = ()


def current_principal() -> Principal | None:
    return g.get("principal")


def current_org_id() -> int:
    """The organization of the caller an endpoint has already authorized (every tenant query filters on it)."""
    return current_principal().org_id


def require_principal(roles) -> Principal:
    """The one role check: 401 when nobody is logged in, 403 when the role is not allowed."""
    principal = current_principal()
    if principal is None:
        raise Unauthorized("Log in or send an API key.")
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")
    return principal
