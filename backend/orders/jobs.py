"""Background work of the orders domain."""
from __future__ import annotations

from flask import current_app

from backend.jobs.registry import job_handler
from backend.orders import csv_io, service


@job_handler("orders.import")
def import_orders(ctx, payload: dict) -> dict:
    """Import a CSV of orders: report every bad row by line and column; import only a clean file
    (or, when asked, the good rows of a dirty one). A dry run imports nothing."""
    from backend.auth.principal import Principal
    from backend.auth.models import Role

    try:
        header, rows = csv_io.read_rows(payload["csv"])
    except csv_io.CsvFormatError as exc:
        return {"imported": False, "rows": 0, "file_error": str(exc), "errors": [], "created": 0, "existing": 0,
                "invalid": 0, "valid": 0}
    limit = current_app.config["IMPORT_MAX_ROWS"]
    if len(rows) > limit:
        return {"imported": False, "rows": len(rows), "file_error": f"The file has {len(rows)} rows; the limit is "
                f"{limit} (IMPORT_MAX_ROWS). Split it.", "errors": [], "created": 0, "existing": 0, "invalid": 0,
                "valid": 0}
    unknown = sorted(set(header) - set(csv_io.COLUMNS))
    inputs, cell_errors = [], []
    for _, row in rows:
        data, errors = csv_io.row_to_input(row)
        if payload.get("depot_id") and "depot_id" not in data:
            data["depot_id"] = payload["depot_id"]
        inputs.append(data)
        cell_errors.append(errors)
    ctx.progress(0.02, f"Read {len(rows)} rows", force=True)
    results = service.validate_many(ctx.org_id, inputs,
                                    on_progress=lambda f, m: ctx.progress(f, m, rows=len(rows)))
    for result, errors in zip(results, cell_errors):
        if errors:
            result["status"] = "invalid"
            merged = result.get("errors") or {}
            for column, message in errors:
                merged.setdefault(column, []).append(message)
            result["errors"] = merged
    principal = Principal(kind="user", id=ctx.created_by_id, org_id=ctx.org_id, role=Role.dispatcher) \
        if ctx.created_by_id else None
    ctx.progress(0.85, "Importing" if not payload.get("dry_run") else "Checked", force=True)
    summary = service.create_many(ctx.org_id, inputs, principal, skip_invalid=payload.get("skip_invalid", False),
                                  dry_run=payload.get("dry_run", False), source="csv", results=results)
    line_errors = []
    for (line, _), result in zip(rows, summary["results"]):
        result["line"] = line
        if result["status"] == "invalid":
            for column, message in csv_io.flatten_errors(result.get("errors", {})):
                line_errors.append({"line": line, "field": column, "message": message})
    summary.update(rows=len(rows), errors=line_errors, unknown_columns=unknown,
                   preview=[{"line": r["line"], "external_ref": r.get("external_ref"), "status": r["status"]}
                            for r in summary["results"][:200]])
    del summary["results"]  # the job record keeps the errors and a preview, not every row
    return summary
