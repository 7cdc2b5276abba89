"""The one way to declare background work: Huey tasks that run inside the worker's app.

Each domain keeps its background work in `<domain>/jobs.py`, in one of two forms:
- a job kind (`backend.jobs.registry.job_handler`): work a person starts and watches — a Job row with
  progress, cancel, a result or an error (imports, optimizer runs);
- an app task (`app_task`, `periodic_app_task` below): work the system starts and nobody watches
  (ETA refreshes, sending the outbox, nightly roll-ups).
Either way the function only calls its domain's services; it opens no app context and manages no
session of its own: the wrapper does both, once, here.
"""
from __future__ import annotations

import functools

from backend.jobs.queue import huey

_app = None
_app_factory = None


def bind_app(app) -> None:
    """The process's app, used by tasks to open an app context (set by the web process or the worker)."""
    global _app
    _app = app


def use_app_factory(factory) -> None:
    """How a process without a bound app makes one (backend.create_app, passed in by the backend package
    itself so the job system imports no app)."""
    global _app_factory
    _app_factory = factory


def worker_app():
    """The app this process's tasks run in (created on first use in a bare worker, by the factory)."""
    global _app
    if _app is None:
        _app = _app_factory()
    return _app


def _in_app_context(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        from backend.extensions import db

        with worker_app().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def app_task(**options):
    """A Huey task run in the worker's app context, its database session removed afterwards."""

    def decorate(fn):
        return huey.task(context=False, **options)(_in_app_context(fn))

    return decorate


def periodic_app_task(schedule, **options):
    """A periodic Huey task (`schedule` is a huey.crontab) run like `app_task`."""

    def decorate(fn):
        return huey.periodic_task(schedule, context=False, **options)(_in_app_context(fn))

    return decorate


@app_task(retries=0)
def execute_job(job_id: str) -> None:
    from backend.jobs import service

    service.run(job_id)
