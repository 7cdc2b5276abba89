"""Orders in and out as CSV.

Import reads a spreadsheet export: one order a row, a header row naming the columns below (extra
columns are ignored, names are case-insensitive), in UTF-8 (with or without a byte-order mark), UTF-16
or a code page (detected). Every bad row is reported by its line in the file and its column; nothing is
imported while any row is bad, unless the caller skips bad rows.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from backend.errors import InvalidInput

from backend.csv_cells import safe_row

COLUMNS = [
    "external_ref", "address", "lat", "lon", "delivery_date", "window_start", "window_end", "time_windows",
    "recipient_name", "recipient_phone", "recipient_email", "recipient_language", "service_time_s",
    "weight_kg", "volume_l", "parcel_count", "barcodes", "priority", "required_skills", "notes",
    "delivery_instructions", "cod_amount", "requires_id_check", "min_age", "depot_id",
    # Returns and pickup-delivery pairs: the order's type and its pickup end.
    "type", "pickup_address", "pickup_lat", "pickup_lon", "pickup_window_start", "pickup_window_end",
    "pickup_time_windows", "pickup_service_time_s", "pickup_name", "pickup_phone", "pickup_email",
    "pickup_language", "pickup_instructions",
]
PICKUP_COLUMNS = [
    "pickup_address", "pickup_lat", "pickup_lon", "pickup_time_windows", "pickup_name", "pickup_phone",
    "pickup_email", "pickup_language", "pickup_service_time_s", "pickup_instructions",
]
# A file of returns only may have no delivery address column (a return goes to its depot).
REQUIRED_COLUMNS = {"external_ref", "address"}
EXPORT_COLUMNS = [
    "external_ref", "status", "address", "lat", "lon", "delivery_date", "time_windows", "recipient_name",
    "recipient_phone", "recipient_email", "recipient_language", "service_time_s", "weight_kg", "volume_l",
    "parcel_count", "barcodes", "priority", "required_skills", "notes", "delivery_instructions", "cod_amount",
    "requires_id_check", "min_age", "depot_id", "failure_reason", "tracking_token", "created_at",
    "type", *PICKUP_COLUMNS,
]
# What a type cell may say, beyond the API's own words.
TYPE_WORDS = {"": "delivery", "delivery": "delivery", "return": "return", "pickup_delivery": "pickup_delivery",
              "pickup-delivery": "pickup_delivery", "pickup delivery": "pickup_delivery", "pair": "pickup_delivery",
              "livraison": "delivery", "retour": "return", "collecte-livraison": "pickup_delivery"}
_LIST_SPLIT = re.compile(r"[;|]")
_NUMBERS = (("lat", float), ("lon", float), ("service_time_s", int), ("weight_kg", float), ("volume_l", float),
            ("parcel_count", int), ("priority", int), ("min_age", int), ("depot_id", int))
_PICKUP_NUMBERS = (("pickup_lat", "lat", float), ("pickup_lon", "lon", float),
                   ("pickup_service_time_s", "service_time_s", int))
_TRUE = {"1", "true", "yes", "y", "oui", "x"}
_FALSE = {"0", "false", "no", "n", "non", ""}

# Where a schema error on a field shows up in the file.
_FIELD_TO_COLUMN = {
    "time_windows": "window_start", "recipient": "recipient_name", "parcels": "barcodes",
    "cod_amount_cents": "cod_amount", "pickup": "pickup_address",
}


class CsvFormatError(InvalidInput):
    """The file as a whole is refused (not text, no header, a column missing, too many rows, binary data):
    the import fails with this message and imports nothing."""

    code = "file_refused"

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message, fields={"file": [message]}, extra={"line": line} if line else None)


# Byte-order marks, longest first (UTF-32 LE begins like UTF-16 LE).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Scripts a single-byte Western code page cannot be mistaken for: a guess that finds them is believed.
_OTHER_SCRIPTS = ("Cyrillic", "Greek", "Hebrew", "Arabic", "Thai")


def detect_encoding(raw: bytes) -> str:
    """The file's text encoding: its byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32), else UTF-8 when it is
    valid UTF-8, else what charset-normalizer finds for a multi-byte or non-Latin text (UTF-16 without a
    mark, Shift-JIS, Windows-1251 …), else Windows-1252 — what spreadsheets on Western Windows write, and
    which a detector cannot tell from its Central European or Nordic cousins in a short file."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(raw[:262144]).best()
    if guess is not None:
        encoding = guess.encoding
        multi_byte = codecs.lookup(encoding).name not in _single_byte_codecs()
        if multi_byte or any(any(script in alphabet for script in _OTHER_SCRIPTS) for alphabet in guess.alphabets):
            return encoding
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        if guess is not None:
            return guess.encoding
    raise CsvFormatError("The file is not text (UTF-8, UTF-16 or a known code page such as Windows-1252).")


