"""One commit per use case, enforced: the unit of work.

A use case (a service function that changes data: plan a day, publish a route, record a fix) runs
inside exactly one unit of work, which commits once at its end and rolls everything back if it
raises. Helpers and queries never commit; they add, flush and return. Units of work do not nest:
a use case that calls another use case's *transactional* function is refused with
`NestedUnitOfWork`, so two use cases are either composed from their non-committing steps or run one
after the other, explicitly (as Zulip's `transaction.atomic(durable=True)` and Superset's command
`@transaction` do).

Every commit of the app's session is checked: a commit made outside a unit of work is a bug. Under
TESTING it raises `StrayCommit` (so a helper that commits fails its tests); elsewhere it is logged.

    @transactional
    def publish_route(principal, route_id): ...

    with unit_of_work():
        ...
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager

from flask import current_app, has_app_context
from sqlalchemy import event

from backend.extensions import db

log = logging.getLogger(__name__)

_ACTIVE = "lastmile.unit_of_work"
_COMMITTING = "lastmile.unit_of_work.committing"
_AFTER_COMMIT = "lastmile.unit_of_work.after_commit"


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another: two use cases tried to share (or split) one commit."""


class StrayCommit(RuntimeError):
    """The session was committed outside a unit of work (a helper or a query committed)."""


def in_unit_of_work() -> bool:
    return bool(db.session().info.get(_ACTIVE))


@contextmanager
def unit_of_work():
    """Run the block as one transaction: commit once when it ends, roll back if it raises."""
    session = db.session()
    if session.info.get(_ACTIVE):
        raise NestedUnitOfWork("A unit of work is already open: a use case must not call another use case's "
                               "transactional function; compose their non-committing steps instead.")
    session.info[_ACTIVE] = True
    session.info[_AFTER_COMMIT] = []
    try:
        yield session
        session.info[_COMMITTING] = True
        try:
            session.commit()
        finally:
            session.info.pop(_COMMITTING, None)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_ACTIVE, None)
        callbacks = session.info.pop(_AFTER_COMMIT, None) or []
    for callback in callbacks:
        callback()


def on_commit(callback) -> None:
    """Run `callback()` once the current unit of work has committed (never if it rolls back), e.g. to
    queue a job that must see the committed rows. Outside a unit of work it runs at once."""
    session = db.session()
    if not session.info.get(_ACTIVE):
        callback()
        return
    session.info[_AFTER_COMMIT].append(callback)


def transactional(function):
    """Decorate a use case: it runs in its own unit of work (and refuses to run inside another)."""

    @functools.wraps(function)
    def run_in_unit_of_work(*args, **kwargs):
        with unit_of_work():
            return function(*args, **kwargs)

    return run_in_unit_of_work


def _check_commit(session) -> None:
    if session.info.get(_COMMITTING):
        return
    message = "commit outside a unit of work: helpers and queries never commit (use @transactional)"
    if has_app_context() and current_app.config.get("TESTING"):
        raise StrayCommit(message)
    log.warning(message, stack_info=True)


def install_commit_guard() -> None:
    """Check every commit of the app's sessions (Flask-SQLAlchemy's session class only)."""
    from flask_sqlalchemy.session import Session

    if not event.contains(Session, "before_commit", _check_commit):
        event.listen(Session, "before_commit", _check_commit)
