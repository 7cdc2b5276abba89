"""Invitations: an admin invites a dispatcher or another admin by email; the invitee opens a one-time link,
chooses a password and is logged in. Nobody types a password for somebody else.

Rules
- The link carries a random token in its #fragment (never sent to a server log by the browser); only its
  SHA-256 is stored. It works once, until it expires (INVITATION_TTL) or is revoked; a resend makes a new
  token, so the older link stops working.
- The email goes through the outbox's email channel (a staff message, not about an order). Without an SMTP
  server the admin gets the link once, to hand over themselves; it is never shown again.
- An email that already logs in to an account cannot be invited; one person has one open invitation.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from backend.auth import service as auth_service
from backend.auth.models import Organization, Role, User
from backend.database import utcnow
from backend.errors import Conflict, DomainError, NotFound
from backend.extensions import db
from backend.notify.channels import available
from backend.notify.models import Channel
from backend.notify.service import queue_staff_message
from backend.onboarding.models import Invitation
from backend.public_url import public_base_url
from backend.unit_of_work import transactional

INVITATION_TTL = timedelta(days=7)
INVITABLE = (Role.admin.value, Role.dispatcher.value)

EMAIL = {
    "en": {"subject": "{inviter} invites you to {org} on Lastmile",
           "body": "Hello {name},\n\n{inviter} invites you to join {org} on Lastmile as {role}.\n\n"
                   "Choose your password here (the link works once, until {expires} UTC):\n{link}\n\n"
                   "If you did not expect this, ignore this email.",
           "roles": {"admin": "an admin", "dispatcher": "a dispatcher"}},
    "fr": {"subject": "{inviter} vous invite dans {org} sur Lastmile",
           "body": "Bonjour {name},\n\n{inviter} vous invite à rejoindre {org} sur Lastmile comme {role}.\n\n"
                   "Choisissez votre mot de passe ici (le lien sert une fois, jusqu’au {expires} UTC) :\n{link}\n\n"
                   "Si vous n’attendiez pas ce message, ignorez-le.",
           "roles": {"admin": "administrateur", "dispatcher": "répartiteur"}},
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state_of(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= utcnow() else "open"


def list_invitations(org_id: int) -> list[Invitation]:
    """Open invitations first, then the latest others (accepted, revoked, expired) — at most 100."""
    rows = list(db.session.scalars(select(Invitation).where(Invitation.org_id == org_id)
                                   .order_by(Invitation.id.desc()).limit(100)))
    return sorted(rows, key=lambda row: state_of(row) != "open")


def _get(org_id: int, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.org_id == org_id,
                                                            Invitation.id == invitation_id))
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def _send(invitation: Invitation, inviter: User | None) -> dict:
    """A fresh token for the invitation; emailed when an SMTP server is configured, else handed back once."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _digest(token)
    invitation.expires_at = utcnow() + INVITATION_TTL
    link = f"{public_base_url()}/#invitation={token}"
    if not available("email", current_app.config):
        return {"invitation": invitation, "emailed": False, "link": link}
    org = db.session.get(Organization, invitation.org_id)
    words = EMAIL.get(invitation.language, EMAIL["en"])
    values = {"inviter": inviter.name if inviter else org.name, "org": org.name, "name": invitation.name,
              "role": words["roles"][invitation.role], "link": link,
              "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M")}
    queue_staff_message(invitation.org_id, Channel.email, invitation.email, "invitation",
                        words["subject"].format(**values), words["body"].format(**values),
                        f"invitation:{invitation.id}:{invitation.token_hash[:16]}", language=invitation.language)
    return {"invitation": invitation, "emailed": True, "link": None}


@transactional
def invite(org_id: int, inviter_id: int | None, data: dict) -> dict:
    email = auth_service.normalize_email(data["email"])
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("Someone already logs in with this email.", code="login_taken",
                       fields={"email": ["Another account uses this email."]})
    for other in db.session.scalars(select(Invitation).where(Invitation.org_id == org_id, Invitation.email == email)):
        if state_of(other) == "open":
            raise Conflict("This person already has an open invitation: resend it instead.", code="already_invited",
                           fields={"email": ["Already invited: resend or revoke that invitation."]})
    invitation = Invitation(org_id=org_id, email=email, name=data["name"], role=data["role"],
                            language=data.get("language", "en"), invited_by_id=inviter_id, sent_count=1,
                            token_hash="", expires_at=utcnow())
    db.session.add(invitation)
    db.session.flush()  # the id names the email's dedupe key
    inviter = db.session.get(User, inviter_id) if inviter_id else None
    return _send(invitation, inviter)


@transactional
def resend(org_id: int, invitation_id: int, inviter_id: int | None) -> dict:
    invitation = _get(org_id, invitation_id)
    if state_of(invitation) in ("accepted", "revoked"):
        raise Conflict(f"This invitation was {state_of(invitation)}.", code=f"invitation_{state_of(invitation)}")
    invitation.sent_count += 1
    inviter = db.session.get(User, inviter_id) if inviter_id else None
    return _send(invitation, inviter)


@transactional
def revoke(org_id: int, invitation_id: int) -> Invitation:
    invitation = _get(org_id, invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was accepted: deactivate the user instead.", code="invitation_accepted")
    invitation.revoked_at = invitation.revoked_at or utcnow()
    return invitation


def _open_by_token(token: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _digest(token)))
    state = state_of(invitation) if invitation is not None else None
    if state == "expired":
        raise DomainError("This invitation has expired: ask your admin to send it again.", code="invitation_expired",
                          status=410)
    if state != "open":
        raise NotFound("This invitation link does not work (used, revoked or replaced by a newer one).",
                       code="invitation_not_found")
    return invitation


def preview(token: str) -> dict:
    """What the invitee sees before choosing a password."""
    invitation = _open_by_token(token)
    org = db.session.get(Organization, invitation.org_id)
    return {"organization": org.name, "name": invitation.name, "email": invitation.email, "role": invitation.role,
            "language": invitation.language, "expires_at": invitation.expires_at}


@transactional
def accept(token: str, password: str, name: str | None = None) -> User:
    """The invitee's account, with the password they chose; the invitation is spent."""
    invitation = _open_by_token(token)
    # Spent first, by a conditional update: of two accepts of one link at the same instant, the second finds
    # it taken (and waits for the first's commit on PostgreSQL) instead of failing on the unique e-mail.
    claimed = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed == 0:
        raise NotFound("This invitation link does not work (used, revoked or replaced by a newer one).",
                       code="invitation_not_found")
    user = auth_service.build_user(invitation.org_id, name=name or invitation.name, role=Role(invitation.role),
                                   email=invitation.email, password=password, language=invitation.language)
    db.session.flush()
    invitation.user_id = user.id
    return user
