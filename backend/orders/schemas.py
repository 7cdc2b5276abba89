import hashlib
import json

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from backend.api import PageQuery
from backend.orders.enums import FailureReason, GeocodeSource, OrderStatus, OrderType
from backend.validators import CustomerLanguage, Id, Latitude, Longitude, Name, NonNegativeFloat, NonNegativeInt, Phone

Skill = fields.String(validate=validate.Length(min=1, max=40))
Barcode = fields.String(validate=validate.Length(min=1, max=100))


class RememberedNested(fields.Nested):
    """A nested object whose loads are remembered by value: the rows of an import repeat the same windows
    and the same customers, and loading each again costs most of a row's check. Only what loaded cleanly
    is remembered (a refusal is raised again each time), and each use gets its own copy."""

    def __init__(self, *args, remember: int = 4096, **kwargs):
        super().__init__(*args, **kwargs)
        self._remember = remember
        self._loaded: dict = {}

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        key = None
        if partial is None and isinstance(value, dict):
            try:
                key = tuple(sorted(value.items()))
                hash(key)
            except TypeError:
                key = None
        if key is not None and key in self._loaded:
            return dict(self._loaded[key])
        loaded = super()._deserialize(value, attr, data, partial=partial, **kwargs)
        if key is not None and isinstance(loaded, dict) and len(self._loaded) < self._remember:
            self._loaded[key] = dict(loaded)
        return loaded


class RecipientSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Name(required=True)
    phone = Phone(load_default=None, allow_none=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    language = CustomerLanguage(load_default="en")
    opt_out_sms = fields.Boolean(load_default=False)
    opt_out_push = fields.Boolean(load_default=False)
    opt_out_email = fields.Boolean(load_default=False)


class TimeWindowSchema(Schema):
    """An ISO 8601 window; a time without an offset is read in the depot's time zone."""

    start = fields.String(required=True, validate=validate.Length(min=5, max=40))
    end = fields.String(required=True, validate=validate.Length(min=5, max=40))


class TimeWindowOutSchema(Schema):
    start = fields.DateTime(attribute="start_at")
    end = fields.DateTime(attribute="end_at")


ORDER_TYPES = tuple(t.value for t in OrderType)


class PickupInSchema(Schema):
    """The pickup end of a return (the customer's address) or of a pickup-delivery pair (the sender's)."""

    address = fields.String(required=True, validate=validate.Length(min=3, max=500))
    lat = Latitude(load_default=None, allow_none=True)
    lon = Longitude(load_default=None, allow_none=True)
    time_windows = fields.List(fields.Nested(TimeWindowSchema), load_default=list, validate=validate.Length(max=5))
    service_time_s = fields.Integer(load_default=300, validate=validate.Range(min=0, max=8 * 3600))
    contact = fields.Nested(RecipientSchema, load_default=None, allow_none=True, metadata={
        "description": "The person at the pickup address, told of the collection (the sender)."})
    instructions = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _coordinates_together(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Give both lat and lon, or neither.", "lon" if data.get("lat") is not None else "lat")


def check_order_type(data: dict, *, partial: bool = False) -> None:
    """Which ends an order type needs: a return is collected (pickup) and goes to its depot (no address);
    a pair needs both ends; a delivery has no pickup."""
    kind = data.get("type", OrderType.delivery.value)
    if kind == OrderType.delivery.value and data.get("pickup"):
        raise ValidationError("A delivery has no pickup; use type 'pickup_delivery' or 'return'.", "pickup")
    if kind in (OrderType.return_.value, OrderType.pickup_delivery.value) and not data.get("pickup"):
        raise ValidationError(f"A {'return' if kind == OrderType.return_.value else 'pickup-delivery order'} "
                              "needs its pickup address.", "pickup")
    if kind == OrderType.return_.value and data.get("address"):
        raise ValidationError("A return is brought back to its depot: give the customer's address under "
                              "pickup, not as the delivery address.", "address")
    if not partial and kind != OrderType.return_.value and not data.get("address"):
        raise ValidationError("Missing data for required field.", "address")


class OrderInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_ref = fields.String(required=True, validate=validate.Length(min=1, max=100))
    type = fields.String(load_default=OrderType.delivery.value, validate=validate.OneOf(ORDER_TYPES), metadata={
        "description": "delivery (from the depot to address), return (collected at pickup.address and brought to "
                       "the depot) or pickup_delivery (collected at pickup.address, then delivered to address by "
                       "the same driver)."})
    pickup = fields.Nested(PickupInSchema, load_default=None, allow_none=True, metadata={
        "description": "The pickup end: required for return and pickup_delivery, refused for delivery."})
    depot_id = Id(load_default=None, allow_none=True)
    recipient_id = Id(load_default=None, allow_none=True)
    recipient = RememberedNested(RecipientSchema, load_default=None, allow_none=True)
    address = fields.String(load_default=None, validate=validate.Length(min=3, max=500), metadata={
        "description": "The delivery address; required except for a return (delivered to its depot)."})
    lat = Latitude(load_default=None, allow_none=True)
    lon = Longitude(load_default=None, allow_none=True)
    delivery_date = fields.Date(load_default=None, allow_none=True)
    time_windows = fields.List(RememberedNested(TimeWindowSchema), load_default=list, validate=validate.Length(max=5))
    service_time_s = fields.Integer(load_default=300, validate=validate.Range(min=0, max=8 * 3600))
    weight_kg = NonNegativeFloat(load_default=0)
    volume_l = NonNegativeFloat(load_default=0)
    parcels = fields.List(Barcode, load_default=list, validate=validate.Length(max=200))
    parcel_count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=1000))
    priority = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100))
    required_skills = fields.List(Skill, load_default=list, validate=validate.Length(max=20))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    delivery_instructions = fields.String(load_default="", validate=validate.Length(max=2000))
    cod_amount_cents = NonNegativeInt(load_default=0)
    requires_id_check = fields.Boolean(load_default=False)
    min_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=99))

    @validates_schema
    def _coordinates_together(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("Give both lat and lon, or neither.", "lon" if data.get("lat") is not None else "lat")
        if data.get("recipient") and data.get("recipient_id"):
            raise ValidationError("Give recipient or recipient_id, not both.", "recipient_id")
        if len(set(data.get("parcels") or [])) != len(data.get("parcels") or []):
            raise ValidationError("A barcode appears twice.", "parcels")
        check_order_type(data)


class OrderUpdateSchema(Schema):
    """Fields a dispatcher may change; status changes go through the lifecycle endpoints."""

    recipient = fields.Nested(RecipientSchema, allow_none=True)
    address = fields.String(validate=validate.Length(min=3, max=500))
    lat = Latitude()
    lon = Longitude()
    delivery_date = fields.Date(allow_none=True)
    time_windows = fields.List(fields.Nested(TimeWindowSchema), validate=validate.Length(max=5))
    service_time_s = fields.Integer(validate=validate.Range(min=0, max=8 * 3600))
    weight_kg = NonNegativeFloat()
    volume_l = NonNegativeFloat()
    parcels = fields.List(Barcode, validate=validate.Length(max=200))
    parcel_count = fields.Integer(validate=validate.Range(min=0, max=1000))
    priority = fields.Integer(validate=validate.Range(min=0, max=100))
    required_skills = fields.List(Skill, validate=validate.Length(max=20))
    notes = fields.String(validate=validate.Length(max=4000))
    delivery_instructions = fields.String(validate=validate.Length(max=2000))
    cod_amount_cents = NonNegativeInt()
    requires_id_check = fields.Boolean()
    min_age = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=99))
    pickup = fields.Nested(PickupInSchema, metadata={
        "description": "The new pickup end of a return or pickup-delivery order (replaces the old one)."})

    @validates_schema
    def _coordinates_together(self, data, **kwargs):
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("Give both lat and lon, or neither.", "lat")


class PinSchema(Schema):
    lat = Latitude(required=True)
    lon = Longitude(required=True)


class CancelSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ParcelSchema(Schema):
    barcode = fields.String()
    loaded_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class PickupOutSchema(Schema):
    address = fields.String(attribute="pickup_address")
    lat = fields.Float(attribute="pickup_lat")
    lon = fields.Float(attribute="pickup_lon")
    time_windows = fields.List(fields.Nested(TimeWindowOutSchema), attribute="pickup_windows")
    service_time_s = fields.Integer(attribute="pickup_service_time_s")
    contact = fields.Nested(RecipientSchema, attribute="sender", allow_none=True)
    instructions = fields.String(attribute="pickup_instructions")


