"""The raw solver as a background job (the vroom-express endpoint): never on the web hub, with progress and cancel."""
from __future__ import annotations

from backend.jobs.registry import RETRY, job_handler


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
                     on_progress=ctx.solver_progress(payload.get("time_limit_s")), should_stop=ctx.cancelled)
    except RoutingError as refused:
        return refused.to_output()
