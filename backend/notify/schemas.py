import base64
import binascii
from urllib.parse import urlparse

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from backend.api.events import live_event
from backend.api.output_fields import Timestamp
from backend.notify.models import Channel, MessageKind, OutboxStatus
from backend.notify.webhooks import WEBHOOK_EVENT_TYPES
from backend.notify.templates import LANGUAGES
from backend.validators import Id


def _b64url_bytes(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError("Not base64url.")


def http_url(value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValidationError("An http(s) URL is needed.")


class PushKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=80, max=100))
    auth = fields.String(required=True, validate=validate.Length(min=16, max=30))

    @validates("p256dh")
    def _point(self, value, **kwargs):
        raw = _b64url_bytes(value)
        if len(raw) != 65 or raw[0] != 4:
            raise ValidationError("Not an uncompressed P-256 public key (65 bytes, base64url).")

    @validates("auth")
    def _secret(self, value, **kwargs):
        if len(_b64url_bytes(value)) != 16:
            raise ValidationError("The auth secret is 16 bytes, base64url.")


class PushSubscriptionInSchema(Schema):
    """The browser's PushSubscription.toJSON()."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(required=True, validate=[validate.Length(min=10, max=1000), http_url])
    keys = fields.Nested(PushKeysSchema, required=True)


class PushSubscriptionSchema(Schema):
    id = fields.Integer()
    endpoint = fields.String()
    created_at = fields.DateTime()


class PushEndpointSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=10, max=1000))


class VapidKeySchema(Schema):
    public_key = fields.String()


class NotificationSchema(Schema):
    """A message's delivery status, for dispatchers."""

    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    recipient_id = fields.Integer(allow_none=True)
    channel = fields.Enum(Channel)
    kind = fields.String()
    destination = fields.String()
    language = fields.String()
    subject = fields.String()
    body = fields.String()
    status = fields.Enum(OutboxStatus)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    provider_ref = fields.String(allow_none=True)
    provider_status = fields.String(allow_none=True)
    response_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class NotificationQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    status = fields.Enum(OutboxStatus, load_default=None)
    channel = fields.Enum(Channel, load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in MessageKind]))
    order_id = Id(load_default=None)
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)


class DeliverySchema(Schema):
    """One webhook delivery, for the admin's delivery log."""

    id = fields.Integer()
    event_type = fields.String(attribute="kind")
    event_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    status = fields.Enum(OutboxStatus)
    attempts = fields.Integer()
    response_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    payload = fields.Dict()


class DeliveryQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    status = fields.Enum(OutboxStatus, load_default=None)


EventTypes = lambda **kw: fields.List(  # noqa: E731
    fields.String(validate=validate.OneOf(list(WEBHOOK_EVENT_TYPES) + ["*"])), validate=validate.Length(min=1, max=20),
    **kw)


class WebhookInSchema(Schema):
    url = fields.String(required=True, validate=[validate.Length(min=10, max=1000), http_url])
    event_types = EventTypes(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=200))
    active = fields.Boolean(load_default=True)


class WebhookUpdateSchema(Schema):
    url = fields.String(validate=[validate.Length(min=10, max=1000), http_url])
    event_types = EventTypes()
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class WebhookSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookWithSecretSchema(WebhookSchema):
    """Shown when the endpoint is created or its secret rotated: the only times the secret is shown."""

    secret = fields.String()


class TemplateSchema(Schema):
    kind = fields.String()
    language = fields.String()
    custom = fields.Boolean()
    subject = fields.String()
    body = fields.String()


class TemplateInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in MessageKind]))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    body = fields.String(load_default="", validate=validate.Length(max=1000),
                         metadata={"description": "Empty to go back to the built-in text."})
    subject = fields.String(load_default="", validate=validate.Length(max=300))


class InboundSchema(Schema):
    id = fields.Integer()
    from_phone = fields.String()
    body = fields.String()
    recipient_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    received_at = fields.DateTime()


class InboundQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    order_id = Id(load_default=None)


class CustomerReplyAlertSchema(Schema):
    """`alert` (kind customer_reply) to dispatchers: a customer answered one of our texts. Every alert names
    what it is in `kind`, as the others do (it was `type` once, and the console, reading `kind`, dropped it)."""

    kind = fields.Constant("customer_reply", metadata={"type": "string", "enum": ["customer_reply"]})
    id = fields.Integer(metadata={"description": "The reply's id in /notify/inbound."})
    order_id = fields.Integer(allow_none=True)
    external_ref = fields.String(allow_none=True)
    recipient_id = fields.Integer(allow_none=True)
    sender = fields.String(data_key="from", attribute="from_phone")
    body = fields.String()
    at = Timestamp(attribute="received_at", allow_none=True)


class UnmatchedReplyAlertSchema(Schema):
    """`alert` (kind unmatched_reply) to every organization's dispatchers: a text from a number nobody knows."""

    kind = fields.Constant("unmatched_reply", metadata={"type": "string", "enum": ["unmatched_reply"]})
    id = fields.Integer(metadata={"description": "The text's id in /notify/inbound/unmatched."})
    sender = fields.String(data_key="from", attribute="from_phone")
    body = fields.String()
    at = Timestamp(attribute="received_at", allow_none=True)


class UnmatchedInboundSchema(Schema):
    """A text from a number no organization knows."""

    id = fields.Integer()
    from_phone = fields.String()
    body = fields.String()
    received_at = fields.DateTime()


class LoginLockedAlertSchema(Schema):
    """`alert` (kind login_locked) to the organization's admins: repeated failed logins locked an account."""

    kind = fields.Constant("login_locked", metadata={"type": "string", "enum": ["login_locked"]})
    user_id = fields.Integer()
    name = fields.String()
    role = fields.String()
    locked_for_s = fields.Integer()
    message = fields.String()
    at = Timestamp()


live_event("alert", CustomerReplyAlertSchema, audience="dispatchers",
           description="A customer's SMS reply (also listed under /notify/inbound).")
live_event("alert", UnmatchedReplyAlertSchema, audience="every organization's dispatchers",
           description="A text from a number no organization knows (also listed under /notify/inbound/unmatched).")
live_event("alert", LoginLockedAlertSchema, audience="the organization's admins",
           description="An account is locked after repeated failed logins.")
