from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.orders.enums import FailureReason
from backend.validators import Id, Latitude, Longitude

Key = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{8,64}$",
                                                             error="8 to 64 letters, digits or -_.:"))


class RouteCreateSchema(Schema):
    date = fields.Date(required=True)
    depot_id = Id(load_default=None, allow_none=True)
    driver_id = Id(load_default=None, allow_none=True)
    vehicle_id = Id(load_default=None, allow_none=True)
    order_ids = fields.List(Id(), required=True, validate=validate.Length(min=0, max=500))


class RouteQuerySchema(Schema):
    date = fields.Date(load_default=None)
    driver_id = Id(load_default=None)


class DriverRouteQuerySchema(Schema):
    date = fields.Date(load_default=None)


class SequenceSchema(Schema):
    stop_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2_000_000_000))


class ActionDataSchema(Schema):
    recipient_name = fields.String(validate=validate.Length(max=200))
    note = fields.String(validate=validate.Length(max=2000))
    photo_ids = fields.List(fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=10))
    signature_id = fields.String(allow_none=True, validate=validate.Length(max=32))
    barcodes = fields.List(fields.String(validate=validate.Length(max=100)), validate=validate.Length(max=200))
    cod_collected_cents = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000_000))
    id_checked = fields.Boolean()
    age_verified = fields.Boolean()
    reason = fields.String(validate=validate.OneOf([r.value for r in FailureReason]))
    barcode = fields.String(validate=validate.Length(min=1, max=100))


class DriverActionSchema(Schema):
    idempotency_key = Key
    type = fields.String(required=True, validate=validate.OneOf(
        ["route.start", "route.end", "break.start", "break.end", "parcel.load", "stop.arrive", "stop.complete",
         "stop.fail"]))
    at = fields.AwareDateTime(required=True, default_timezone=None)
    route_id = Id(required=True)
    stop_id = Id(load_default=None, allow_none=True)
    lat = Latitude(load_default=None, allow_none=True)
    lon = Longitude(load_default=None, allow_none=True)
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))
    data = fields.Nested(ActionDataSchema, load_default=dict)


class DriverActionResultSchema(Schema):
    status = fields.String()
    message = fields.String()
    route = fields.Dict()


class FixSchema(Schema):
    lat = Latitude(required=True)
    lon = Longitude(required=True)
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))
    heading = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=360))
    speed = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    at = fields.AwareDateTime(required=True, default_timezone=None)


class FixBatchSchema(Schema):
    fixes = fields.List(fields.Nested(FixSchema), required=True, validate=validate.Length(min=1, max=5000))


class FixBatchResultSchema(Schema):
    accepted = fields.Integer()
    duplicates = fields.Integer(metadata={"description": "Fixes already stored (a resent batch); not stored twice."})
    rejected = fields.List(fields.Dict())


class UploadFormSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["photo", "signature"]))
    idempotency_key = Key
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True)
    lat = Latitude(load_default=None, allow_none=True)
    lon = Longitude(load_default=None, allow_none=True)

    @validates_schema
    def _place(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Give both lat and lon, or neither.", "lat")


class UploadResultSchema(Schema):
    id = fields.String()
    kind = fields.String()
    size_bytes = fields.Integer()


class DirectionsQuerySchema(Schema):
    stop_id = Id(required=True)
    lat = Latitude(required=True)
    lon = Longitude(required=True)
