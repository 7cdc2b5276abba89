"""Background work of analytics: history import, savings replay, and the nightly close of days."""
from __future__ import annotations

import logging

from huey import crontab

from backend.jobs.registry import FAIL, RETRY, job_handler
from backend.jobs.tasks import periodic_app_task

log = logging.getLogger(__name__)


@job_handler("analytics.history_import", on_worker_lost=FAIL,
             lost_message="An import is one transaction: nothing was imported. Run it again.")
def import_history(ctx, payload: dict) -> dict:
    """Import past deliveries as a baseline, with the order import's row-level preview and semantics.

    Worker lost: failed with a message (one transaction, nothing was written), like the order import."""
    from backend.analytics import importer

    raw = ctx.input_file("csv") if "files" in payload else payload["csv"].encode()  # the latter: queued before
    return importer.import_history(ctx.org_id, raw, name=payload.get("name", ""),
                                   dry_run=payload.get("dry_run", True), skip_invalid=payload.get("skip_invalid", False),
                                   created_by_id=ctx.created_by_id,
                                   on_progress=lambda f, m: ctx.progress(f, m))


@job_handler("analytics.replay", on_worker_lost=RETRY)
def replay_history(ctx, payload: dict) -> dict:
    """Re-plan each imported day with the optimizer; CPU-heavy, so a job with progress and cancel.

    Worker lost: retried — a replay only reads and computes; its answer is the job's result."""
    from backend.analytics import replay

    return replay.replay(ctx.org_id, payload["import_id"], time_limit_s=payload.get("time_limit_s", 5.0),
                         max_days=payload.get("max_days", 62), depot_id=payload.get("depot_id"),
                         on_progress=lambda f, m: ctx.progress(f, m, force=True))


@periodic_app_task(crontab(minute="20", hour="6"))
def close_days() -> None:
    """Nightly (06:20 UTC, when every American and European depot's day is over): roll up the days that
    ended and check the goals. A night whose worker died is caught up by the next one (every finished,
    unclosed day is closed)."""
    from backend.analytics import service

    result = service.close_finished_days()
    log.info("analytics: closed %s day(s), raised %s alert(s)", result["closed_days"], result["alerts"])
