"""Background work of the orders domain."""
from __future__ import annotations

from backend.jobs.registry import FAIL, job_handler


@job_handler("orders.import", on_worker_lost=FAIL,
             lost_message="An import is one transaction: nothing was imported. Run it again.")
def import_orders(ctx, payload: dict) -> dict:
    """Import a CSV of orders (backend/orders/csv_import.py).

    Worker lost: failed with a message, not retried — the import is one transaction, so nothing was
    written, and the person who sent the file should see that rather than wait for a silent second run."""
    from backend.orders import csv_import

    raw = ctx.input_file("csv") if "files" in payload else payload["csv"].encode()  # the latter: queued before
    return csv_import.import_csv(ctx.org_id, raw, dry_run=payload.get("dry_run", False),
                                 skip_invalid=payload.get("skip_invalid", False), depot_id=payload.get("depot_id"),
                                 created_by_id=ctx.created_by_id, on_progress=ctx.progress)
