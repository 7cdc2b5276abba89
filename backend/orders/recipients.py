"""The people orders are delivered to, kept per organization: looked up, listed, created and edited by staff."""
from __future__ import annotations

from sqlalchemy import or_, select

from backend.errors import NotFound
from backend.extensions import db
from backend.orders.models import Recipient
from backend.unit_of_work import transactional


def get_recipient(org_id: int, recipient_id: int) -> Recipient:
    found = db.session.scalar(select(Recipient).where(Recipient.org_id == org_id, Recipient.id == recipient_id))
    if found is None:
        raise NotFound("No such recipient.")
    return found


def recipients_statement(org_id: int, q: str | None = None):
    statement = select(Recipient).where(Recipient.org_id == org_id).order_by(Recipient.id)
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(Recipient.name.ilike(pattern), Recipient.phone.ilike(pattern),
                                        Recipient.email.ilike(pattern)))
    return statement


@transactional
def create_recipient(org_id: int, data: dict) -> Recipient:
    recipient = Recipient(org_id=org_id, **data)
    db.session.add(recipient)
    return recipient


@transactional
def update_recipient(org_id: int, recipient_id: int, data: dict) -> Recipient:
    recipient = get_recipient(org_id, recipient_id)
    for name, value in data.items():
        setattr(recipient, name, value)
    return recipient
