"""Output fields shared by every domain's response schemas."""
from __future__ import annotations

from datetime import date, datetime

from marshmallow import fields, missing


class Timestamp(fields.DateTime):
    """An ISO 8601 date-time in the answer, from a datetime or from a string a service already formatted."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class Day(fields.Date):
    """An ISO 8601 date in the answer, from a date or from a string a service already formatted."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, datetime):
            value = value.date()
        return super()._serialize(value, attr, obj, **kwargs) if isinstance(value, date) or value is None else value


class Derived(fields.Nested):
    """A nested document computed from the whole object (e.g. a route's summary), described like any other."""

    def __init__(self, nested, compute, **kwargs):
        super().__init__(nested, **kwargs)
        self.compute = compute

    def get_value(self, obj, attr, accessor=None, default=missing):
        return self.compute(obj)


class EnumValue(fields.Enum):
    """An enum's value in the answer, from the enum member or from its value a service already took."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str) and not isinstance(value, self.enum):
            return value
        return super()._serialize(value, attr, obj, **kwargs)
