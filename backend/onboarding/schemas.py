from marshmallow import Schema, fields, validate

from backend.onboarding import invitations
from backend.validators import Language, Name


class SetupStateSchema(Schema):
    needs_first_organization = fields.Boolean(metadata={
        "description": "True while the installation has no organization: the landing page offers the sign-up."})


class FirstOrganizationSchema(Schema):
    organization_name = Name(required=True)
    admin_name = Name(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))
    currency = fields.String(load_default="CAD", validate=validate.Regexp(r"^[A-Z]{3}$", error="Three capital letters, e.g. CAD."))
    language = Language(load_default="en")
    setup_code = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "Printed in the server's log at start while no organization exists; `lastmile setup-code`."})


class ChecklistItemSchema(Schema):
    key = fields.String(metadata={"description": "depot, vehicles, drivers, wording or test_message"})
    done = fields.Boolean()


class ChecklistSchema(Schema):
    show = fields.Boolean(metadata={"description": "The console shows the checklist until every item is done."})
    items = fields.List(fields.Nested(ChecklistItemSchema))



class TestMessageInSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(("sms", "email", "push")), metadata={
        "description": "sms to your user's phone, email to your user's address, push to your subscribed browsers."})


class TestChannelSchema(Schema):
    channel = fields.String()
    ready = fields.Boolean(metadata={"description": "A test can go this way now."})
    reason = fields.String(allow_none=True, metadata={
        "description": "Why not: no_phone, no_email, not_configured (server) or no_browser (push)."})
    destination = fields.String(metadata={"description": "Your phone or email; for push, how many browsers."})
    log_only = fields.Boolean(metadata={
        "description": "SMS_PROVIDER=console: the text is written to the server's log, not sent to a phone."})


class TestMessageSchema(Schema):
    id = fields.Integer()
    channel = fields.String(attribute="channel.value")
    destination = fields.String()
    status = fields.String(attribute="status.value", metadata={
        "description": "pending, sending, sent, delivered, failed, cancelled or suppressed (practice)."})
    provider_ref = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class TestMessagesSchema(Schema):
    channels = fields.List(fields.Nested(TestChannelSchema))
    recent = fields.List(fields.Nested(TestMessageSchema), metadata={"description": "The latest tests, newest first."})
    reached = fields.Boolean(metadata={"description": "A test reached someone: the checklist item is done."})


class InvitationInSchema(Schema):
    name = Name(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(load_default="dispatcher", validate=validate.OneOf(("admin", "dispatcher")), metadata={
        "description": "admin or dispatcher (drivers log in with their phone and a PIN: add them as drivers)."})
    language = Language(load_default="en")


class InvitationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    language = fields.String()
    state = fields.Function(lambda invitation: invitations.state_of(invitation), metadata={
        "description": "open, accepted, revoked or expired."})
    expires_at = fields.DateTime()
    sent_count = fields.Integer()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class InvitationSentSchema(Schema):
    invitation = fields.Nested(InvitationSchema)
    emailed = fields.Boolean(metadata={"description": "The link went by email (an SMTP server is configured)."})
    link = fields.String(allow_none=True, metadata={
        "description": "Without email: the one-time link, shown only in this answer, to hand over yourself."})


class InvitationPreviewSchema(Schema):
    organization = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    language = fields.String()
    expires_at = fields.DateTime()


class InvitationTokenSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=20, max=100))


class InvitationAcceptSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=20, max=100))
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))
    name = Name(load_default=None)


class OrganizationSettingsSchema(Schema):
    name = Name(required=True)
    currency = fields.String(dump_only=True)
    colour = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="A colour as #rrggbb."), metadata={
        "description": "The brand colour of the tracking page."})
    logo = fields.String(allow_none=True, validate=validate.Length(max=3_000_000), metadata={
        "description": "A data: URL (PNG, JPEG or WebP); stored re-encoded as PNG within 480x160. null removes it."})
    quiet_hours = fields.String(allow_none=True, validate=validate.Length(max=20), metadata={
        "description": "HH:MM-HH:MM when customers are not texted; '' for none; null for the server's default."})
    quiet_hours_default = fields.String(dump_only=True, metadata={"description": "The server's NOTIFY_QUIET_HOURS."})
    receipt_in_delivered_email = fields.Boolean(metadata={
        "description": "Attach the proof-of-delivery receipt (PDF) to the customer's \"delivered\" email (default off)."})
