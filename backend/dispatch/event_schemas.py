"""What dispatch's live events carry (`route.updated`, `eta.updated`, `alert`), one schema per audience.

Each is dumped by the same route schemas as the HTTP answers (backend/dispatch/schemas.py), so what an
audience receives live is what it receives over HTTP; `live_event()` lists them in the API document.
"""
from marshmallow import Schema, fields

from backend.api.events import live_event
from backend.api.output_fields import Timestamp
from backend.dispatch.schemas import DriverRouteSchema, DriverSelfSchema, RouteSchema

CHANGE_KINDS = ["created", "published", "resequenced", "added", "removed", "reassigned", "started", "updated",
                "break", "loaded", "completed", "instructions"]


class DriverChangeSchema(Schema):
    """What changed on the driver's route, in terms of the driver's own stops."""

    kind = fields.String(metadata={"enum": CHANGE_KINDS})
    stop_id = fields.Integer()
    address = fields.String()
    sequence = fields.Integer()
    from_sequence = fields.Integer()
    to_sequence = fields.Integer()
    count = fields.Integer()
    on_break = fields.Boolean()
    barcode = fields.String()
    by = fields.String(metadata={"description": "Who made the change."})


class RouteChangeSchema(DriverChangeSchema):
    from_route_id = fields.Integer(metadata={"description": "The route an added stop came from."})
    to_route_id = fields.Integer(metadata={"description": "The route a removed stop went to."})


class RouteUpdatedSchema(Schema):
    """`route.updated` to dispatchers and the route's watchers."""

    route = fields.Nested(RouteSchema)
    change = fields.Nested(RouteChangeSchema, allow_none=True)


class DriverRouteUpdatedSchema(Schema):
    """`route.updated` to the driver's phone."""

    route = fields.Nested(DriverRouteSchema)
    change = fields.Nested(DriverChangeSchema, allow_none=True)


class EtaStopSchema(Schema):
    stop_id = fields.Integer(attribute="id")
    order_id = fields.Integer()
    eta = Timestamp(attribute="eta_at", allow_none=True)


class EtaUpdatedSchema(Schema):
    """`eta.updated` to staff and the route's driver: which stops' ETAs moved, on which version of the route."""

    route_id = fields.Integer()
    version = fields.Integer()
    stale_position = fields.Boolean(metadata={"description": "Timed without a recent position of the driver."})
    stops = fields.List(fields.Nested(EtaStopSchema))


class CustomerEtaSchema(Schema):
    """`eta.updated` to a tracking page: its own ETA, nothing about the route's other stops."""

    eta = Timestamp(attribute="eta_at", allow_none=True)
    stale_position = fields.Boolean()


class LateRiskStopSchema(Schema):
    stop_id = fields.Integer()
    order_id = fields.Integer()
    external_ref = fields.String()
    address = fields.String()
    eta = Timestamp()
    window_end = Timestamp()
    late_by_s = fields.Integer()


class LateRiskAlertSchema(Schema):
    """`alert` (kind late_risk) to dispatchers, per route: sent when a stop of it newly gets an ETA past the
    end of its window, it lists every stop of the route still to do that is now at risk (the console
    replaces the route's line). Finished stops are never listed."""

    kind = fields.Constant("late_risk", metadata={"type": "string", "enum": ["late_risk"]})
    route_id = fields.Integer()
    driver = fields.Nested(DriverSelfSchema, allow_none=True)
    count = fields.Integer()
    stops = fields.List(fields.Nested(LateRiskStopSchema))


class DriverConflictAlertSchema(Schema):
    """`alert` (kind driver_conflict) to dispatchers: a driver's action was not applied (see the conflict rule)."""

    kind = fields.Constant("driver_conflict", metadata={"type": "string", "enum": ["driver_conflict"]})
    message = fields.String()
    route_id = fields.Integer()
    driver_id = fields.Integer()
    stop_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    action = fields.String()
    at = Timestamp(metadata={"description": "When the driver acted."})


live_event("route.updated", RouteUpdatedSchema, audience="dispatchers, and staff watching the route",
           description="A route changed (its version is bumped); `change` says what.")
live_event("route.updated", DriverRouteUpdatedSchema, audience="the route's driver (published routes)",
           description="The driver's route changed; the phone replaces its copy.")
live_event("eta.updated", EtaUpdatedSchema, audience="dispatchers, the route's watchers and its driver",
           description="Stops' ETAs moved by more than ETA_NOTIFY_THRESHOLD_S.")
live_event("eta.updated", CustomerEtaSchema, audience="a tracking page", description="This order's ETA moved.")
live_event("alert", LateRiskAlertSchema, audience="dispatchers", description="Stops of a route will likely miss their windows (one alert per route).")
live_event("alert", DriverConflictAlertSchema, audience="dispatchers",
           description="A driver's action conflicted with a change dispatch made while the phone was offline.")
