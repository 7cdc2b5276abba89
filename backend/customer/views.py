"""The public tracking API. No login: each call names its order by the tracking token, and the service
checks it. Rate-limited per client address (TRACK_RATE_LIMIT, TRACK_WRITE_RATE_LIMIT)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from backend.api import endpoint, page_of
from backend.auth.principal import PUBLIC, STAFF, current_principal
from backend.customer import schemas, service
from backend.extensions import limiter

bp = Blueprint("customer", __name__, url_prefix="/api/v1")

_reads = limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"])
_writes = limiter.limit(lambda: current_app.config["TRACK_WRITE_RATE_LIMIT"])


@endpoint(bp, "/track/<string:token>", roles=PUBLIC, response=schemas.TrackingSchema,
          summary="The customer's view of their delivery: timeline, window, ETA, driver while on the way, proof "
                  "of delivery and rating. 404 for an unknown link, 410 once it expired.",
          responses={410: "The link expired."})
@_reads
def track(token):
    return service.tracking_view(token)


@endpoint(bp, "/track/<string:token>/files/<string:file_id>", roles=PUBLIC, raw_body=True,
          summary="A photo or signature of this order's proof of delivery.", responses={200: "image/*"})
@_reads
def proof_file(token, file_id):
    proof, data = service.proof_file(token, file_id)
    return Response(data, mimetype=proof.content_type, headers={"Cache-Control": "private, max-age=3600"})


@endpoint(bp, "/track/<string:token>/map", roles=PUBLIC, response=schemas.MapTilesSchema,
          summary="The map tiles the tracking page draws on (the server's MAP_TILE_URL, as in the console).",
          responses={410: "The link expired."})
@_reads
def map_tiles(token):
    return service.map_tiles(token)


@endpoint(bp, "/track/<string:token>/instructions", "POST", roles=PUBLIC, body=schemas.InstructionsSchema,
          response=schemas.InstructionsOutSchema,
          summary="The customer's delivery instructions (until the order is delivered, failed or cancelled).",
          responses={410: "The link expired."})
@_writes
def update_instructions(token, body):
    return service.update_instructions(token, body["text"])


@endpoint(bp, "/track/<string:token>/rating", "POST", roles=PUBLIC, body=schemas.RatingInSchema,
          response=schemas.RatingSchema, status=201, summary="Rate a delivered order, once.",
          responses={410: "The link expired."})
@_writes
def rate(token, body):
    return service.rate(token, body["score"], body["comment"])


@endpoint(bp, "/track/<string:token>/push-subscription", "POST", roles=PUBLIC,
          body=schemas.PushSubscriptionInSchema, response=schemas.SubscribedSchema, status=201,
          summary="Have this browser receive push messages about the delivery.", responses={410: "The link expired."})
@_writes
def subscribe_push(token, body):
    return service.subscribe_push(token, body["endpoint"], body["keys"]["p256dh"], body["keys"]["auth"])


@endpoint(bp, "/ratings", roles=STAFF, query=schemas.RatingQuery, response=page_of(schemas.StaffRatingSchema),
          summary="Customers' ratings, newest first (filter by driver, or by at most a score to read complaints).")
def list_ratings(query):
    return service.ratings_page(current_principal().org_id, **query)
