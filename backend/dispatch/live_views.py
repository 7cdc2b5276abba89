"""The dispatcher console's API: the day's board, live changes to driven routes, proofs of delivery.

Staff only: drivers are refused (403) and other organizations' ids are simply not found (404).
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response

from backend.api import PICTURE_ANSWER, endpoint
from backend.api.preconditions import ETagged
from backend.auth.principal import STAFF, current_principal
from backend.dispatch import live, moves, proofs, suggestions
from backend.dispatch.preview_schemas import (InsertionSchema, MovePreviewResultSchema, RedistributionSchema,
                                              ReoptimizationSchema)
from backend.dispatch.schemas import (BoardQuery, BoardSchema, InsertSchema, MovePreviewSchema, MoveResultSchema,
                                      MoveSchema, ProofSchema, RedistributeSchema, RouteListSchema, RouteSchema,
                                      SettingsSchema)
from backend.dispatch.views import ROUTE_ETAG
from backend.errors import NotFound

log = logging.getLogger(__name__)

bp = Blueprint("dispatch_live", __name__, url_prefix="/api/v1")


@endpoint(bp, "/dispatch/settings", roles=STAFF, response=SettingsSchema,
          summary="The console's server settings: the map tile URL (OpenStreetMap unless configured).")
def console_settings():
    return live.console_settings()


@endpoint(bp, "/dispatch/board", roles=STAFF, query=BoardQuery, response=BoardSchema,
          summary="A day at a glance: routes with their summaries and progress, drivers' positions, unplanned orders.")
def board(query):
    return live.board(current_principal(), query["date"], query["depot_id"])


@endpoint(bp, "/stops/<int:stop_id>/move/preview", "POST", roles=STAFF, body=MovePreviewSchema,
          response=MovePreviewResultSchema,
          summary="Both routes as they would be if this pending stop moved to another route: ETAs and violations.")
def preview_move(stop_id, body):
    return moves.preview_move(current_principal(), stop_id, body["to_route_id"], body["position"])


@endpoint(bp, "/stops/<int:stop_id>/move", "POST", roles=STAFF, body=MoveSchema, response=MoveResultSchema,
          idempotent=True,
          summary="Move a pending stop to another route. Both versions are checked (409 with error.route when stale).")
def move_stop(stop_id, body):
    return moves.move_stop(current_principal(), stop_id, body["to_route_id"], body["position"], body["from_version"],
                          body["to_version"])


@endpoint(bp, "/routes/<int:route_id>/reoptimization", "POST", roles=STAFF, response=ReoptimizationSchema,
          summary="Suggest a new order for the route's remaining stops from the driver's position (nothing saved; "
                  "confirm with PUT /routes/<id>/sequence).")
def suggest_reoptimization(route_id):
    return suggestions.suggest_reoptimization(current_principal(), route_id)


@endpoint(bp, "/orders/<int:order_id>/insertion", "POST", roles=STAFF, response=InsertionSchema,
          summary="Suggest the cheapest feasible route and position for an unplanned (urgent) order; nothing saved.")
def suggest_insertion(order_id):
    return suggestions.suggest_insertion(current_principal(), order_id)


@endpoint(bp, "/routes/<int:route_id>/stops", "POST", roles=STAFF, body=InsertSchema, response=RouteSchema, status=201,
          idempotent=True,
          etag=ROUTE_ETAG,
          summary="Add an unplanned order to a route at a position, with the route's version (409 when stale).")
def insert_order(route_id, body):
    return suggestions.insert_order(current_principal(), route_id, body["order_id"], body["position"], body["version"])


@endpoint(bp, "/routes/<int:route_id>/redistribution", "POST", roles=STAFF, response=RedistributionSchema,
          summary="Suggest where each remaining stop of this route would go among the day's other routes.")
def suggest_redistribution(route_id):
    return suggestions.suggest_redistribution(current_principal(), route_id)


@endpoint(bp, "/routes/<int:route_id>/redistribute", "POST", idempotent=True, roles=STAFF, body=RedistributeSchema,
          response=RouteListSchema, etag=ETagged(of=lambda result: None, current=ROUTE_ETAG.current),
          summary="Move the given stops off this route, all or nothing, every touched route checked by version.")
def redistribute(route_id, body):
    return suggestions.redistribute(current_principal(), route_id, body["moves"], body["versions"])


@endpoint(bp, "/orders/<int:order_id>/proofs", roles=STAFF, response=ProofSchema(many=True),
          summary="Proofs of delivery of an order: photos, signature, where captured and how far from the address.")
def order_proofs(order_id):
    return proofs.for_order(current_principal(), order_id)


@endpoint(bp, "/files/<string:file_id>", roles=STAFF, raw_body=True,
          summary="Download a proof-of-delivery photo or signature.",
          responses={200: "image/jpeg, image/png or image/webp"}, produces=PICTURE_ANSWER)
def download_file(file_id):
    from backend.pod import service as pod_service

    if not (1 <= len(file_id) <= 32 and file_id.isalnum()):
        raise NotFound("No such file.")
    proof_file, data = _read(pod_service, file_id)
    response = Response(data, mimetype=proof_file.content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _read(pod_service, file_id: str):
    proof_file, data = None, None
    try:
        proof_file, data = pod_service.read_file(current_principal().org_id, file_id)
    except NotFound:
        raise
    except (OSError, ValueError):
        # The record exists but its bytes are gone from storage: report it as missing, and log it.
        log.exception("proof file %s is missing from storage", file_id)
        raise NotFound("The file is missing from storage.")
    return proof_file, data