@lru_cache(maxsize=1)
def _single_byte_codecs() -> frozenset[str]:
    from encodings.aliases import aliases

    names = set(aliases.values()) | {"cp1252", "latin_1"}
    single = set()
    for name in names:
        try:
            info = codecs.lookup(name)
        except LookupError:
            continue
        try:
            if len(bytes(range(256)).decode(info.name, errors="replace")) == 256:
                single.add(info.name)
        except Exception:
            continue
    return frozenset(single)


def uploaded_file(request) -> bytes:
    """A CSV sent as the body (text/csv) or as the multipart field 'file', as sent; 422 when missing.
    Decoding happens in the job (detect_encoding), off the web process's hub."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data(cache=False)
    if not raw:
        raise InvalidInput("Send the CSV as the body (text/csv) or as the multipart field 'file'.",
                           fields={"file": ["Missing."]})
    return raw


@dataclass
class CsvRow:
    """One record: its first line in the file (the header is line 1, as spreadsheets count), its cells by
    column name, or why it could not be read."""

    line: int
    cells: dict | None
    error: str | None = None


class CsvReader:
    """The rows of an uploaded CSV, read one at a time (the file is never turned into a list of rows).

    The dialect (comma, semicolon or tab) is sniffed; blank lines are skipped; headers are case-insensitive.
    A quote left open is reported with its line instead of swallowing the rows after it: a record that a
    stray quote stretched over several lines, a quote closed in the middle of a cell, a quote never closed.
    A file with more than `max_rows` rows, or holding a NUL character, is refused whole (CsvFormatError).
    """

    def __init__(self, raw: bytes, *, required: set = REQUIRED_COLUMNS, expected: list = COLUMNS,
                 max_rows: int | None = None, limit_name: str = "IMPORT_MAX_ROWS", rename: dict | None = None):
        self.encoding = detect_encoding(raw)
        self._size = len(raw)
        try:
            self._stream = io.TextIOWrapper(io.BytesIO(raw), encoding=self.encoding, newline="")
            sample = self._stream.read(8192)
            self._stream.seek(0)
        except UnicodeDecodeError:
            raise CsvFormatError(f"The file is not valid {self.encoding} text.")
        if not sample.strip():
            raise CsvFormatError("The file is empty.")
        # Only the delimiter is sniffed: spreadsheets quote with " and double it inside a cell, and the
        # sniffer's guesses at quoting (from a sample with a quote in it) split cells that hold line breaks.
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        self.dialect = type("SpreadsheetCsv", (csv.excel,), {"delimiter": delimiter})
        self._reader = csv.reader(self._stream, self.dialect, strict=True)
        self.max_rows = max_rows
        self.limit_name = limit_name
        try:
            first = next(self._reader)
        except (StopIteration, csv.Error):
            raise CsvFormatError("The file has no header row.", line=1)
        self.header = [h.strip().lstrip("\ufeff").lower() for h in first]
        self.file_header = list(self.header)
        if rename:
            # An organization's own header names (saved column matching); a column already named as ours wins.
            present = set(self.header)
            self.header = [rename[h] if h in rename and rename[h] not in present else h for h in self.header]
        missing = required - set(self.header)
        if required is REQUIRED_COLUMNS and "pickup_address" in self.header:
            missing.discard("address")
        if missing:
            raise CsvFormatError(f"Missing column(s): {', '.join(sorted(missing))}. Match your columns to ours "
                                 f"before importing, or name them: {', '.join(expected)}.", line=1)
        if len(set(self.header)) != len(self.header):
            raise CsvFormatError("A column name appears twice in the header.", line=1)
        self.rows = 0
        if max_rows is not None:
            self._refuse_when_too_long(raw)

    def __iter__(self):
        delimiter = self.dialect.delimiter
        width = len(self.header)
        header = self.header
        line = self._reader.line_num
        while True:
            start = line + 1
            try:
                values = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise CsvFormatError(f"Line {start}: the file is not valid {self.encoding} text from here on.",
                                     line=start)
            except csv.Error as exc:
                end, line = self._reader.line_num, self._reader.line_num
                if "end of data" in str(exc):
                    message = f"A quote (\") opened on line {start} is never closed: lines {start}–{end} were not read."
                else:
                    message = (f"A quote (\") on line {start} is not closed where the cell ends ({exc} on line {end})"
                               + (f": lines {start}–{end} were not read." if end > start else "."))
                self.rows += 1
                yield CsvRow(start, None, message + " Check the quotes.")
                continue
            line = self._reader.line_num
            joined = "".join(values)
            if not joined.strip():
                continue
            if "\x00" in joined:
                raise CsvFormatError(f"Line {start} holds a NUL character: is this a text CSV file?", line=start)
            self.rows += 1
            if line > start and self._swallowed(values, width, delimiter):
                yield CsvRow(start, None, (
                    f"A quote (\") opened on line {start} is closed only on line {line}, so lines {start}–{line} "
                    f"were read as one row. Check the quotes."))
                continue
            if len(values) < width:
                values += [""] * (width - len(values))
            yield CsvRow(start, dict(zip(header, map(str.strip, values))))

    @property
    def fraction_read(self) -> float:
        """How far into the file the reader is (0 to 1), for progress reports."""
        return min(self._stream.buffer.tell() / max(self._size, 1), 1.0)

    @staticmethod
    def _swallowed(values: list[str], width: int, delimiter: str) -> bool:
        """A record over several lines is a cell with line breaks (fine) unless it has the wrong number of
        cells, or one of its cells holds what looks like a whole row of its own."""
        if len(values) != width:
            return True
        return any(value.count(delimiter) >= max(2, width - 1) for value in values if "\n" in value)

    def _refuse_when_too_long(self, raw: bytes) -> None:
        """Count the records first (a quick pass of the parser alone), so a file over the limit is refused
        before a single row is checked."""
        stream = io.TextIOWrapper(io.BytesIO(raw), encoding=self.encoding, newline="")
        records = csv.reader(stream, self.dialect)
        total = -1  # the header
        while True:
            try:
                values = next(records)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError):
                continue
            if any(v.strip() for v in values):
                total += 1
        if total > self.max_rows:
            raise CsvFormatError(f"The file has {total} rows; the limit is {self.max_rows} ({self.limit_name}). "
                                 "Split it.")


def read_rows(raw: bytes, *, required: set = REQUIRED_COLUMNS, expected: list = COLUMNS,
              max_rows: int | None = None, limit_name: str = "IMPORT_MAX_ROWS") -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line number, row)]) of a whole file; a row that cannot be read refuses the file."""
    reader = CsvReader(raw, required=required, expected=expected, max_rows=max_rows, limit_name=limit_name)
    rows = []
    for row in reader:
        if row.error:
            raise CsvFormatError(f"Line {row.line}: {row.error}", line=row.line)
        rows.append((row.line, row.cells))
    return reader.header, rows


