from flask import Blueprint, current_app, request

from backend.api import by_role, endpoint
from backend.api.preconditions import ETagged
from backend.auth.principal import DRIVER, STAFF, current_principal
from backend.dispatch import driver_actions, guidance_schemas, payloads, preview_schemas, schemas, service
from backend.dispatch.models import Route
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.pod import service as pod_service

bp = Blueprint("dispatch", __name__, url_prefix="/api/v1")


def _current_route_etag(route_id: int, **_) -> str | None:
    """The route's tag under a row lock (PostgreSQL), so nobody changes it between the If-Match check and
    the write; None when the caller's organization has no such route (the view then answers 404)."""
    from sqlalchemy import select

    from backend.dispatch.models import Route

    route = db.session.scalar(select(Route).where(Route.org_id == current_principal().org_id, Route.id == route_id)
                              .with_for_update(of=Route))
    return payloads.route_etag(route) if route is not None else None


ROUTE_ETAG = ETagged(of=lambda result: payloads.route_etag(result) if isinstance(result, Route) else None,
                     current=_current_route_etag)


@endpoint(bp, "/routes", roles=STAFF, query=schemas.RouteQuerySchema, response=schemas.RouteSchema(many=True),
          summary="Routes of a day (or of a driver).")
def list_routes(query):
    return service.list_routes(current_principal().org_id, query["date"], query["driver_id"])


@endpoint(bp, "/routes", "POST", roles=STAFF, body=schemas.RouteCreateSchema, response=schemas.RouteSchema,
          idempotent=True,
          status=201, etag=ROUTE_ETAG,
          summary="Create a draft route from orders in the given sequence; planned times are computed.")
def create_route(body):
    principal = current_principal()
    return service.create_route(principal.org_id, body, principal)


@endpoint(bp, "/routes/<int:route_id>", roles=STAFF + DRIVER,
          response=by_role(staff=schemas.RouteSchema, driver=schemas.DriverRouteSchema), etag=ROUTE_ETAG,
          summary="A route with its stops (drivers: their own, as DriverRoute).")
def get_route(route_id):
    return service.get_route(current_principal(), route_id)


@endpoint(bp, "/routes/publish-preview", "GET", roles=STAFF, query=schemas.PublishPreviewQuery,
          response=schemas.PublishReachSchema,
          summary="Before publishing: how many customers the drafts' 'scheduled' message would reach, per channel.")
def publish_preview(query):
    return service.publish_preview(current_principal(), query["route_ids"])


@endpoint(bp, "/routes/<int:route_id>/publish", "POST", roles=STAFF, response=schemas.RouteSchema, etag=ROUTE_ETAG,
          idempotent=True,
          summary="Publish a draft: its orders are dispatched and the driver's phone receives the route.")
def publish_route(route_id):
    return service.publish_route(current_principal(), route_id)


@endpoint(bp, "/routes/<int:route_id>/sequence", "PUT", roles=STAFF, body=schemas.SequenceSchema,
          response=schemas.RouteSchema, etag=ROUTE_ETAG,
          summary="Re-sequence the stops. Send the version you edited: a stale version is a 409 with the fresh route.")
def resequence(route_id, body):
    return service.resequence(current_principal(), route_id, body["stop_ids"], body["version"])


@endpoint(bp, "/routes/<int:route_id>/sequence/preview", "POST", roles=STAFF, body=schemas.SequenceSchema,
          response=preview_schemas.SequencePreviewSchema,
          summary="The ETAs and violations a new sequence would give, without saving it.")
def preview_sequence(route_id, body):
    return service.preview_sequence(current_principal(), route_id, body["stop_ids"])


# --- the driver's app ----------------------------------------------------------------------------

@endpoint(bp, "/driver/route", roles=DRIVER, query=schemas.DriverRouteQuerySchema, response=schemas.DriverRouteSchema,
          etag=ROUTE_ETAG,
          summary="The driver's published route of the day (default today in the depot's zone).")
def driver_route(query):
    return service.driver_route(current_principal(), query["date"])


@endpoint(bp, "/driver/actions", "POST", roles=DRIVER, body=schemas.DriverActionSchema,
          response=schemas.DriverActionResultSchema,
          summary="Apply one action from the driver's outbox, once per idempotency key, at the time it was done.")
