from marshmallow import Schema, fields, validate

from backend.api import PageQuery
from backend.api.output_fields import Timestamp
from backend.notify.schemas import PushSubscriptionInSchema  # noqa: F401  (the same browser object)
from backend.validators import Id


class WindowSchema(Schema):
    start = fields.DateTime()
    end = fields.DateTime()


class TimelineItemSchema(Schema):
    type = fields.String()
    status = fields.String(allow_none=True)
    at = fields.DateTime()
    reason = fields.String(allow_none=True)


class RatingOutSchema(Schema):
    score = fields.Integer()
    comment = fields.String()
    at = fields.DateTime()


class OrganizationNameSchema(Schema):
    name = fields.String()


class PlaceSchema(Schema):
    lat = fields.Float()
    lon = fields.Float()


class DriverFirstNameSchema(Schema):
    """The customer learns the driver's first name, and only while the parcel is on its way."""

    first_name = fields.String()


class VehicleNameSchema(Schema):
    name = fields.String()


class ProofSummarySchema(Schema):
    """What the customer may see of the proof: when, who took it, photos and signature (through their own link).
    The driver's note and the GPS point stay with the organization."""

    outcome = fields.String(metadata={"enum": ["delivered", "failed"]})
    at = Timestamp()
    recipient_name = fields.String()
    failure_reason = fields.String(allow_none=True)
    photos = fields.List(fields.String(), metadata={"description": "URLs under this tracking link."})
    signature = fields.String(allow_none=True, metadata={"description": "URL under this tracking link."})


class TrackingSchema(Schema):
    """What a customer sees through their tracking link."""

    status = fields.String()
    organization = fields.Nested(OrganizationNameSchema)
    recipient_first_name = fields.String(allow_none=True)
    address = fields.String()
    destination = fields.Nested(PlaceSchema, metadata={"description": "The delivery address, for the map."})
    language = fields.String(metadata={"description": "The recipient's language (en, fr)."})
    delivery_date = fields.Date(allow_none=True)
    timezone = fields.String()
    time_windows = fields.List(fields.Nested(WindowSchema))
    eta = fields.DateTime(allow_none=True)
    driver = fields.Nested(DriverFirstNameSchema, allow_none=True)
    vehicle = fields.Nested(VehicleNameSchema, allow_none=True)
    failure_reason = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineItemSchema))
    delivery_instructions = fields.String()
    can_edit_instructions = fields.Boolean()
    pod = fields.Nested(ProofSummarySchema, allow_none=True)
    rating = fields.Nested(RatingOutSchema, allow_none=True)
    can_rate = fields.Boolean()


class InstructionsSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=2000))


class InstructionsOutSchema(Schema):
    delivery_instructions = fields.String()


class RatingInSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class RatingSchema(Schema):
    score = fields.Integer()
    comment = fields.String()
    at = fields.DateTime(attribute="created_at")


class SubscribedSchema(Schema):
    id = fields.Integer()


class RatingQuery(PageQuery):
    driver_id = Id(load_default=None)
    max_score = fields.Integer(load_default=None, validate=validate.Range(min=1, max=5))


class StaffRatingSchema(Schema):
    order_id = fields.Integer()
    external_ref = fields.String()
    driver_id = fields.Integer(allow_none=True)
    score = fields.Integer()
    comment = fields.String()
    created_at = fields.DateTime()


class MapTilesSchema(Schema):
    tile_url = fields.String(metadata={"description": "Tile URL template ({z}/{x}/{y}) of the server's map tiles."})
    tile_attribution = fields.String(metadata={"description": "Plain text to show on the map."})
