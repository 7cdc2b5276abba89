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
        {"external_ref": "RETURN-1003", "type": "return", "pickup_address": "350 Rue Rachel Est, Montréal, QC",
         "pickup_lat": "45.5230", "pickup_lon": "-73.5790", "delivery_date": "2026-12-01",
         "pickup_window_start": "13:00", "pickup_window_end": "15:00", "pickup_name": "Noah Roy",
         "pickup_phone": "+15145550145", "pickup_language": "en", "parcel_count": "1",
         "pickup_instructions": "Parcel is with the concierge"},
        {"external_ref": "B2B-1004", "type": "pickup_delivery", "address": "800 Rue de la Gauchetière, Montréal, QC",
         "delivery_date": "2026-12-01", "window_start": "14:00", "window_end": "17:00",
         "recipient_name": "Léa Gagnon", "recipient_phone": "+15145550167",
         "pickup_address": "5333 Avenue Casgrain, Montréal, QC", "pickup_window_start": "09:00",
         "pickup_window_end": "12:00", "pickup_name": "Atelier Casgrain", "pickup_phone": "+15145550189",
         "pickup_service_time_s": "300", "weight_kg": "12"},
    ]
    for example in examples:
        writer.writerow([example.get(column, "") for column in COLUMNS])
    return out.getvalue()


__all__ = ["saved", "save", "template", "COLUMNS", "REQUIRED_COLUMNS", "EXPORT_COLUMNS"]
