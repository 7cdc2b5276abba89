"""Background work of dispatch: planning a day (a job with progress and cancel) and live ETA refreshes.

A refresh lost with a worker that died is not re-run as such: the minutely sweep below refreshes every
route in progress whose ETAs are older than 90 s, so it is retried within about a minute.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

from huey import crontab

from backend.jobs.registry import RETRY, job_handler
from backend.jobs.tasks import app_task, periodic_app_task

_last_enqueued: dict[int, float] = {}


@job_handler("routing.plan_day", on_worker_lost=RETRY)
def plan_day_job(ctx, payload: dict) -> dict:
    """Optimize a day into draft routes.

    Worker lost: retried — a plan replaces the day's earlier drafts, so running it again after a worker
    died mid-solve leaves exactly one plan."""
    from backend.auth.models import Role
    from backend.auth.principal import Principal
    from backend.dispatch import planning

    actor = Principal(kind="user", id=ctx.created_by_id, org_id=ctx.org_id, role=Role.dispatcher) \
        if ctx.created_by_id else None
    ctx.progress(0.0, "Preparing the problem", force=True)
    return planning.plan_day(ctx.org_id, date.fromisoformat(payload["date"]), payload["depot_id"],
                             driver_ids=payload.get("driver_ids"), order_ids=payload.get("order_ids"),
                             time_limit=payload.get("time_limit_s"), objective=payload.get("objective", "cost"),
                             on_progress=ctx.solver_progress(payload.get("time_limit_s")),
                             should_stop=ctx.cancelled, actor=actor)


@app_task(retries=1, retry_delay=5)
def refresh_etas(route_id: int) -> None:
    from backend.dispatch import eta

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
    from backend.dispatch import eta

    for route_id in eta.routes_due_for_refresh(timedelta(seconds=90)):
        eta.refresh_route_etas(route_id)
