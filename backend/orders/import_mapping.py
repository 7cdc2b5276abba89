"""Each organization's own CSV header names, matched once to ours and remembered for its next import.

Kept in the organization's settings under "csv_columns": {their header, lower-cased: our column}.
"""
from __future__ import annotations

from backend.auth.models import Organization
from backend.errors import InvalidInput
from backend.extensions import db
from backend.orders.csv_io import COLUMNS, EXPORT_COLUMNS, REQUIRED_COLUMNS
from backend.unit_of_work import transactional

KEY = "csv_columns"


def saved(org_id: int) -> dict[str, str]:
    org = db.session.get(Organization, org_id)
    return dict(((org.settings or {}) if org else {}).get(KEY) or {})


@transactional
def save(org_id: int, columns: dict[str, str]) -> dict[str, str]:
    """Replace the saved matching; each of our columns at most once, only known columns."""
    cleaned, errors = {}, {}
    for header, column in columns.items():
        name = header.strip().lstrip("\ufeff").lower()
        if not name:
            continue
        if column not in COLUMNS:
            errors[header] = [f"{column!r} is not one of our columns ({', '.join(COLUMNS)})."]
        elif column in cleaned.values():
            errors[header] = [f"Two of your columns are matched to {column}: keep one."]
        elif name != column:
            cleaned[name] = column
    if errors:
        raise InvalidInput("Some columns cannot be matched.", fields=errors)
    org = db.session.get(Organization, org_id)
    org.settings = {**(org.settings or {}), KEY: cleaned}  # a new dict: the JSON column sees the change
    return cleaned


def template() -> str:
    """A file to fill in: every column we read, and two example rows."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    examples = [
        {"external_ref": "ORDER-1001", "address": "4500 Rue Saint-Denis, Montréal, QC", "lat": "45.5262",
         "lon": "-73.5853", "delivery_date": "2026-12-01", "window_start": "09:00", "window_end": "11:00",
         "recipient_name": "Camille Tremblay", "recipient_phone": "+15145550123", "recipient_language": "fr",
         "barcodes": "PKG-1001-1;PKG-1001-2", "weight_kg": "3.5", "notes": "Fragile"},
        {"external_ref": "ORDER-1002", "address": "1 Place Ville Marie, Montréal, QC", "delivery_date": "2026-12-01",
         "time_windows": "09:00-11:00;14:00-16:00", "recipient_name": "Alex Martin",
         "recipient_email": "alex@example.com", "parcel_count": "1", "cod_amount": "12.50",
         "requires_id_check": "yes", "delivery_instructions": "Ring twice"},
    ]
    for example in examples:
        writer.writerow([example.get(column, "") for column in COLUMNS])
    return out.getvalue()


__all__ = ["saved", "save", "template", "COLUMNS", "REQUIRED_COLUMNS", "EXPORT_COLUMNS"]
