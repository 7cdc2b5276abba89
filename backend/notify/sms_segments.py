"""How many SMS segments a text costs — what carriers and providers bill.

GSM 03.38 texts: 160 characters in one segment, 153 per segment when split (the rest of each is the
concatenation header); the extension table's characters (€, [, ], {, }, \\, ~, ^, |) take two. Any other
character switches the whole message to UCS-2: 70 in one, 67 per split segment (characters outside
the Basic Multilingual Plane, e.g. emoji, take two code units).
"""
from __future__ import annotations

import math

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    if not text:
        return 0
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        septets = sum(2 if char in GSM_EXTENSION else 1 for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = sum(2 if ord(char) > 0xFFFF else 1 for char in text)
    return 1 if units <= 70 else math.ceil(units / 67)
