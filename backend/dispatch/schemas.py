"""What the dispatch API and its live events take and give, one answer schema per audience.

Drivers get `Driver*` schemas: their own route and, for each stop, what is needed at the door. Staff
(dispatchers, admins, API keys) get the route with its summary (load, CO2, planned cost) and each
order's planning fields. Socket payloads (`route.updated`, `eta.updated`, `alert`) are dumped by these
same schemas, so what an audience receives live is what it receives over HTTP. The live events' own
schemas are in `event_schemas.py`, the console's previews and suggestions in `preview_schemas.py`.
"""
from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from backend.api import QuerySchema
from backend.api.output_fields import Day, Derived, Timestamp
from backend.dispatch import timing
from backend.dispatch.models import RouteStatus, StopStatus
from backend.dispatch.summaries import route_summary
from backend.orders.enums import FailureReason, OrderStatus, StopKind
from backend.orders.schemas import ParcelSchema, TimeWindowOutSchema
from backend.tracking.schemas import PositionSchema
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
    status = fields.String(metadata={"description": "applied, duplicate (this key was applied before) or conflict "
                                                    "(not applied; dispatch has been told; a replayed key that was "
                                                    "a conflict answers conflict again, with its reason)."})
    message = fields.String()
    reason = fields.String(allow_none=True, metadata={
        "description": "Why a conflict was not applied, for the phone to word in the driver's language: "
                       "stop_moved, order_cancelled, stop_finished, route_not_startable or refused; null otherwise."})
    route = fields.Nested("DriverRouteSchema", metadata={"description": "The driver's route after the action."})


class FixSchema(Schema):
    lat = Latitude(required=True)
    lon = Longitude(required=True)
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))
    heading = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=360))
    speed = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    at = fields.AwareDateTime(required=True, default_timezone=None)


class FixBatchSchema(Schema):
    fixes = fields.List(fields.Nested(FixSchema), required=True, validate=validate.Length(min=1, max=5000))


class RejectedFixSchema(Schema):
    index = fields.Integer(metadata={"description": "Position of the fix in the batch."})
    reason = fields.String()


class FixBatchResultSchema(Schema):
    accepted = fields.Integer()
    duplicates = fields.Integer(metadata={"description": "Fixes already stored (a resent batch); not stored twice."})
    rejected = fields.List(fields.Nested(RejectedFixSchema))


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


# --- the console's requests (moved here from the view module) -------------------------------------

Version = fields.Integer(required=True, validate=validate.Range(min=1, max=2_000_000_000))
Position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10_000))


class RouteIdList(fields.Field):
    """Route ids separated by commas ("12,13")."""

    def _deserialize(self, value, attr, data, **kwargs):
        names = [name.strip() for name in str(value).split(",") if name.strip()]
        if not names or not all(name.isdigit() and 0 < int(name) < 2**31 for name in names):
            raise ValidationError("Give route ids separated by commas.")
        if len(names) > 500:
            raise ValidationError("At most 500 routes at once.")
        return [int(name) for name in names]


class PublishPreviewQuery(QuerySchema):
    route_ids = RouteIdList(required=True, metadata={"description": "Draft route ids separated by commas."})


class PublishReachSchema(Schema):
    routes = fields.Integer(metadata={"description": "Drafts among the routes named (published ones count 0)."})
    orders = fields.Integer(metadata={"description": "Orders that would be dispatched."})
    customers = fields.Integer(metadata={"description": "Distinct customers who would get a message."})
    by_channel = fields.Dict(keys=fields.String(), values=fields.Integer(),
                             metadata={"description": "Customers per channel: sms, email, push."})
    without_channel = fields.Integer(metadata={"description": "Customers no channel reaches (no phone, opted out)."})
    practice = fields.Boolean(metadata={"description": "A practice organization: nothing leaves, whatever the counts."})


class BoardQuery(QuerySchema):
    date = fields.Date(required=True)
    depot_id = Id(load_default=None)


class MovePreviewSchema(Schema):
    to_route_id = Id(required=True)
    position = Position


class MoveSchema(MovePreviewSchema):
    from_version = Version
    to_version = Version


class InsertSchema(Schema):
    order_id = Id(required=True)
    position = Position
    version = Version


class MovePlanSchema(Schema):
    stop_id = Id(required=True)
    to_route_id = Id(required=True)
    position = Position


class RouteVersionSchema(Schema):
    route_id = Id(required=True)
    version = Version


class RedistributeSchema(Schema):
    moves = fields.List(fields.Nested(MovePlanSchema), required=True, validate=validate.Length(min=1, max=500))
    versions = fields.List(fields.Nested(RouteVersionSchema), required=True, validate=validate.Length(min=1, max=200))


class SettingsSchema(Schema):
    tile_url = fields.String()
    tile_attribution = fields.String()
    road_geometry = fields.Boolean()
    geocoder = fields.Boolean(metadata={"description": "An address search is configured (GEOCODER_URL)."})


