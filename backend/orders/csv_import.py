"""The CSV import use case: a spreadsheet of orders checked row by row, then imported in one transaction.

Every bad row is reported by its line and column; nothing is imported while any row is bad, unless the
caller skips bad rows. A dry run imports nothing. A file refused whole — not text, a column missing,
more rows than IMPORT_MAX_ROWS, binary data — raises CsvFormatError: the job fails with that message.

The file is read as a stream, a batch of rows at a time (csv_io.CsvReader), and each batch is checked
with a few queries (orders.bulk.OrderValidator) rather than a few per row.
"""
from __future__ import annotations

from itertools import islice

from flask import current_app

from backend.auth.models import Role
from backend.auth.principal import Principal
from backend.orders import bulk, csv_io, csv_messages, import_mapping
from backend.unit_of_work import transactional

PREVIEW_ROWS = 200


@transactional
def import_csv(org_id: int, raw: bytes, *, dry_run: bool, skip_invalid: bool = False, depot_id: int | None = None,
               created_by_id: int | None = None, on_progress=None) -> dict:
    """The import's summary: counts, every error by line and field, unknown columns, a preview of 200 rows."""
    def progress(fraction, message, force=False, **detail):
        if on_progress is not None:
            on_progress(fraction, message, force=force, **detail)

    reader = csv_io.CsvReader(raw, max_rows=current_app.config["IMPORT_MAX_ROWS"],
                              rename=import_mapping.saved(org_id))
    rows_read = iter(reader)
    lines: dict[int, int] = {}  # input index -> line in the file
    validator = bulk.OrderValidator(org_id, where=lambda index: f"line {lines[index]}")
    valid, line_errors, preview = [], [], []
    counts = {"valid": 0, "existing": 0, "invalid": 0}
    while True:
        batch = list(islice(rows_read, bulk.VALIDATION_BATCH))
        if not batch:
            break
        first = len(lines)
        inputs, cell_errors = [], []
        for offset, row in enumerate(batch):
            lines[first + offset] = row.line
            if row.error:
                inputs.append({})
                cell_errors.append([("_row", row.error)])
                continue
            data, errors = csv_io.row_to_input(row.cells)
            if depot_id and "depot_id" not in data:
                data["depot_id"] = depot_id
            inputs.append(data)
            cell_errors.append(errors)
        for row, result, errors in zip(batch, validator.check(inputs, first), cell_errors):
            if errors:
                result["status"] = "invalid"
                merged = {} if row.error else (result.get("errors") or {})
                for column, message in errors:
                    merged.setdefault(column, []).append(message)
                result["errors"] = merged
            counts[result["status"]] += 1
            if result["status"] == "valid":
                valid.append(result)
            elif result["status"] == "invalid":
                line_errors.extend({"line": row.line, "field": column,
                                    "message": csv_messages.plain(column, message, row.cells)}
                                   for column, message in csv_io.flatten_errors(result["errors"]))
            if len(preview) < PREVIEW_ROWS:
                preview.append({"line": row.line, "external_ref": result.get("external_ref"), "status": result["status"]})
        progress(0.8 * reader.fraction_read, f"Checked {reader.rows} rows", rows=reader.rows)
    imported = not dry_run and not (counts["invalid"] and not skip_invalid)
    if imported and valid:
        progress(0.8, "Importing", force=True)
        principal = Principal(kind="user", id=created_by_id, org_id=org_id, role=Role.dispatcher) \
            if created_by_id else None
        bulk.create_checked(org_id, valid, principal, "csv",
                               on_progress=lambda f, m: progress(0.8 + 0.2 * f, m))
        for entry in preview:
            if entry["status"] == "valid":
                entry["status"] = "created"
    # The unit of work commits the orders, or (a dry run, a refused file) only the geocoder answers learnt
    # while checking.
    created = len(valid) if imported else 0
    return {"imported": imported, "rows": reader.rows, "created": created, "existing": counts["existing"],
            "invalid": counts["invalid"], "valid": counts["valid"] - created,
            "skipped": counts["invalid"] if skip_invalid and not dry_run else 0, "errors": line_errors,
            "unknown_columns": sorted(set(reader.header) - set(csv_io.COLUMNS)), "encoding": reader.encoding,
            "preview": preview}
