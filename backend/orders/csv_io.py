"""Orders in and out as CSV.

Import reads a spreadsheet export: one order a row, a header row naming the columns below (extra
columns are ignored, names are case-insensitive). Every bad row is reported by its line in the file
and its column; nothing is imported while any row is bad, unless the caller skips bad rows.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from backend.csv_cells import safe_row

COLUMNS = [
    "external_ref", "address", "lat", "lon", "delivery_date", "window_start", "window_end", "time_windows",
    "recipient_name", "recipient_phone", "recipient_email", "recipient_language", "service_time_s",
    "weight_kg", "volume_l", "parcel_count", "barcodes", "priority", "required_skills", "notes",
    "delivery_instructions", "cod_amount", "requires_id_check", "min_age", "depot_id",
]
REQUIRED_COLUMNS = {"external_ref", "address"}
EXPORT_COLUMNS = [
    "external_ref", "status", "address", "lat", "lon", "delivery_date", "time_windows", "recipient_name",
    "recipient_phone", "recipient_email", "recipient_language", "service_time_s", "weight_kg", "volume_l",
    "parcel_count", "barcodes", "priority", "required_skills", "notes", "delivery_instructions", "cod_amount",
    "requires_id_check", "min_age", "depot_id", "failure_reason", "tracking_token", "created_at",
]
_LIST_SPLIT = re.compile(r"[;|]")
_TRUE = {"1", "true", "yes", "y", "oui", "x"}
_FALSE = {"0", "false", "no", "n", "non", ""}

# Where a schema error on a field shows up in the file.
_FIELD_TO_COLUMN = {
    "time_windows": "window_start", "recipient": "recipient_name", "parcels": "barcodes",
    "cod_amount_cents": "cod_amount",
}


class CsvFormatError(Exception):
    pass


def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFormatError("The file is not text (UTF-8 or Windows-1252).")


def uploaded_text(request) -> str:
    """A CSV sent as the body (text/csv) or as the multipart field 'file', decoded; 422 when missing."""
    from backend.errors import InvalidInput

    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data(cache=False)
    if not raw:
        raise InvalidInput("Send the CSV as the body (text/csv) or as the multipart field 'file'.",
                           fields={"file": ["Missing."]})
    try:
        return decode(raw)
    except CsvFormatError as exc:
        raise InvalidInput(str(exc), fields={"file": [str(exc)]})


def read_rows(text: str, *, required: set = REQUIRED_COLUMNS, expected: list = COLUMNS,
              max_rows: int | None = None) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line number, row)]); line numbers count the header as line 1, as spreadsheets do.

    The dialect (comma, semicolon or tab) is sniffed; blank lines are skipped; headers are case-insensitive."""
    if not text.strip():
        raise CsvFormatError("The file is empty.")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise CsvFormatError("The file is empty.")
    missing = required - set(header)
    if missing:
        raise CsvFormatError(f"Missing column(s): {', '.join(sorted(missing))}. Expected columns: {', '.join(expected)}.")
    if len(set(header)) != len(header):
        raise CsvFormatError("A column name appears twice in the header.")
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)}
            rows.append((reader.line_num, row))
            if max_rows is not None and len(rows) > max_rows:
                raise CsvFormatError(f"At most {max_rows} rows per file.")
    except csv.Error as exc:
        raise CsvFormatError(f"Line {reader.line_num}: {exc}")
    return header, rows


