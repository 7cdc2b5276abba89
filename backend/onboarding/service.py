"""First run and the setup checklist.

An empty installation (no organization) lets one visitor create the first organization and its admin
from the browser. Whoever reaches a freshly started server first must not be able to claim it, so the
sign-up asks for a setup code that only the operator can read: the server prints it in its log at start
while no organization exists, and `lastmile setup-code` prints it too (as Jenkins does with its initial
admin password). The code is derived from SECRET_KEY, so every worker of a scale-out agrees on it without
storing anything, and it stops working the moment the first organization exists.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

from flask import current_app
from sqlalchemy import func, select, text

from backend.auth import service as auth_service
from backend.auth.models import Organization, Role, User
from backend.errors import Conflict, Forbidden
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.notify.models import MessageTemplate
from backend.onboarding import self_test
from backend.unit_of_work import transactional

CHECKLIST = ("depot", "vehicles", "drivers", "wording", "test_message")


def setup_code() -> str:
    """Ten letters and digits from SECRET_KEY (HMAC): the operator's proof of owning the server."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), b"lastmile first organization", hashlib.sha256)
    return base64.b32encode(digest.digest()).decode()[:10]


def needs_first_organization() -> bool:
    return db.session.scalar(select(func.count()).select_from(Organization)) == 0


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return (re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "organization")[:80]


@transactional
def create_first_organization(data: dict) -> User:
    """The one-time sign-up: refused once any organization exists, and without the right setup code."""
    given = re.sub(r"[\s-]", "", data["setup_code"]).upper()
    if not hmac.compare_digest(given.encode(), setup_code().encode()):
        raise Forbidden("Wrong setup code. It is printed in the server's log when it starts, and by "
                        "`lastmile setup-code`.", code="bad_setup_code", fields={"setup_code": ["Wrong code."]})
    if db.engine.dialect.name == "postgresql":
        # Two sign-ups at once would each see no organization: the second waits here, then sees the first.
        db.session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
    if not needs_first_organization():
        raise Conflict("This installation already has an organization; ask its admin for an account.",
                       code="already_set_up")
    org = auth_service.create_organization(data["organization_name"], _slug(data["organization_name"]),
                                           currency=data["currency"])
    org.settings = {"onboarding": {"checklist": True}}
    return auth_service.build_user(org.id, name=data["admin_name"], role=Role.admin, email=data["email"],
                                   password=data["password"], language=data["language"])


def checklist(org_id: int) -> dict:
    """What a new organization still has to set up before its first day. Organizations that existed before
    the checklist (or were made by the command line or the demo) are not nagged."""
    org = auth_service.get_organization(org_id)
    onboarding = (org.settings or {}).get("onboarding") or {}

    def exists(model) -> bool:
        return db.session.scalar(select(model.id).where(model.org_id == org_id).limit(1)) is not None

    done = {
        "depot": exists(Depot),
        "vehicles": exists(Vehicle),
        "drivers": exists(Driver),
        "wording": bool(onboarding.get("wording_reviewed")) or exists(MessageTemplate),
        "test_message": self_test.reached(org_id),
    }
    items = [{"key": key, "done": done[key]} for key in CHECKLIST]
    return {"show": bool(onboarding.get("checklist")) and not all(done.values()), "items": items}


@transactional
def mark_wording_reviewed(org_id: int) -> None:
    """The built-in wording suits the organization: the checklist item is done without writing a template."""
    org = auth_service.get_organization(org_id)
    settings = dict(org.settings or {})
    settings["onboarding"] = {**(settings.get("onboarding") or {}), "wording_reviewed": True}
    org.settings = settings
