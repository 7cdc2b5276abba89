"""Named builders of what clients receive about routes, per audience: the API and the socket events share them.

Each builder dumps with the audience's schema (dispatch.schemas, dispatch.event_schemas), so a driver's phone
never receives what only staff may see (the route's summary and cost, the orders' planning fields), live or over HTTP.
"""
from __future__ import annotations

from backend.dispatch.event_schemas import DriverRouteUpdatedSchema, RouteUpdatedSchema
from backend.dispatch.models import Route
from backend.dispatch.schemas import DriverRouteSchema, RouteSchema

_STAFF_ROUTE, _DRIVER_ROUTE = RouteSchema(), DriverRouteSchema()
_STAFF_UPDATE, _DRIVER_UPDATE = RouteUpdatedSchema(), DriverRouteUpdatedSchema()


def route_etag(route: Route) -> str:
    """A route's ETag is its version: every change to the route or its stops bumps it (ETAs do not: they are
    estimates refreshed in place, and an edit made against them is still valid)."""
    return f'"route-{route.id}-v{route.version}"'


def route_for_staff(route: Route) -> dict:
    return _STAFF_ROUTE.dump(route)


def route_for_driver(route: Route) -> dict:
    return _DRIVER_ROUTE.dump(route)


def route_snapshot(route: Route, principal=None) -> dict:
    """The whole route as one plain-JSON document for `principal` (staff when None), with the version a
    client catches up from."""
    if principal is not None and principal.is_driver:
        return route_for_driver(route)
    return route_for_staff(route)


def route_updated(route: Route, change: dict | None = None) -> dict:
    """`route.updated` for staff (the route's room and the organization's dispatchers)."""
    return _STAFF_UPDATE.dump({"route": route, "change": change})


def route_updated_for_driver(route: Route, change: dict | None = None) -> dict:
    """`route.updated` for the driver's phone: their route as they see it, and what changed in their words."""
    return _DRIVER_UPDATE.dump({"route": route, "change": change})
