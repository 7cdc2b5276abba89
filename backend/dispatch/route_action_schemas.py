"""Requests and answers of the whole-route actions and of placing one stop (route_action_views.py)."""
from marshmallow import Schema, fields

from backend.api import QuerySchema
from backend.api.events import live_event
from backend.dispatch.schemas import Version
from backend.validators import Id


class PlacementAskSchema(Schema):
    to_route_id = Id(required=True)


class PlacementSchema(Schema):
    """Where a stop would go on a route: its cheapest feasible position, or none (with the reason)."""

    stop_id = fields.Integer()
    route_id = fields.Integer()
    version = fields.Integer(metadata={"description": "The route's version the suggestion was made on."})
    position = fields.Integer(allow_none=True, metadata={"description": "1-based; null when the stop fits "
                                                                        "nowhere on the route without a new violation."})
    reason = fields.String(allow_none=True, metadata={"description": "Why it fits nowhere (e.g. no_room)."})


class NewRouteSchema(Schema):
    driver_id = Id(required=True)
    from_version = Version


class HandOverSchema(Schema):
    driver_id = Id(required=True)
    version = Version


class VersionOnlySchema(Schema):
    version = Version


class VersionQuery(QuerySchema):
    version = Version


class DuplicateSchema(Schema):
    date = fields.Date(required=True, metadata={"description": "The day the copy is for (not the route's own)."})
    driver_id = Id(load_default=None, allow_none=True)


class RouteWithdrawnSchema(Schema):
    route_id = fields.Integer()
    date = fields.String(metadata={"description": "YYYY-MM-DD"})


class RouteDeletedSchema(Schema):
    class DeletedRoute(Schema):
        id = fields.Integer()
        date = fields.String()
        depot_id = fields.Integer()

    route = fields.Nested(DeletedRoute)
    by = fields.String()


live_event("route.withdrawn", RouteWithdrawnSchema, audience="the driver whose published route was taken back",
           description="Dispatch unpublished or deleted the driver's route: it is no longer theirs to drive.")
live_event("route.deleted", RouteDeletedSchema, audience="dispatchers",
           description="A route was deleted; its orders are unplanned again.")
