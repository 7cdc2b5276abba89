"""Optimizer runs as background jobs: never on the web process's hub, with progress and cancel."""
from __future__ import annotations

from datetime import date

from backend.jobs.registry import RETRY, job_handler


def _reporter(ctx, time_limit: float | None):
    def report(progress: dict) -> None:
        fraction = progress.get("fraction")
        if fraction is None and time_limit:
            fraction = min(progress.get("elapsed_s", 0) / time_limit, 0.99)
        ctx.progress(fraction or 0.0, f"Best cost so far {progress.get('best_cost')}",
                     best_cost=progress.get("best_cost"), elapsed_s=round(progress.get("elapsed_s", 0), 1))
    return report


@job_handler("routing.plan_day", on_worker_lost=RETRY)
def plan_day_job(ctx, payload: dict) -> dict:
    """Optimize a day into draft routes.

    Worker lost: retried — a plan replaces the day's earlier drafts, so running it again after a worker
    died mid-solve leaves exactly one plan."""
    from backend.auth.models import Role
    from backend.auth.principal import Principal
    from backend.routing import service

    actor = Principal(kind="user", id=ctx.created_by_id, org_id=ctx.org_id, role=Role.dispatcher) \
        if ctx.created_by_id else None
    ctx.progress(0.0, "Preparing the problem", force=True)
    return service.plan_day(ctx.org_id, date.fromisoformat(payload["date"]), payload["depot_id"],
                            driver_ids=payload.get("driver_ids"), order_ids=payload.get("order_ids"),
                            time_limit=payload.get("time_limit_s"), objective=payload.get("objective", "cost"),
                            on_progress=_reporter(ctx, payload.get("time_limit_s")),
                            should_stop=ctx.cancelled, actor=actor)


@job_handler("routing.solve", on_worker_lost=RETRY)
def solve_job(ctx, payload: dict) -> dict:
    """A raw VROOM problem (the vroom-express endpoint): the solution, or VROOM's error object.

    Worker lost: retried — solving writes nothing; the caller waits for the answer."""
    from backend.routing import RoutingError, solve

    problem = payload["problem"]
    if isinstance(problem.get("options"), dict) and "osrm_url" in problem["options"]:
        # Never a URL from a request body (the view refuses it; a job queued before that is refused here).
        return RoutingError("options.osrm_url is not accepted").to_output()
    try:
        return solve(problem, time_limit=payload.get("time_limit_s"), seed=payload.get("seed"),
                     on_progress=_reporter(ctx, payload.get("time_limit_s")), should_stop=ctx.cancelled)
    except RoutingError as refused:
        return refused.to_output()
