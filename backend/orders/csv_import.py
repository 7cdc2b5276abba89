"""The CSV import use case: a spreadsheet of orders checked row by row, then imported in one transaction.

Every bad row is reported by its line and column; nothing is imported while any row is bad, unless the
caller skips bad rows. A dry run imports nothing.
"""
from __future__ import annotations

from flask import current_app

from backend.auth.models import Role
from backend.auth.principal import Principal
from backend.orders import csv_io, service


def import_csv(org_id: int, text: str, *, dry_run: bool, skip_invalid: bool = False, depot_id: int | None = None,
               created_by_id: int | None = None, on_progress=None) -> dict:
    """The import's summary: counts, every error by line and field, unknown columns, a preview of 200 rows."""
    def progress(fraction, message, force=False, **detail):
        if on_progress is not None:
            on_progress(fraction, message, force=force, **detail)

    try:
        header, rows = csv_io.read_rows(text)
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
        if depot_id and "depot_id" not in data:
            data["depot_id"] = depot_id
        inputs.append(data)
        cell_errors.append(errors)
    progress(0.02, f"Read {len(rows)} rows", force=True)
    results = service.validate_many(org_id, inputs, on_progress=lambda f, m: progress(f, m, rows=len(rows)))
    for result, errors in zip(results, cell_errors):
        if errors:
            result["status"] = "invalid"
            merged = result.get("errors") or {}
            for column, message in errors:
                merged.setdefault(column, []).append(message)
            result["errors"] = merged
    principal = Principal(kind="user", id=created_by_id, org_id=org_id, role=Role.dispatcher) \
        if created_by_id else None
    progress(0.85, "Importing" if not dry_run else "Checked", force=True)
    summary = service.create_many(org_id, inputs, principal, skip_invalid=skip_invalid, dry_run=dry_run, source="csv",
                                  results=results)
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
