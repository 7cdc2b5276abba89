from marshmallow import Schema, ValidationError, fields, validate, validates

from backend.api import PageQuery
from backend.api.events import live_event
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
    colour = fields.String(allow_none=True, metadata={"description": "The brand colour (#rrggbb); absent when not set."})
    logo = fields.String(allow_none=True, metadata={"description": "The logo as a data: URL (PNG); absent when not set."})


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
    type = fields.String(metadata={"enum": ["delivery", "return", "pickup_delivery"], "description":
                                   "A return's address, window and instructions are where it is collected."})
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
    receipt_url = fields.String(allow_none=True, metadata={
        "description": "The proof-of-delivery receipt (PDF) once the order is delivered; null before."})
    rating = fields.Nested(RatingOutSchema, allow_none=True)
    can_rate = fields.Boolean()
    can_rebook = fields.Boolean(metadata={"description": "A new day or drop-off may be chosen (see /rebooking)."})


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


class RebookWindowSchema(Schema):
    start = fields.String(metadata={"description": "Local HH:MM in the depot's time zone."})
    end = fields.String()
    start_at = fields.DateTime()
    end_at = fields.DateTime()


class RebookDaySchema(Schema):
    date = fields.Date()
    windows = fields.List(fields.Nested(RebookWindowSchema))


class RebookOptionsSchema(Schema):
    """What the customer may choose on the tracking page."""

    can_rebook = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "description": "Why not: on_the_way, order_closed or after_cutoff."})
    message = fields.String(allow_none=True)
    timezone = fields.String()
    delivery_date = fields.Date(allow_none=True)
    change_until = fields.DateTime(allow_none=True, metadata={
        "description": "The cut-off of the delivery already booked (null after a failed attempt)."})
    days = fields.List(fields.Nested(RebookDaySchema))
    drop_offs = fields.List(fields.String())


class RebookInSchema(Schema):
    date = fields.Date(required=True)
    window_start = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                                 metadata={"description": "The chosen window's start, local HH:MM."})
    drop_off = fields.String(load_default="in_person", validate=validate.OneOf(["in_person", "door", "neighbour"]))
    neighbour = fields.String(load_default="", validate=validate.Length(max=200))


class RebookingRulesSchema(Schema):
    """An organization's rebooking rules (settings["rebooking"]); windows are local [HH:MM, HH:MM] pairs."""

    windows = fields.List(fields.List(fields.String(validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$")),
                                      validate=validate.Length(equal=2)), validate=validate.Length(min=1, max=12))
    horizon_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=90))
    cutoff_days_before = fields.Integer(strict=True, validate=validate.Range(min=0, max=14))
    cutoff_time = fields.String(validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))

    @validates("windows")
    def _windows_open_before_they_close(self, value, **kwargs):
        for pair in value:
            if isinstance(pair, list) and len(pair) == 2 and pair[0] >= pair[1]:
                raise ValidationError(f"The window {pair[0]}-{pair[1]} closes before it opens.")


class CustomerRebookedAlertSchema(Schema):
    """`alert` (kind customer_rebooked) to dispatchers: a customer chose a new day on the tracking page."""

    kind = fields.Constant("customer_rebooked", metadata={"type": "string", "enum": ["customer_rebooked"]})
    order_id = fields.Integer()
    external_ref = fields.String()
    address = fields.String()
    date = fields.Date()
    window_start = fields.String()
    window_end = fields.String()
    drop_off = fields.String()
    removed_from_route_id = fields.Integer(allow_none=True)
    at = Timestamp()


live_event("alert", CustomerRebookedAlertSchema, audience="dispatchers",
           description="A customer rebooked their delivery on the tracking page; the order is to plan again.")


class ConversationMessageSchema(Schema):
    id = fields.String(metadata={"description": "out-<outbox id> or in-<reply id>."})
    direction = fields.String(metadata={"enum": ["in", "out"]})
    kind = fields.String(metadata={"description": "The message kind (scheduled, failed, dispatcher_reply...) "
                                                  "or customer_reply."})
    body = fields.String()
    at = Timestamp()
    status = fields.String(allow_none=True, metadata={"description": "An outgoing text's delivery status."})
    by = fields.String(allow_none=True, metadata={"description": "The dispatcher who wrote it."})
    phone = fields.String()


class ConversationSchema(Schema):
    """An order's SMS conversation with its customer, in time order."""

    order_id = fields.Integer()
    external_ref = fields.String()
    phone = fields.String(allow_none=True)
    can_reply = fields.Boolean()
    cannot_reply = fields.String(allow_none=True, metadata={"description": "Why a dispatcher cannot answer."})
    messages = fields.List(fields.Nested(ConversationMessageSchema))


class ReplyInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ReplyOutSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    status = fields.String()
    created_at = Timestamp()
