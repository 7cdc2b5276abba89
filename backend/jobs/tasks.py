"""The Huey tasks. A task only finds the app and hands the job id to the service."""
from __future__ import annotations

from backend.jobs.queue import huey

_app = None


def bind_app(app) -> None:
    """The process's app, used by tasks to open an app context (set by the web process or the worker)."""
    global _app
    _app = app


def _get_app():
    global _app
    if _app is None:
        from backend import create_app

        _app = create_app()
    return _app


@huey.task(retries=0, context=False)
def execute_job(job_id: str) -> None:
    from backend.jobs import service

    with _get_app().app_context():
        service.run(job_id)