def row_to_input(row: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Turn text cells into the order API's input; cell-level errors come back as (column, message)."""
    errors: list[tuple[str, str]] = []
    data: dict = {"external_ref": row.get("external_ref", "")}
    if row.get("address"):
        data["address"] = row["address"]
    for column, cast in _NUMBERS:
        text = row.get(column)
        if not text:
            continue
        try:
            data[column] = cast(text.replace(",", ".") if cast is float else text)
        except ValueError:
            errors.append((column, f"{text!r} is not a number."))
    if row.get("delivery_date"):
        data["delivery_date"] = row["delivery_date"]
    data["time_windows"] = _windows(row, "", errors)
    kind = TYPE_WORDS.get(row.get("type", "").strip().lower())
    if kind is None:
        errors.append(("type", f"{row['type']!r}: write delivery, return or pickup_delivery."))
    else:
        data["type"] = kind
    if any(row.get(column) for column in PICKUP_COLUMNS + ["pickup_window_start", "pickup_window_end"]):
        data["pickup"] = _pickup(row, errors)
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


def _windows(row: dict, prefix: str, errors: list) -> list[dict]:
    """The windows of one end: `time_windows` ("09:00-11:00;14:00-16:00") or `window_start`/`window_end`."""
    windows = []
    if row.get(f"{prefix}time_windows"):
        for part in _LIST_SPLIT.split(row[f"{prefix}time_windows"]):
            bounds = part.strip().split("-") if part.count("T") == 0 else part.strip().split("/")
            if len(bounds) != 2:
                errors.append((f"{prefix}time_windows", f"{part!r}: write windows as 09:00-11:00, separated by ';'."))
                continue
            windows.append({"start": bounds[0].strip(), "end": bounds[1].strip()})
    elif row.get(f"{prefix}window_start") or row.get(f"{prefix}window_end"):
        windows.append({"start": row.get(f"{prefix}window_start", ""), "end": row.get(f"{prefix}window_end", "")})
    return windows


def _pickup(row: dict, errors: list) -> dict:
    """The pickup end of a return or a pair, from the pickup_* cells."""
    pickup: dict = {"address": row.get("pickup_address", ""), "time_windows": _windows(row, "pickup_", errors)}
    for column, field, cast in _PICKUP_NUMBERS:
        text = row.get(column)
        if not text:
            continue
        try:
            pickup[field] = cast(text.replace(",", ".") if cast is float else text)
        except ValueError:
            errors.append((column, f"{text!r} is not a number."))
    if any(row.get(c) for c in ("pickup_name", "pickup_phone", "pickup_email")):
        contact = {"name": row.get("pickup_name") or row.get("pickup_phone") or row.get("pickup_email")}
        for column, field in (("pickup_phone", "phone"), ("pickup_email", "email")):
            if row.get(column):
                contact[field] = row[column]
        if row.get("pickup_language"):
            contact["language"] = row["pickup_language"].lower()
        pickup["contact"] = contact
    if row.get("pickup_instructions"):
        pickup["instructions"] = row["pickup_instructions"]
    return pickup


_PICKUP_FIELD_TO_COLUMN = {"time_windows": "pickup_window_start", "contact": "pickup_name",
                           "instructions": "pickup_instructions"}


def _pickup_column(key: str) -> str:
    return _PICKUP_FIELD_TO_COLUMN.get(key, f"pickup_{key}")


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error dict -> [(csv column, message)]."""
    flat = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if not prefix and key.startswith("pickup."):  # the service's word on one field of the pickup
                flat.extend((_pickup_column(key.split(".", 1)[1]), m) for m in _messages(value))
                continue
            if not prefix and key == "pickup" and isinstance(value, dict):
                for inner, inner_value in value.items():
                    if str(inner) == "contact" and isinstance(inner_value, dict):
                        flat.extend((f"pickup_{'name' if k == 'name' else k}", m) for k, v in inner_value.items()
                                    for m in _messages(v))
                    else:
                        flat.extend((_pickup_column(str(inner)), m) for m in _messages(inner_value))
                continue
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


def _pickup_cells(order) -> list:
    if not order.pickup_address:
        return [""] * len(PICKUP_COLUMNS)
    sender = order.sender
    return [order.pickup_address, order.pickup_lat, order.pickup_lon,
            ";".join(f"{w.start_at.isoformat()}/{w.end_at.isoformat()}" for w in order.pickup_windows),
            sender.name if sender else "", (sender.phone or "") if sender else "",
            (sender.email or "") if sender else "", sender.language if sender else "",
            order.pickup_service_time_s or "", order.pickup_instructions or ""]


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
            order.created_at.isoformat(), order.type.value, *_pickup_cells(order),
        ]))
    return out.getvalue()