# --- routes: what each audience receives ----------------------------------------------------------

class DoorRecipientSchema(Schema):
    """Who to hand the parcel to and how to call them: the driver's need at the door."""

    name = fields.String()
    phone = fields.String(allow_none=True)


class DriverOrderSchema(Schema):
    """What a driver needs at the door, and nothing else: no tracking link, no e-mail, no planning data.

    On a stop it describes the end the stop serves: at a pickup stop, the address, windows, service time,
    instructions and person (`recipient`: the sender) are the pickup's."""

    id = fields.Integer()
    external_ref = fields.String()
    type = fields.Function(lambda order: order.type.value, metadata={"enum": ["delivery", "return", "pickup_delivery"]})
    status = fields.Enum(OrderStatus)
    address = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    time_windows = fields.List(fields.Nested(TimeWindowOutSchema))
    service_time_s = fields.Integer()
    parcel_count = fields.Integer()
    parcels = fields.List(fields.Nested(ParcelSchema))
    notes = fields.String()
    delivery_instructions = fields.String()
    recipient = fields.Nested(DoorRecipientSchema, allow_none=True)
    cod_amount_cents = fields.Integer()
    requires_id_check = fields.Boolean()
    min_age = fields.Integer(allow_none=True)
    weight_kg = fields.Float()


class StaffOrderSchema(DriverOrderSchema):
    """A stop's order as dispatch plans it."""

    depot_id = fields.Integer(allow_none=True)
    delivery_date = Day(allow_none=True)
    volume_l = fields.Float()
    priority = fields.Integer()
    required_skills = fields.List(fields.String())
    failure_reason = fields.Enum(FailureReason, allow_none=True)


class _AtEnd:
    """The stop's order as seen from the end the stop serves (the order's other fields unchanged)."""

    def __init__(self, stop):
        self._order, self._end = stop.order, stop.end

    @property
    def recipient(self):
        return self._end.person

    @property
    def delivery_instructions(self):
        return self._end.instructions

    def __getattr__(self, name):
        if name in ("address", "lat", "lon", "time_windows", "service_time_s"):
            return getattr(self._end, name)
        return getattr(self._order, name)


class StopOrder(fields.Nested):
    def get_value(self, obj, attr, accessor=None, default=missing):
        return _AtEnd(obj) if hasattr(obj, "kind") else obj.order


class DriverStopSchema(Schema):
    id = fields.Integer()
    route_id = fields.Integer()
    sequence = fields.Integer()
    kind = fields.Enum(StopKind, metadata={"description": "pickup (collect the parcel) or delivery (hand it over)."})
    status = fields.Enum(StopStatus)
    planned_arrival_at = Timestamp(allow_none=True)
    planned_departure_at = Timestamp(allow_none=True)
    eta_at = Timestamp(allow_none=True)
    actual_arrival_at = Timestamp(allow_none=True)
    actual_departure_at = Timestamp(allow_none=True)
    order = StopOrder(DriverOrderSchema)


class PlannedLateSchema(Schema):
    late_by_s = fields.Integer()
    window_end = Timestamp()
    window_passed = fields.Boolean(metadata={"description": "The window had ended before the route's "
                                                            "remaining work was planned to start."})


class PlannedLate(fields.Nested):
    """Computed from the stop: planned after its window while still to do (dispatch.timing.planned_late)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return timing.planned_late(obj)


class StaffStopSchema(DriverStopSchema):
    order = StopOrder(StaffOrderSchema)
    planned_late = PlannedLate(PlannedLateSchema, allow_none=True, metadata={
        "description": "Set when the stop, still to do, is planned after the end of its window (and why)."})


class DepotRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    timezone = fields.String()


class VehicleRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    plate = fields.String()


class DriverSelfSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="user.name")


class RouteDriverSchema(DriverSelfSchema):
    phone = fields.Function(lambda driver: driver.phone or driver.user.phone, allow_none=True)


class AtRiskSchema(Schema):
    stop_id = fields.Integer()
    late_by_s = fields.Integer(metadata={"description": "How far the ETA is past the end of the stop's window."})


class CapacitySchema(Schema):
    weight_kg = fields.Float()
    volume_l = fields.Float()
    parcels = fields.Integer()


class RouteSummarySchema(Schema):
    stops = fields.Integer()
    done = fields.Integer()
    remaining = fields.Integer()
    delivered = fields.Integer()
    failed = fields.Integer()
    distance_m = fields.Integer(metadata={"description": "Planned distance."})
    driving_s = fields.Integer(metadata={"description": "Planned driving time."})
    load_share = fields.Float(allow_none=True, metadata={"description": "The van's most loaded dimension, 0..1+."})
    co2_g = fields.Integer(allow_none=True)
    planned_cost_cents = fields.Integer(allow_none=True, metadata={
        "description": "The van's fixed cost + hourly rate over the planned day + per-km rate over the planned "
                       "distance."})
    capacity = fields.Nested(CapacitySchema, allow_none=True)
    start_at = Timestamp(allow_none=True)
    end_at = Timestamp(allow_none=True)
    delay_s = fields.Integer(allow_none=True, metadata={"description": "Next stop's ETA against its plan "
                                                                       "(positive: late); on the road only."})
    at_risk = fields.List(fields.Nested(AtRiskSchema))


class InSequence(fields.List):
    """A route's stops in their driving order, whatever order the session holds them in."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return sorted(obj.stops, key=lambda stop: stop.sequence)