def driver_action(body):
    return driver_actions.apply(current_principal(), body)


@endpoint(bp, "/driver/uploads", "POST", roles=DRIVER, raw_body=True, content_types=("multipart/form-data",),
          response=schemas.UploadResultSchema, status=201,
          summary="Upload a photo or signature (multipart: file, kind, idempotency_key, captured_at, lat, lon).")
def driver_upload():
    form = schemas.UploadFormSchema().load({k: v for k, v in request.form.items() if v != ""})
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("Send the image in the multipart field 'file'.", fields={"file": ["Missing."]})
    proof_file, created = pod_service.store_upload(
        current_principal(), data=upload.read(current_app.config["MAX_PHOTO_BYTES"] + 1), kind=form["kind"],
        idempotency_key=form["idempotency_key"], captured_at=form["captured_at"], lat=form["lat"], lon=form["lon"],
        max_bytes=current_app.config["MAX_PHOTO_BYTES"])
    return proof_file, (201 if created else 200)


@endpoint(bp, "/driver/locations", "POST", roles=DRIVER, body=schemas.FixBatchSchema,
          response=schemas.FixBatchResultSchema,
          summary="Upload GPS fixes recorded while offline, with their original times.")
def driver_locations(body):
    from backend.dispatch import location

    return location.record_fixes(current_principal(), body["fixes"], batch=True)


@endpoint(bp, "/driver/directions", roles=DRIVER, query=guidance_schemas.DirectionsQuerySchema,
          response=guidance_schemas.DirectionsSchema,
          summary="Turn-by-turn directions from a position to one of the driver's stops.")
def driver_directions(query):
    from sqlalchemy import select

    from backend.dispatch.models import Route, Stop
    from backend.geo.directions import directions

    principal = current_principal()
    stop = db.session.scalar(select(Stop).join(Route, Stop.route_id == Route.id).where(
        Stop.id == query["stop_id"], Route.org_id == principal.org_id, Route.driver_id == principal.driver_id))
    if stop is None:
        raise NotFound("No such stop on your routes.")
    return directions(query["lat"], query["lon"], stop.end.lat, stop.end.lon)


_GEOMETRY_CACHE: dict[tuple, dict] = {}


def _route_path(route: Route) -> dict:
    """Cached per route version: a route's path changes only when its stops or their order do."""
    from backend.fleet.models import Depot, Vehicle
    from backend.geo.directions import road_geometry

    key = (route.id, route.version, route.updated_at)
    if key not in _GEOMETRY_CACHE:
        depot = db.session.get(Depot, route.depot_id)
        vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
        stops = sorted(route.stops, key=lambda s: s.sequence)
        points = [(depot.lat, depot.lon)] + [(s.end.lat, s.end.lon) for s in stops] + [(depot.lat, depot.lon)]
        road = road_geometry(points, vehicle.profile if vehicle else "van")
        if len(_GEOMETRY_CACHE) > 500:
            _GEOMETRY_CACHE.clear()
        _GEOMETRY_CACHE[key] = {"route_id": route.id, "version": route.version, "mode": "road" if road else "straight",
                                "points": road or [list(p) for p in points]}
    return _GEOMETRY_CACHE[key]


@endpoint(bp, "/routes/<int:route_id>/geometry", roles=STAFF, response=schemas.RouteGeometrySchema,
          summary="The route's path for the map: roads from OSRM when configured, straight legs otherwise.")
def route_geometry(route_id):
    return _route_path(service.get_route(current_principal(), route_id))


@endpoint(bp, "/driver/routes/<int:route_id>/map", roles=DRIVER, response=guidance_schemas.DriverMapSchema,
          summary="The driver's route on a map: its path (roads with OSRM, straight legs otherwise), the server's "
                  "tiles, and whether directions come turn by turn.")
def driver_route_map(route_id):
    from backend.config import map_tiles

    path = _route_path(service.get_route(current_principal(), route_id))
    return {**path, **map_tiles(current_app.config), "turn_by_turn": bool(current_app.config.get("OSRM_URL"))}
