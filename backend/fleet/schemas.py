from datetime import time

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.auth.schemas import UserSchema
from backend.validators import Id, Language, Latitude, Longitude, Name, NonNegativeFloat, NonNegativeInt, Phone, timezone_name

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM (24-hour).")


class OpeningHours(fields.Dict):
    """{"mon": [["08:00", "18:00"]], ...}; a missing day is closed."""

    def _deserialize(self, value, attr, data, **kwargs):
        hours = super()._deserialize(value, attr, data, **kwargs)
        for day, spans in hours.items():
            if day not in DAYS:
                raise ValidationError(f"Unknown day {day!r}; use {', '.join(DAYS)}.")
            if not isinstance(spans, list):
                raise ValidationError(f"{day}: a list of [open, close] pairs.")
            for span in spans:
                if not (isinstance(span, list) and len(span) == 2 and all(isinstance(t, str) for t in span)):
                    raise ValidationError(f"{day}: each span is [\"HH:MM\", \"HH:MM\"].")
                for t in span:
                    HHMM(t)
                if span[0] >= span[1]:
                    raise ValidationError(f"{day}: a span closes after it opens.")
        return hours


class DepotSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Name(required=True)
    address = fields.String(load_default="", validate=validate.Length(max=500))
    lat = Latitude(required=True)
    lon = Longitude(required=True)
    timezone = fields.String(required=True, validate=timezone_name)
    opening_hours = OpeningHours(load_default=dict)
    active = fields.Boolean(load_default=True)


class VehicleSchema(Schema):
    id = fields.Integer(dump_only=True)
    depot_id = Id(load_default=None, allow_none=True)
    name = Name(required=True, max_length=120)
    plate = fields.String(load_default="", validate=validate.Length(max=32))
    profile = fields.String(load_default="van", validate=validate.OneOf(["car", "van", "truck", "bike", "cargo_bike"]))
    capacity_weight_kg = NonNegativeFloat(load_default=0)
    capacity_volume_l = NonNegativeFloat(load_default=0)
    capacity_parcels = NonNegativeInt(load_default=0)
    co2_g_per_km = NonNegativeInt(load_default=0)
    features = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                           validate=validate.Length(max=20))
    cost_fixed_cents = NonNegativeInt(load_default=0)
    cost_per_hour_cents = NonNegativeInt(load_default=0)
    cost_per_km_cents = NonNegativeInt(load_default=0)
    active = fields.Boolean(load_default=True)


class DriverSchema(Schema):
    id = fields.Integer(dump_only=True)
    user = fields.Nested(UserSchema, dump_only=True)
    depot_id = Id(load_default=None, allow_none=True)
    default_vehicle_id = Id(load_default=None, allow_none=True)
    shift_start = fields.Time(format="%H:%M", load_default=time(8, 0))
    shift_end = fields.Time(format="%H:%M", load_default=time(18, 0))
    start_lat = Latitude(load_default=None, allow_none=True)
    start_lon = Longitude(load_default=None, allow_none=True)
    end_lat = Latitude(load_default=None, allow_none=True)
    end_lon = Longitude(load_default=None, allow_none=True)
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                         validate=validate.Length(max=20))
    phone = Phone(load_default=None, allow_none=True)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _places_and_shift(self, data, **kwargs):
        for place in ("start", "end"):
            if (data.get(f"{place}_lat") is None) != (data.get(f"{place}_lon") is None):
                raise ValidationError(f"Give both {place}_lat and {place}_lon, or neither.", f"{place}_lat")
        if data.get("shift_start") and data.get("shift_end") and data["shift_start"] >= data["shift_end"]:
            raise ValidationError("The shift must end after it starts.", "shift_end")


class DriverCreateSchema(DriverSchema):
    name = Name(required=True, load_only=True)
    email = fields.Email(load_default=None, allow_none=True, load_only=True)
    pin = fields.String(load_default=None, allow_none=True, load_only=True,
                        validate=validate.Regexp(r"^\d{4,8}$", error="4 to 8 digits."))
    password = fields.String(load_default=None, allow_none=True, load_only=True, validate=validate.Length(min=8, max=256))
    language = Language(load_default="en", load_only=True)
