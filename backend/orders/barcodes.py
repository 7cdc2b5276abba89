"""Parcel barcodes as printed on route sheets and receipts: Code 128, drawn as one SVG path.

ReportLab's Code 128 encoder (the library that also draws our PDFs) picks the code sets and the check
digit; this module only turns its bar widths into a path a page can draw at any size. A barcode holding
characters Code 128 cannot carry (beyond ASCII) is not drawn: the sheet prints its text alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128

QUIET_ZONE_MODULES = 10  # blank modules each side, as the standard asks, so a scanner finds the edges
BAR_HEIGHT = 40  # in modules: the path's own unit; a page scales it


@dataclass(frozen=True)
class DrawnBarcode:
    value: str
    width: int  # modules, quiet zones included
    height: int
    path: str  # SVG path data: one rectangle per bar


def bar_widths(value: str) -> list[int] | None:
    """Alternating bar and space widths in modules (bar first), or None when Code 128 cannot carry it."""
    if not value or any(ord(character) > 127 for character in value):
        return None
    encoder = Code128(value)
    encoder.validate()
    if not encoder.valid:
        return None
    encoder.encode()
    encoder.decompose()
    # ReportLab writes each element as a letter: bars in capitals, spaces in lower case, A/a = 1 module ... D/d = 4.
    return [ord(letter.lower()) - ord("a") + 1 for letter in encoder.decomposed]


def code128(value: str) -> DrawnBarcode | None:
    widths = bar_widths(value)
    if widths is None:
        return None
    x = QUIET_ZONE_MODULES
    rectangles = []
    for index, width in enumerate(widths):
        if index % 2 == 0:
            rectangles.append(f"M{x} 0h{width}v{BAR_HEIGHT}h-{width}z")
        x += width
    return DrawnBarcode(value=value, width=x + QUIET_ZONE_MODULES, height=BAR_HEIGHT, path="".join(rectangles))
