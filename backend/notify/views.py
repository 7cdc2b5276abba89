"""Notification endpoints: delivery status for dispatchers, push subscriptions, Twilio's callbacks,
templates and webhooks for admins."""
from __future__ import annotations

from xml.sax.saxutils import escape

import click
from flask import Blueprint, Response, current_app, request

from backend.api import endpoint, page_of, paginate
from backend.auth.principal import ADMIN, ANY_ROLE, PUBLIC, STAFF, current_org_id, current_principal
from backend.errors import Forbidden, InvalidInput
from backend.notify import inbound, outbox, rendering, schemas, service, subscriptions, templates, webhooks
from backend.notify.channels import sms
from backend.public_url import public_base_url

bp = Blueprint("notify", __name__, url_prefix="/api/v1", cli_group="push")


# --- delivery status -----------------------------------------------------------------------------

@endpoint(bp, "/orders/<int:order_id>/notifications", roles=STAFF, response=schemas.NotificationSchema(many=True),
          summary="Every message sent (or to be sent) to the order's recipient, with its delivery status.")
def order_notifications(order_id):
    return service.order_notifications(current_org_id(), order_id)


@endpoint(bp, "/notifications", roles=STAFF, query=schemas.NotificationQuerySchema,
          response=page_of(schemas.NotificationSchema),
          summary="The organization's customer messages, newest first; filter by status, channel, kind, order, "
                  "since/until (created).")
def list_notifications(query):
    page, per_page = query.pop("page"), query.pop("per_page")
    return paginate(service.notifications_statement(current_org_id(), **query), page, per_page)


@endpoint(bp, "/notify/inbound", roles=STAFF, query=schemas.InboundQuerySchema, response=page_of(schemas.InboundSchema),
          summary="Customers' SMS replies forwarded to dispatchers, newest first.")
def list_inbound(query):
    return paginate(inbound.inbound_statement(current_org_id(), query["order_id"]), query["page"], query["per_page"])


# --- templates -----------------------------------------------------------------------------------

@endpoint(bp, "/notify/templates", roles=STAFF, response=schemas.TemplateSchema(many=True),
          summary="The wording of every customer message per language (the organization's own or built-in).")
def list_templates():
    return rendering.effective_templates(current_org_id())


@endpoint(bp, "/notify/templates", "PUT", roles=ADMIN, body=schemas.TemplateInSchema,
          response=schemas.TemplateSchema(many=True),
          summary="Word one message in one language; placeholders: " + ", ".join(
              "{" + p + "}" for p in templates.PLACEHOLDERS) + ". An empty body restores the built-in text.")
def set_template(body):
    return rendering.set_template(current_org_id(), body["kind"], body["language"], body["body"], body["subject"])


# --- web push ------------------------------------------------------------------------------------

@endpoint(bp, "/push/vapid-public-key", roles=PUBLIC, response=schemas.VapidKeySchema,
          summary="The applicationServerKey browsers subscribe with.")
def vapid_public_key():
    return {"public_key": subscriptions.vapid_public_key()}


@endpoint(bp, "/push/subscriptions", "POST", roles=ANY_ROLE, body=schemas.PushSubscriptionInSchema,
          response=schemas.PushSubscriptionSchema, status=201,
          summary="Subscribe this browser to the logged-in user's notifications (drivers, dispatchers).")
def subscribe_user(body):
    principal = current_principal()
    if principal.user_id is None:
        raise Forbidden("Push subscriptions belong to a person; log in with a session, not an API key.")
    return subscriptions.subscribe(principal.org_id, body["endpoint"], body["keys"]["p256dh"], body["keys"]["auth"],
                             user_id=principal.user_id)


@endpoint(bp, "/push/subscriptions", "DELETE", roles=ANY_ROLE, body=schemas.PushEndpointSchema,
          summary="Unsubscribe this browser.", status=204)
def unsubscribe_user(body):
    principal = current_principal()
    if principal.user_id is None:
        raise Forbidden("Push subscriptions belong to a person; log in with a session, not an API key.")
    subscriptions.unsubscribe_user(principal.org_id, principal.user_id, body["endpoint"])
    return None


@bp.cli.command("init")
def push_init():
    """Create the VAPID key pair in the instance folder (once) and print its public key."""
    click.echo(subscriptions.vapid_public_key())


# --- Twilio --------------------------------------------------------------------------------------