class DriverRouteSchema(Schema):
    """A driver's own route: the day's stops in order, with what the driver needs at each door."""

    id = fields.Integer()
    date = Day()
    status = fields.Enum(RouteStatus)
    version = fields.Integer(metadata={"description": "Bumped by every change; send it back to catch up."})
    depot = fields.Nested(DepotRefSchema)
    vehicle = fields.Nested(VehicleRefSchema, allow_none=True)
    driver = fields.Nested(DriverSelfSchema, allow_none=True)
    planned_start_at = Timestamp(allow_none=True)
    planned_end_at = Timestamp(allow_none=True)
    planned_distance_m = fields.Integer()
    planned_duration_s = fields.Integer()
    started_at = Timestamp(allow_none=True)
    completed_at = Timestamp(allow_none=True)
    on_break = fields.Function(lambda route: route.break_started_at is not None, metadata={"type": "boolean"})
    stops = InSequence(fields.Nested(DriverStopSchema))


class RouteSchema(DriverRouteSchema):
    """A route as dispatch sees it: every stop's planning data and the route's summary (load, CO2, cost)."""

    driver = fields.Nested(RouteDriverSchema, allow_none=True)
    published_at = Timestamp(allow_none=True)
    summary = Derived(RouteSummarySchema, route_summary)
    stops = InSequence(fields.Nested(StaffStopSchema))


class UnplannedOrderSchema(Schema):
    """An order still to plan, as the board lists it."""

    id = fields.Integer()
    external_ref = fields.String()
    type = fields.Function(lambda order: order.type.value, metadata={"enum": ["delivery", "return", "pickup_delivery"]})
    status = fields.Enum(OrderStatus)
    # Where the order's last stop is: a return's collection address (its delivery end is the depot).
    address = fields.Function(lambda order: order.end(order.stop_kinds[-1]).address)
    lat = fields.Function(lambda order: order.end(order.stop_kinds[-1]).lat)
    lon = fields.Function(lambda order: order.end(order.stop_kinds[-1]).lon)
    depot_id = fields.Integer(allow_none=True)
    time_windows = fields.List(fields.Nested(TimeWindowOutSchema))
    weight_kg = fields.Float()
    volume_l = fields.Float()
    parcel_count = fields.Integer()
    priority = fields.Integer()
    required_skills = fields.List(fields.String())


class BoardSchema(Schema):
    """A day at a glance."""

    date = Day()
    depot_id = fields.Integer(allow_none=True)
    routes = fields.List(fields.Nested(RouteSchema))
    positions = fields.List(fields.Nested(PositionSchema))
    unplanned = fields.List(fields.Nested(UnplannedOrderSchema))


class RouteListSchema(Schema):
    """Several routes at once (a redistribution touches every route it moves stops to)."""

    routes = fields.List(fields.Nested(RouteSchema))


class MoveResultSchema(Schema):
    from_route = fields.Nested(RouteSchema, data_key="from", attribute="from")
    to_route = fields.Nested(RouteSchema, data_key="to", attribute="to")


class RouteGeometrySchema(Schema):
    route_id = fields.Integer()
    version = fields.Integer()
    mode = fields.String(metadata={"enum": ["road", "straight"]})
    points = fields.List(fields.List(fields.Float()), metadata={"description": "[lat, lon] pairs in order, depot "
                                                                              "to depot."})


# --- proof of delivery, as the console shows it -----------------------------------------------------

class ProofFileSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["photo", "signature"]})
    content_type = fields.String()
    size_bytes = fields.Integer()
    url = fields.String()
    captured_at = Timestamp(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)


class ProofSchema(Schema):
    id = fields.Integer()
    stop_id = fields.Integer(allow_none=True)
    driver_id = fields.Integer(allow_none=True)
    outcome = fields.String(metadata={"enum": ["delivered", "failed"]})
    failure_reason = fields.String(allow_none=True)
    recipient_name = fields.String()
    note = fields.String()
    at = Timestamp()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    distance_from_address_m = fields.Integer(allow_none=True)
    photos = fields.List(fields.Nested(ProofFileSchema))
    signature = fields.Nested(ProofFileSchema, allow_none=True)
    scanned_barcodes = fields.List(fields.String())
    cod_collected_cents = fields.Integer()
    id_checked = fields.Boolean()
    age_verified = fields.Boolean()
