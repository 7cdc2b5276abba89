"""What is wrong with a cell of an imported file, in the words a person filling a spreadsheet uses.

The order schema speaks to programmers ("Missing data for required field.", "Length must be between 3
and 500."); a row of a spreadsheet gets "The address is empty: every order needs one." instead.
"""
from __future__ import annotations

import re

_NAMES = {
    "external_ref": "reference", "address": "address", "lat": "latitude", "lon": "longitude",
    "delivery_date": "delivery date", "window_start": "window", "window_end": "window", "time_windows": "window",
    "recipient_name": "recipient name", "recipient_phone": "phone number", "recipient_email": "email address",
    "recipient_language": "language", "barcodes": "barcodes", "depot_id": "depot", "type": "order type",
    "pickup_address": "pickup address", "pickup_window_start": "pickup window", "pickup_window_end": "pickup window",
    "pickup_time_windows": "pickup window", "pickup_name": "sender's name", "pickup_phone": "sender's phone number",
    "pickup_email": "sender's email address", "pickup_lat": "pickup latitude", "pickup_lon": "pickup longitude",
}
_LENGTH = re.compile(r"Length must be between (\d+) and (\d+)\.")
_SHORTER = re.compile(r"Longer than maximum length (\d+)\.")


def plain(column: str, message: str, cells: dict | None) -> str:
    name = _NAMES.get(column, column.replace("_", " "))
    value = ((cells or {}).get(column) or "").strip()
    if message in ("Missing data for required field.", "Field may not be null.") or (
            not value and _LENGTH.fullmatch(message) and cells is not None and column in cells):
        return f"The {name} is empty: every order needs one."
    length = _LENGTH.fullmatch(message)
    if length:
        low, high = length.groups()
        return f"The {name} is {len(value)} characters long: write {low} to {high} characters."
    shorter = _SHORTER.fullmatch(message)
    if shorter:
        return f"The {name} is too long: at most {shorter.group(1)} characters."
    if message == "Not a valid date.":
        return f"{value!r} is not a date: write it as 2026-11-25."
    if message == "Not a valid email address.":
        return f"{value!r} is not an email address."
    return message
