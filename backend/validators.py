"""Field validators and types shared by every domain's schemas."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from marshmallow import ValidationError, fields, validate

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# A user's language: the driver app and the messages to drivers have all five; the console and the admin screens
# have English and French and show English to a user of another language who picks none.
LANGUAGES = ("en", "fr", "es", "pt", "de")
# The languages customers are written to in (backend/notify/wording.py has their words; a test keeps the two equal).
CUSTOMER_LANGUAGES = ("en", "fr", "es", "pt", "de")
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2})(?:[-_](?:[A-Za-z]{2}|\d{3}))?$")


def customer_language(value: str) -> None:
    """A recipient's language, with the region they may give: "es", "es-MX", "pt-BR", "de-AT"."""
    found = _LANGUAGE_TAG.match(value or "")
    if not found or found.group(1).lower() not in CUSTOMER_LANGUAGES:
        raise ValidationError(f"Use one of: {', '.join(CUSTOMER_LANGUAGES)}, optionally with a region (e.g. es-MX).")


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


def default_phone_region() -> str:
    return os.environ.get("DEFAULT_PHONE_REGION", "CA")


def normalize_phone(text: str, region: str | None = None) -> str | None:
    """E.164 for a number written any usual way; a national number is read in the default region.

    Uses Google's libphonenumber rules (the `phonenumbers` package): lengths and prefixes per country.
    """
    return _normalized(text, region or default_phone_region())


@lru_cache(maxsize=65536)
def _normalized(text: str, region: str) -> str | None:
    """Remembered: an import meets the same customers' numbers again and again."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Phone(fields.String):
    """A phone number, stored in E.164 (+15145550123) whatever way it was written."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 32:
            raise ValidationError("Too long for a phone number.")
        normalized = normalize_phone(text)
        if normalized is None:
            raise ValidationError("Not a phone number; use the international form, e.g. +15145550123.")
        return normalized


Latitude = lambda **kw: fields.Float(validate=validate.Range(min=-90, max=90), allow_nan=False, **kw)  # noqa: E731
Longitude = lambda **kw: fields.Float(validate=validate.Range(min=-180, max=180), allow_nan=False, **kw)  # noqa: E731
Language = lambda **kw: fields.String(validate=validate.OneOf(LANGUAGES), **kw)  # noqa: E731
CustomerLanguage = lambda **kw: fields.String(validate=customer_language, **kw)  # noqa: E731
NonNegativeInt = lambda **kw: fields.Integer(validate=validate.Range(min=0, max=2_000_000_000), **kw)  # noqa: E731
NonNegativeFloat = lambda **kw: fields.Float(validate=validate.Range(min=0, max=1e9), allow_nan=False, **kw)  # noqa: E731
# max_length: the column's (PostgreSQL refuses longer text where SQLite would store it).
Name = lambda max_length=200, **kw: fields.String(validate=validate.Length(min=1, max=max_length), **kw)  # noqa: E731

MAX_ID = 2_147_483_647
Id = lambda **kw: fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kw)  # noqa: E731
