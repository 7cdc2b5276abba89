"""Background work of the orders domain."""
from __future__ import annotations

from backend.jobs.registry import job_handler


@job_handler("orders.import")
def import_orders(ctx, payload: dict) -> dict:
    """Import a CSV of orders (backend/orders/csv_import.py)."""
    from backend.orders import csv_import

    return csv_import.import_csv(ctx.org_id, payload["csv"], dry_run=payload.get("dry_run", False),
                                 skip_invalid=payload.get("skip_invalid", False), depot_id=payload.get("depot_id"),
                                 created_by_id=ctx.created_by_id, on_progress=ctx.progress)
