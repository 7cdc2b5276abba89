"""What the console's previews and suggestions answer (nothing is saved until the dispatcher confirms):
the timing and violations of a changed sequence, a move, a re-optimization, an insertion, a redistribution.
"""
from marshmallow import Schema, fields

from backend.api.output_fields import Timestamp
from backend.dispatch.schemas import RouteDriverSchema, RouteVersionSchema

class ViolationSchema(Schema):
    """A constraint the plan breaks, in VROOM's words (cause: delay, lead_time, load, max_tasks, ...)."""

    cause = fields.String()
    duration = fields.Integer(allow_none=True, metadata={"description": "Seconds late, for time causes."})


class PreviewStopSchema(Schema):
    stop_id = fields.Integer(allow_none=True, metadata={"description": "None for an order not on a route yet."})
    order_id = fields.Integer()
    external_ref = fields.String()
    address = fields.String()
    sequence = fields.Integer()
    eta = Timestamp(allow_none=True, metadata={"description": "A visited stop's actual arrival (None if unknown)."})
    departure = Timestamp(allow_none=True)
    planned_arrival_at = Timestamp(allow_none=True)
    window_end = Timestamp(allow_none=True)
    violations = fields.List(fields.Nested(ViolationSchema))


class RoutePreviewSchema(Schema):
    route_id = fields.Integer()
    version = fields.Integer()
    distance_m = fields.Integer()
    duration_s = fields.Integer()
    route_violations = fields.List(fields.Nested(ViolationSchema))
    stops = fields.List(fields.Nested(PreviewStopSchema))


class SequencePreviewStopSchema(Schema):
    stop_id = fields.Integer()
    sequence = fields.Integer()
    eta = Timestamp(allow_none=True)
    departure = Timestamp(allow_none=True)
    violations = fields.List(fields.Nested(ViolationSchema))


class SequencePreviewSchema(Schema):
    route_id = fields.Integer()
    version = fields.Integer()
    distance_m = fields.Integer()
    duration_s = fields.Integer()
    route_violations = fields.List(fields.Nested(ViolationSchema))
    from_position = fields.Boolean(metadata={"description": "Timed from the driver's last position and now."})
    stops = fields.List(fields.Nested(SequencePreviewStopSchema))


class ViolationLineSchema(Schema):
    """One line of what a change would break, as the dispatcher reads it."""

    route_id = fields.Integer()
    stop_id = fields.Integer(allow_none=True)
    sequence = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    cause = fields.String()
    duration_s = fields.Integer(allow_none=True)


class MovePreviewResultSchema(Schema):
    stop_id = fields.Integer()
    from_route = fields.Nested(RoutePreviewSchema, data_key="from", attribute="from")
    to_route = fields.Nested(RoutePreviewSchema, data_key="to", attribute="to")
    violations = fields.List(fields.Nested(ViolationLineSchema))
    new_violations = fields.List(fields.Nested(ViolationLineSchema),
                                 metadata={"description": "Those the current plan does not already have."})


class UnassignedStopSchema(Schema):
    stop_id = fields.Integer()
    address = fields.String()
    reason = fields.String()


class UnplacedStopSchema(Schema):
    stop_id = fields.Integer()
    reason = fields.String()


class PlanTotalsSchema(Schema):
    distance_m = fields.Integer()
    duration_s = fields.Integer()


class ReoptimizationSchema(Schema):
    route_id = fields.Integer()
    version = fields.Integer(metadata={"description": "Confirm with PUT /routes/{id}/sequence and this version."})
    stop_ids = fields.List(fields.Integer())
    unassigned = fields.List(fields.Nested(UnplacedStopSchema),
                             metadata={"description": "Stops that no longer fit; they stay at the end."})
    preview = fields.Nested(RoutePreviewSchema)
    current = fields.Nested(PlanTotalsSchema)
    new_violations = fields.List(fields.Nested(ViolationLineSchema))


class InsertionSchema(Schema):
    order_id = fields.Integer()
    route_id = fields.Integer(allow_none=True, metadata={"description": "None when no route can take the order."})
    version = fields.Integer()
    position = fields.Integer()
    cost_delta = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "Why no route can take it (no_route, "
                                                                     "no_room, ...)."})
    preview = fields.Nested(RoutePreviewSchema)
    driver = fields.Nested(RouteDriverSchema, allow_none=True)


class PlannedMoveSchema(Schema):
    stop_id = fields.Integer()
    address = fields.String()
    to_route_id = fields.Integer()
    position = fields.Integer()
    driver = fields.Nested(RouteDriverSchema, allow_none=True)


class RedistributionSchema(Schema):
    route_id = fields.Integer()
    moves = fields.List(fields.Nested(PlannedMoveSchema))
    unassigned = fields.List(fields.Nested(UnassignedStopSchema))
    versions = fields.List(fields.Nested(RouteVersionSchema),
                           metadata={"description": "Send these back with the moves to apply them."})