class PickupEnd(fields.Nested):
    """The pickup end, for the order types that have one (null for a delivery)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj if getattr(obj, "type", None) not in (None, OrderType.delivery) else None


class OrderSchema(Schema):
    id = fields.Integer()
    external_ref = fields.String()
    type = fields.Function(lambda order: order.type.value, metadata={"enum": list(ORDER_TYPES)})
    pickup = PickupEnd(PickupOutSchema, allow_none=True)
    depot_id = fields.Integer(allow_none=True)
    recipient = fields.Nested(RecipientSchema, allow_none=True)
    address = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    geocode_source = fields.Enum(GeocodeSource)
    delivery_date = fields.Date(allow_none=True)
    time_windows = fields.List(fields.Nested(TimeWindowOutSchema))
    service_time_s = fields.Integer()
    weight_kg = fields.Float()
    volume_l = fields.Float()
    parcel_count = fields.Integer()
    parcels = fields.List(fields.Nested(ParcelSchema))
    priority = fields.Integer()
    required_skills = fields.List(fields.String())
    notes = fields.String()
    delivery_instructions = fields.String()
    cod_amount_cents = fields.Integer()
    requires_id_check = fields.Boolean()
    min_age = fields.Integer(allow_none=True)
    status = fields.Enum(OrderStatus)
    failure_reason = fields.Enum(FailureReason, allow_none=True)
    tracking_token = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrderEventSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    at = fields.DateTime()
    recorded_at = fields.DateTime()
    actor_type = fields.String(attribute="actor_type.value")
    actor_id = fields.Integer(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    details = fields.Dict()


class StatusList(fields.Field):
    """One status or several separated by commas ("created,rescheduled")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Give statuses separated by commas.")
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in OrderStatus.__members__]
        if unknown:
            raise ValidationError(f"Unknown status {', '.join(unknown)}; use "
                                  f"{', '.join(OrderStatus.__members__)}.")
        return [OrderStatus[name] for name in dict.fromkeys(names)] or None


ORDER_SORTS = ("id", "-id", "delivery_date", "-delivery_date", "external_ref", "-external_ref", "created_at",
               "-created_at", "status", "-status")


class OrderQuerySchema(PageQuery):
    status = StatusList(load_default=None, metadata={"description": "A status, or several separated by commas."})
    delivery_date = fields.Date(load_default=None)
    date_from = fields.Date(load_default=None, metadata={"description": "Delivery date on or after this day."})
    date_to = fields.Date(load_default=None, metadata={"description": "Delivery date on or before this day."})
    depot_id = Id(load_default=None)
    external_ref = fields.String(load_default=None, validate=validate.Length(max=100))
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "Search in reference, address and recipient name."})
    sort = fields.String(load_default="id", validate=validate.OneOf(ORDER_SORTS),
                         metadata={"description": "A column, '-' first for descending; ties by id."})

    @validates_schema
    def _range_in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("The end of the range is before its start.", "date_to")


class BulkOrdersSchema(Schema):
    orders = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=5000))
    skip_invalid = fields.Boolean(load_default=False)


class BulkItemResultSchema(Schema):
    index = fields.Integer(metadata={"description": "Position of the order in the request."})
    external_ref = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["created", "existing", "invalid", "valid"]})
    id = fields.Integer(metadata={"description": "The order's id, when created or existing."})
    errors = fields.Dict(metadata={"description": "Field -> messages, when invalid."})


class BulkResultSchema(Schema):
    created = fields.Integer()
    existing = fields.Integer()
    invalid = fields.Integer()
    valid = fields.Integer()
    skipped = fields.Integer()
    imported = fields.Boolean()
    results = fields.List(fields.Nested(BulkItemResultSchema))


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True)
    skip_invalid = fields.Boolean(load_default=False)
    depot_id = Id(load_default=None)


class ExportQuery(OrderQuerySchema):
    pass


class RecipientQuery(PageQuery):
    q = fields.String(load_default=None, validate=validate.Length(max=200))


def order_etag(order) -> str:
    """An order's ETag: a digest of what staff see of it, so any visible change (its recipient, windows or
    parcels included) gives a new tag and nothing else does."""
    body = json.dumps(OrderSchema().dump(order), sort_keys=True, separators=(",", ":"), default=str)
    return '"order-' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
