"""Huey tasks of the tracking domain: ETA refreshes and breadcrumb retention (worker side)."""
from __future__ import annotations

import time
from datetime import timedelta

from huey import crontab

from backend.jobs.queue import huey
from backend.jobs.tasks import _get_app

_last_enqueued: dict[int, float] = {}


@huey.task(retries=1, retry_delay=5, context=False)
def refresh_etas(route_id: int) -> None:
    from backend.extensions import db
    from backend.tracking import eta

    with _get_app().app_context():
        try:
            eta.refresh_route_etas(route_id)
        finally:
            db.session.remove()


def request_eta_refresh(route_id: int, min_interval_s: float) -> bool:
    """Queue an ETA refresh unless this process queued one for the route very recently."""
    now = time.monotonic()
    if now - _last_enqueued.get(route_id, -1e9) < min_interval_s:
        return False
    _last_enqueued[route_id] = now
    refresh_etas(route_id)
    return True


@huey.periodic_task(crontab(minute="*"), context=False)
def refresh_stale_etas() -> None:
    """Every minute: routes in progress whose ETAs were not refreshed lately (no fixes: the phone is quiet)."""
    from backend.extensions import db
    from backend.tracking import eta

    with _get_app().app_context():
        try:
            for route_id in eta.routes_due_for_refresh(timedelta(seconds=90)):
                eta.refresh_route_etas(route_id)
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="17", hour="3"), context=False)
def purge_breadcrumbs() -> None:
    from backend.extensions import db
    from backend.tracking import service

    with _get_app().app_context():
        try:
            service.purge_old_fixes()
        finally:
            db.session.remove()
