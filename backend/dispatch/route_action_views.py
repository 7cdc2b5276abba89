"""Whole-route actions (hand over, unpublish, delete, duplicate) and placing one stop, for the console.

Staff only; every change sends the version the dispatcher saw (a stale one is a 409 with the fresh route).
"""
from flask import Blueprint

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.dispatch import route_actions, suggestions
from backend.dispatch.route_action_schemas import (DuplicateSchema, HandOverSchema, NewRouteSchema, PlacementAskSchema,
                                                   PlacementSchema, VersionOnlySchema, VersionQuery)
from backend.dispatch.schemas import MoveResultSchema, RouteSchema

bp = Blueprint("dispatch_route_actions", __name__, url_prefix="/api/v1")


@endpoint(bp, "/routes/<int:route_id>/driver", "POST", roles=STAFF, body=HandOverSchema, response=RouteSchema,
          idempotent=True,
          summary="Hand the whole route to another driver (active, with no other open route that day).")
def hand_over(route_id, body):
    return route_actions.hand_over(current_principal(), route_id, body["driver_id"], body["version"])


@endpoint(bp, "/routes/<int:route_id>/unpublish", "POST", roles=STAFF, body=VersionOnlySchema, response=RouteSchema,
          idempotent=True,
          summary="Take a published route not yet started back from its driver: a draft again, orders planned.")
def unpublish(route_id, body):
    return route_actions.unpublish(current_principal(), route_id, body["version"])


@endpoint(bp, "/routes/<int:route_id>", "DELETE", roles=STAFF, query=VersionQuery, status=204,
          summary="Delete a route not started; its orders go back to the day's unplanned orders.")
def delete_route(route_id, query):
    route_actions.delete_route(current_principal(), route_id, query["version"])
    return None


@endpoint(bp, "/routes/<int:route_id>/duplicate", "POST", roles=STAFF, body=DuplicateSchema, response=RouteSchema,
          status=201, idempotent=True,
          summary="The same deliveries on another day (new orders, same local hours) as a draft route.")
def duplicate(route_id, body):
    return route_actions.duplicate(current_principal(), route_id, body["date"], body["driver_id"])


@endpoint(bp, "/stops/<int:stop_id>/placement", "POST", roles=STAFF, body=PlacementAskSchema, response=PlacementSchema,
          summary="Where a pending stop would fit best on another route (cheapest feasible position); nothing saved.")
def placement(stop_id, body):
    return suggestions.suggest_placement(current_principal(), stop_id, body["to_route_id"])


@endpoint(bp, "/stops/<int:stop_id>/new-route", "POST", roles=STAFF, body=NewRouteSchema, response=MoveResultSchema,
          idempotent=True, status=201,
          summary="Give a pending stop to a driver without a route that day: a new draft route for them.")
def new_route(stop_id, body):
    return route_actions.move_to_new_route(current_principal(), stop_id, body["driver_id"], body["from_version"])