def row_to_input(row: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Turn text cells into the order API's input; cell-level errors come back as (column, message)."""
    errors: list[tuple[str, str]] = []
    data: dict = {"external_ref": row.get("external_ref", ""), "address": row.get("address", "")}

    def number(column, cast, target=None):
        text = row.get(column, "")
        if text == "":
            return
        try:
            data[target or column] = cast(text.replace(",", ".") if cast is float else text)
        except ValueError:
            errors.append((column, f"{text!r} is not a number."))

    number("lat", float)
    number("lon", float)
    number("service_time_s", int)
    number("weight_kg", float)
    number("volume_l", float)
    number("parcel_count", int)
    number("priority", int)
    number("min_age", int)
    number("depot_id", int)
    if row.get("delivery_date"):
        data["delivery_date"] = row["delivery_date"]
    windows = []
    if row.get("time_windows"):
        for part in _LIST_SPLIT.split(row["time_windows"]):
            bounds = part.strip().split("-") if part.count("T") == 0 else part.strip().split("/")
            if len(bounds) != 2:
                errors.append(("time_windows", f"{part!r}: write windows as 09:00-11:00, separated by ';'."))
                continue
            windows.append({"start": bounds[0].strip(), "end": bounds[1].strip()})
    elif row.get("window_start") or row.get("window_end"):
        windows.append({"start": row.get("window_start", ""), "end": row.get("window_end", "")})
    data["time_windows"] = windows
    if any(row.get(c) for c in ("recipient_name", "recipient_phone", "recipient_email")):
        recipient = {"name": row.get("recipient_name") or row.get("recipient_phone") or row.get("recipient_email")}
        if row.get("recipient_phone"):
            recipient["phone"] = row["recipient_phone"]
        if row.get("recipient_email"):
            recipient["email"] = row["recipient_email"]
        if row.get("recipient_language"):
            recipient["language"] = row["recipient_language"].lower()
        data["recipient"] = recipient
    for column, target in (("barcodes", "parcels"), ("required_skills", "required_skills")):
        if row.get(column):
            data[target] = [v.strip() for v in _LIST_SPLIT.split(row[column]) if v.strip()]
    for column in ("notes", "delivery_instructions"):
        if row.get(column):
            data[column] = row[column]
    if row.get("cod_amount"):
        try:
            amount = Decimal(row["cod_amount"].replace(",", ".").replace("$", "").strip())
            if amount < 0 or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            data["cod_amount_cents"] = int(amount * 100)
        except InvalidOperation:
            errors.append(("cod_amount", f"{row['cod_amount']!r} is not an amount such as 12.50."))
    flag = row.get("requires_id_check", "").lower()
    if flag in _TRUE:
        data["requires_id_check"] = True
    elif flag not in _FALSE:
        errors.append(("requires_id_check", "Use yes or no."))
    return data, errors


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict -> [(csv column, message)]."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if prefix == "recipient":
                column = f"recipient_{key}"
            elif prefix:
                column = _FIELD_TO_COLUMN.get(prefix, prefix)
            else:
                column = key if key in ("recipient", "time_windows", "parcels") else _FIELD_TO_COLUMN.get(key, key)
            if isinstance(value, (dict, list)) and key in ("recipient", "time_windows", "parcels") and not prefix:
                flat.extend(flatten_errors(value, key))
            else:
                flat.extend((column, m) for m in _messages(value))
    else:
        flat.extend((_FIELD_TO_COLUMN.get(prefix, prefix or "_row"), m) for m in _messages(messages))
    return flat


def _messages(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [m for item in value for m in _messages(item)]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    return [str(value)]


def export(orders) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for order in orders:
        recipient = order.recipient
        writer.writerow(safe_row([
            order.external_ref, order.status.value, order.address, order.lat, order.lon,
            order.delivery_date.isoformat() if order.delivery_date else "",
            ";".join(f"{w.start_at.isoformat()}/{w.end_at.isoformat()}" for w in order.time_windows),
            recipient.name if recipient else "", (recipient.phone or "") if recipient else "",
            (recipient.email or "") if recipient else "", recipient.language if recipient else "",
            order.service_time_s, order.weight_kg, order.volume_l, order.parcel_count,
            ";".join(p.barcode for p in order.parcels), order.priority, ";".join(order.required_skills or []),
            order.notes, order.delivery_instructions, f"{order.cod_amount_cents / 100:.2f}",
            "yes" if order.requires_id_check else "no", order.min_age or "", order.depot_id or "",
            order.failure_reason.value if order.failure_reason else "", order.tracking_token,
            order.created_at.isoformat(),
        ]))
    return out.getvalue()
