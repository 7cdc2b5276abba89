"""One commit per use case, enforced: a helper that commits fails, units of work do not nest, a failing
use case leaves nothing, and work queued for after the commit runs only once it committed."""
import pytest
from sqlalchemy import select

from backend.auth.models import Organization
from backend.extensions import db
from backend.unit_of_work import NestedUnitOfWork, StrayCommit, on_commit, transactional, unit_of_work


def _slugs():
    return set(db.session.scalars(select(Organization.slug)))


def _add_org(slug):
    db.session.add(Organization(name=slug, slug=slug, settings={}))
    db.session.flush()


def test_a_helper_that_commits_is_refused_and_its_use_case_keeps_nothing(app):
    def helper_that_commits(slug):
        _add_org(slug)
        db.session.commit()

    @transactional
    def use_case():
        helper_that_commits("stray")

    with app.app_context():
        with pytest.raises(StrayCommit):
            use_case()
        with pytest.raises(StrayCommit):
            helper_that_commits("outside")
        db.session.rollback()
        assert not {"stray", "outside"} & _slugs()


def test_units_of_work_do_not_nest(app):
    @transactional
    def inner():
        _add_org("inner")

    @transactional
    def outer():
        _add_org("outer")
        inner()

    with app.app_context():
        with pytest.raises(NestedUnitOfWork):
            outer()
        assert not {"inner", "outer"} & _slugs()
        inner()  # on its own it is a use case like any other
        assert "inner" in _slugs()


def test_one_commit_at_the_end_and_after_commit_work_only_on_success(app):
    ran = []
    with app.app_context():
        with pytest.raises(ValueError):
            with unit_of_work():
                _add_org("half")
                on_commit(lambda: ran.append("failed"))
                raise ValueError("refused midway")
        assert "half" not in _slugs() and ran == []
        with unit_of_work():
            _add_org("whole")
            on_commit(lambda: ran.append(sorted(_slugs())))
            assert ran == []
        assert ran == [["whole"]]
