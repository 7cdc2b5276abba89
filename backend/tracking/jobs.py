"""Background work of the tracking domain: ETA refreshes and breadcrumb retention (worker side).

A refresh lost with a worker that died is not re-run as such: the minutely sweep below refreshes every
route in progress whose ETAs are older than 90 s, so it is retried within about a minute.
"""
from __future__ import annotations

import time
from datetime import timedelta

from huey import crontab

from backend.jobs.tasks import app_task, periodic_app_task

_last_enqueued: dict[int, float] = {}


@app_task(retries=1, retry_delay=5)
def refresh_etas(route_id: int) -> None:
    from backend.tracking import eta

    eta.refresh_route_etas(route_id)


def request_eta_refresh(route_id: int, min_interval_s: float) -> bool:
    """Queue an ETA refresh unless this process queued one for the route very recently."""
    now = time.monotonic()
    if now - _last_enqueued.get(route_id, -1e9) < min_interval_s:
        return False
    _last_enqueued[route_id] = now
    refresh_etas(route_id)
    return True


@periodic_app_task(crontab(minute="*"))
def refresh_stale_etas() -> None:
    """Every minute: routes in progress whose ETAs were not refreshed lately (no fixes: the phone is quiet)."""
    from backend.tracking import eta

    for route_id in eta.routes_due_for_refresh(timedelta(seconds=90)):
        eta.refresh_route_etas(route_id)


@periodic_app_task(crontab(minute="17", hour="3"))
def purge_breadcrumbs() -> None:
    from backend.tracking import service

    service.purge_old_fixes()
