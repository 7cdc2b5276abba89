"""The raw solver as a background job (the vroom-express endpoint): never on the web hub, with progress and cancel."""
from __future__ import annotations

from backend.jobs.registry import RETRY, job_handler


@job_handler("routing.solve", on_worker_lost=RETRY)
def solve_job(ctx, payload: dict) -> dict:
    """A raw VROOM problem (the vroom-express endpoint): the solution, or VROOM's error object.

    Worker lost: retried — solving writes nothing; the caller waits for the answer. Road matrices
    and geometry come from the operator's OSRM_URL, never from the request."""
    from flask import current_app

    from backend import outbound
    from backend.routing import express

    problem = payload["problem"]
    refused = express.refusal(problem, express.Limits(max_locations=10**9, max_vehicles=10**9))
    if refused is not None:  # a job queued before the view refused such requests
        return refused[1]
    request = express.Request(plan=bool(payload.get("plan")), geometry=bool(payload.get("geometry")),
                              time_limit=payload.get("time_limit_s"))
    return express.run(problem, request, osrm_url=current_app.config.get("OSRM_URL"),
                       outbound_policy=outbound.Policy.from_config(current_app.config), seed=payload.get("seed"),
                       on_progress=ctx.solver_progress(payload.get("time_limit_s")), should_stop=ctx.cancelled)