def _verified_twilio_form() -> dict:
    """Twilio signs what it sends us; anything unsigned or signed with another token is refused."""
    form = request.form.to_dict(flat=False)
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    candidates = [f"{public_base_url()}{path}", request.url]
    if not sms.signature_valid(current_app.config.get("TWILIO_AUTH_TOKEN"), candidates, form,
                               request.headers.get("X-Twilio-Signature", "")):
        raise Forbidden("Missing or wrong X-Twilio-Signature.", code="bad_signature")
    return {name: values[0] if values else "" for name, values in form.items()}


@endpoint(bp, "/notify/twilio/status", "POST", roles=PUBLIC, raw_body=True,
          content_types=("application/x-www-form-urlencoded",), status=204,
          summary="Twilio's message status callback (signed with X-Twilio-Signature).")
def twilio_status():
    form = _verified_twilio_form()
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        raise InvalidInput("MessageSid and MessageStatus are required.")
    inbound.record_sms_status(sid[:100], status, form.get("ErrorCode"))
    return None


@endpoint(bp, "/notify/twilio/inbound", "POST", roles=PUBLIC, raw_body=True,
          content_types=("application/x-www-form-urlencoded",),
          summary="Twilio's incoming-SMS webhook (signed): STOP/START/HELP, other replies go to dispatchers. "
                  "Answers in TwiML.", responses={200: "TwiML (application/xml)"},
          produces={"application/xml": {"type": "string", "example": '<?xml version="1.0" encoding="UTF-8"?>'
                                        '<Response><Message>You will get no more messages.</Message></Response>'}})
def twilio_inbound():
    form = _verified_twilio_form()
    sender = form.get("From", "")[:32]
    if not sender:
        raise InvalidInput("From is required.")
    _, reply = inbound.handle_inbound_sms(sender, form.get("Body", "")[:2000], form.get("MessageSid"))
    message = f"<Message>{escape(reply)}</Message>" if reply else ""
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{message}</Response>',
                    mimetype="application/xml")


# --- webhooks ------------------------------------------------------------------------------------

@endpoint(bp, "/webhooks", roles=ADMIN, response=schemas.WebhookSchema(many=True),
          summary="The organization's webhook endpoints.")
def list_webhooks():
    return webhooks.list_webhooks(current_org_id())


@endpoint(bp, "/webhooks", "POST", roles=ADMIN, body=schemas.WebhookInSchema, response=schemas.WebhookWithSecretSchema,
          idempotent=True,
          status=201, summary="Add a webhook endpoint; its signing secret is shown only now.")
def create_webhook(body):
    return webhooks.create_webhook(current_org_id(), body)


@endpoint(bp, "/webhooks/<int:webhook_id>", roles=ADMIN, response=schemas.WebhookSchema, summary="A webhook endpoint.")
def get_webhook(webhook_id):
    return webhooks.get_webhook(current_org_id(), webhook_id)


@endpoint(bp, "/webhooks/<int:webhook_id>", "PATCH", roles=ADMIN, body=schemas.WebhookUpdateSchema,
          response=schemas.WebhookSchema, summary="Change a webhook endpoint (URL, events, active).")
def update_webhook(webhook_id, body):
    return webhooks.update_webhook(current_org_id(), webhook_id, body)


@endpoint(bp, "/webhooks/<int:webhook_id>/rotate-secret", "POST", roles=ADMIN,
          response=schemas.WebhookWithSecretSchema, summary="Give the endpoint a new signing secret, shown only now.")
def rotate_webhook_secret(webhook_id):
    return webhooks.update_webhook(current_org_id(), webhook_id, {"rotate_secret": True})


@endpoint(bp, "/webhooks/<int:webhook_id>", "DELETE", roles=ADMIN, status=204, summary="Delete a webhook endpoint.")
def delete_webhook(webhook_id):
    webhooks.delete_webhook(current_org_id(), webhook_id)
    return None


@endpoint(bp, "/webhooks/<int:webhook_id>/test", "POST", roles=ADMIN, response=schemas.DeliverySchema, status=202,
          summary="Send the endpoint a signed test event (type webhook.test, about no order) through the usual "
                  "delivery path; it shows in the delivery log. 409 webhook_inactive while it is switched off.")
def send_webhook_test(webhook_id):
    return outbox.send_webhook_test(current_org_id(), webhook_id)


@endpoint(bp, "/webhooks/<int:webhook_id>/deliveries", roles=ADMIN, query=schemas.DeliveryQuerySchema,
          response=page_of(schemas.DeliverySchema), summary="The endpoint's delivery log, newest first.")
def webhook_deliveries(webhook_id, query):
    return paginate(webhooks.deliveries_statement(current_org_id(), webhook_id, query["status"]), query["page"],
                    query["per_page"])
