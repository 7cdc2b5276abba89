"""Field validators and types shared by every domain's schemas."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import ValidationError, fields, validate

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
LANGUAGES = ("en", "fr")


def e164(value: str) -> None:
    if value is not None and not E164.match(value):
        raise ValidationError("Use the international E.164 form, e.g. +15145550123.")


def timezone_name(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError("Unknown time zone; use an IANA name such as America/Montreal.")
    if value not in available_timezones() and value != "UTC":
        raise ValidationError("Unknown time zone; use an IANA name such as America/Montreal.")


class Phone(fields.String):
    """A phone number in E.164; common punctuation is stripped before checking."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        cleaned = re.sub(r"[\s().-]", "", text)
        if cleaned.startswith("00"):
            cleaned = "+" + cleaned[2:]
        e164(cleaned)
        return cleaned


Latitude = lambda **kw: fields.Float(validate=validate.Range(min=-90, max=90), allow_nan=False, **kw)  # noqa: E731
Longitude = lambda **kw: fields.Float(validate=validate.Range(min=-180, max=180), allow_nan=False, **kw)  # noqa: E731
Language = lambda **kw: fields.String(validate=validate.OneOf(LANGUAGES), **kw)  # noqa: E731
NonNegativeInt = lambda **kw: fields.Integer(validate=validate.Range(min=0, max=2_000_000_000), **kw)  # noqa: E731
NonNegativeFloat = lambda **kw: fields.Float(validate=validate.Range(min=0, max=1e9), allow_nan=False, **kw)  # noqa: E731
Name = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
