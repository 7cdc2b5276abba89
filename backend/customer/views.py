"""The public tracking API. No login: each call names its order by the tracking token, and the service
checks it. Rate-limited per client address (TRACK_RATE_LIMIT, TRACK_WRITE_RATE_LIMIT)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from backend.api import PDF_ANSWER, PICTURE_ANSWER, PageQuery, endpoint, page_of, paginate, pdf_download
from backend.auth.principal import ADMIN, PUBLIC, STAFF, current_principal
from backend.customer import rebooking, schemas, service
from backend.extensions import limiter
from backend.notify import conversation as notify_conversation, inbound, receipts, schemas as notify_schemas

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
          summary="A photo or signature of this order's proof of delivery.", responses={200: "image/*"},
          produces=PICTURE_ANSWER)
@_reads
def proof_file(token, file_id):
    proof, data = service.proof_file(token, file_id)
    return Response(data, mimetype=proof.content_type, headers={"Cache-Control": "private, max-age=3600"})


@endpoint(bp, "/track/<string:token>/receipt.pdf", roles=PUBLIC, raw_body=True, produces=PDF_ANSWER,
          summary="The proof-of-delivery receipt of this link's order (PDF, in the customer's language), once "
                  "delivered.", responses={409: "Not delivered yet (code `not_delivered`).", 410: "The link expired."})
@_reads
def receipt(token):
    order = service.order_for_token(token)
    return pdf_download(receipts.receipt(order), receipts.file_name(order))


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


@endpoint(bp, "/track/<string:token>/rebooking", roles=PUBLIC, response=schemas.RebookOptionsSchema,
          summary="The days and windows the delivery may move to (the depot's open days within the organization's "
                  "horizon and cut-off), or why it may not.", responses={410: "The link expired."})
@_reads
def rebooking_options(token):
    return service.rebooking_options(token)


@endpoint(bp, "/track/<string:token>/rebooking", "POST", roles=PUBLIC, body=schemas.RebookInSchema,
          response=schemas.TrackingSchema,
          summary="Move the delivery to another day and window, and say how to leave the parcel. 422 (code "
                  "in_the_past, beyond_horizon, day_closed, after_cutoff, window_not_offered, neighbour_required) "
                  "when it cannot; 409 once the driver is on the way or the order is over.",
          responses={409: "The order can no longer move.", 410: "The link expired."})
@_writes
def rebook(token, body):
    return service.rebook(token, body["date"], body["window_start"], body["drop_off"], body["neighbour"])


@endpoint(bp, "/rebooking-rules", roles=STAFF, response=schemas.RebookingRulesSchema,
          summary="The organization's rebooking rules: windows offered, horizon, cut-off.")
def rebooking_rules():
    return rebooking.org_rules(current_principal().org_id).as_settings()


@endpoint(bp, "/rebooking-rules", "PATCH", roles=ADMIN, body=schemas.RebookingRulesSchema,
          response=schemas.RebookingRulesSchema,
          summary="Change the rebooking rules (windows as local [HH:MM, HH:MM] pairs, horizon_days, "
                  "cutoff_days_before, cutoff_time).")
def set_rebooking_rules(body):
    return rebooking.set_rules(current_principal().org_id, body).as_settings()


@endpoint(bp, "/ratings", roles=STAFF, query=schemas.RatingQuery, response=page_of(schemas.StaffRatingSchema),
          summary="Customers' ratings, newest first (filter by driver, or by at most a score to read complaints).")
def list_ratings(query):
    return service.ratings_page(current_principal().org_id, **query)


# --- the order's SMS conversation (dispatchers) ----------------------------------------------------

@endpoint(bp, "/orders/<int:order_id>/conversation", roles=STAFF, response=schemas.ConversationSchema,
          summary="The order's SMS conversation with its customer: our texts and their replies, in time order.")
def conversation(order_id):
    return notify_conversation.conversation(current_principal().org_id, order_id)


@endpoint(bp, "/orders/<int:order_id>/conversation", "POST", roles=STAFF, body=schemas.ReplyInSchema,
          response=schemas.ReplyOutSchema, status=201, idempotent=True,
          summary="Answer the customer by SMS (through the outbox). 409 when they have no phone, replied STOP, or "
                  "no SMS provider is configured.", responses={409: "The customer cannot be texted."})
def reply(order_id, body):
    principal = current_principal()
    row = notify_conversation.send_reply(principal.org_id, order_id, body["body"].strip() or body["body"],
                                         by=principal.name, user_id=principal.user_id)
    return {"id": row.id, "body": row.body, "status": row.status.value, "created_at": row.created_at}


@endpoint(bp, "/notify/inbound/unmatched", roles=STAFF, query=PageQuery,
          response=page_of(notify_schemas.UnmatchedInboundSchema),
          summary="Texts to our number from phones no organization knows, newest first (the SMS number is the "
                  "installation's: every organization's staff see them).")
def unmatched_replies(query):
    return paginate(inbound.unmatched_statement(current_principal().org_id), query["page"], query["per_page"])
