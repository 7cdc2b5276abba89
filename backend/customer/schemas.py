from marshmallow import Schema, fields, validate

from backend.notify.schemas import PushSubscriptionInSchema  # noqa: F401  (the same browser object)


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


class TrackingSchema(Schema):
    """What a customer sees through their tracking link."""

    status = fields.String()
    organization = fields.Dict()
    recipient_first_name = fields.String(allow_none=True)
    address = fields.String()
    destination = fields.Dict(metadata={"description": "{lat, lon} of the delivery address, for the map."})
    language = fields.String(metadata={"description": "The recipient's language (en, fr)."})
    delivery_date = fields.Date(allow_none=True)
    timezone = fields.String()
    time_windows = fields.List(fields.Nested(WindowSchema))
    eta = fields.DateTime(allow_none=True)
    driver = fields.Dict(allow_none=True)
    vehicle = fields.Dict(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineItemSchema))
    delivery_instructions = fields.String()
    can_edit_instructions = fields.Boolean()
    pod = fields.Dict(allow_none=True)
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
