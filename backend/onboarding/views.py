from flask import Blueprint, current_app, request

from backend.api import endpoint
from backend.auth import service as auth_service
from backend.auth.principal import ADMIN, PUBLIC, current_principal
from backend.auth.schemas import SessionSchema
from backend.extensions import limiter
from backend.errors import Forbidden
from backend.onboarding import invitations, schemas, self_test, service, settings

bp = Blueprint("onboarding", __name__, url_prefix="/api/v1")


@endpoint(bp, "/setup", roles=PUBLIC, response=schemas.SetupStateSchema,
          summary="Whether this installation still needs its first organization.")
def setup_state():
    return {"needs_first_organization": service.needs_first_organization()}


@endpoint(bp, "/setup/organization", "POST", roles=PUBLIC, body=schemas.FirstOrganizationSchema,
          response=SessionSchema, status=201,
          summary="Create the first organization and its admin (once, with the setup code), and log the admin in.")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], key_func=lambda: request.remote_addr or "local")
def create_first_organization(body):
    user = service.create_first_organization(body)
    auth_service.login(body["email"], body["password"])
    org = auth_service.get_organization(user.org_id)
    return {"user": user, "csrf_token": auth_service.csrf_token(), "driver_id": None,
            "org": {"id": org.id, "name": org.name, "is_practice": org.is_practice, "currency": org.currency}}


@endpoint(bp, "/setup/checklist", roles=ADMIN, response=schemas.ChecklistSchema,
          summary="What a new organization still has to set up (depot, vehicles, drivers, message wording).")
def setup_checklist():
    return service.checklist(current_principal().org_id)


@endpoint(bp, "/setup/checklist/wording", "POST", roles=ADMIN, response=schemas.ChecklistSchema,
          summary="Keep the built-in message wording: the checklist's wording item is done.")
def wording_reviewed():
    service.mark_wording_reviewed(current_principal().org_id)
    return service.checklist(current_principal().org_id)


def _own_user_id() -> int:
    principal = current_principal()
    if principal.user_id is None:
        raise Forbidden("A test message goes to a person: log in with a session, not an API key.")
    return principal.user_id


@endpoint(bp, "/setup/test-messages", roles=ADMIN, response=schemas.TestMessagesSchema,
          summary="Where a test message to yourself can go (your phone, email, browsers) and the latest tests.")
def test_messages():
    return self_test.overview(current_principal().org_id, _own_user_id())


@endpoint(bp, "/setup/test-messages", "POST", roles=ADMIN, body=schemas.TestMessageInSchema,
          response=schemas.TestMessagesSchema, status=202,
          summary="Send a test message to yourself through the real provider; the checklist item is done once "
                  "it was accepted. 422 names why a channel cannot (no_phone, no_email, not_configured, no_browser).")
@limiter.limit("6 per minute", key_func=lambda: f"self-test:{current_principal().user_id}")
def send_test_message(body):
    org_id, user_id = current_principal().org_id, _own_user_id()
    self_test.send_test_message(org_id, user_id, body["channel"])
    return self_test.overview(org_id, user_id)


@endpoint(bp, "/invitations", roles=ADMIN, response=schemas.InvitationSchema(many=True),
          summary="The organization's invitations: open ones first, then the latest accepted, revoked or expired.")
def list_invitations():
    return invitations.list_invitations(current_principal().org_id)


@endpoint(bp, "/invitations", "POST", roles=ADMIN, body=schemas.InvitationInSchema,
          response=schemas.InvitationSentSchema, status=201,
          summary="Invite someone by email (a one-time link to choose their password, valid 7 days). Without "
                  "an SMTP server the link is in this answer, once. 409 login_taken or already_invited.")
def invite(body):
    principal = current_principal()
    return invitations.invite(principal.org_id, principal.user_id, body)


@endpoint(bp, "/invitations/<int:invitation_id>/resend", "POST", roles=ADMIN, response=schemas.InvitationSentSchema,
          summary="Send the invitation again with a new link (the older link stops working) and 7 more days.")
def resend_invitation(invitation_id):
    principal = current_principal()
    return invitations.resend(principal.org_id, invitation_id, principal.user_id)


@endpoint(bp, "/invitations/<int:invitation_id>", "DELETE", roles=ADMIN, response=schemas.InvitationSchema,
          summary="Revoke an invitation: its link stops working.")
def revoke_invitation(invitation_id):
    return invitations.revoke(current_principal().org_id, invitation_id)


@endpoint(bp, "/invitations/preview", "POST", roles=PUBLIC, body=schemas.InvitationTokenSchema,
          response=schemas.InvitationPreviewSchema,
          summary="Who an invitation link is for (the token from the link). 404 invitation_not_found, "
                  "410 invitation_expired.")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], key_func=lambda: request.remote_addr or "local")
def preview_invitation(body):
    return invitations.preview(body["token"])


@endpoint(bp, "/invitations/accept", "POST", roles=PUBLIC, body=schemas.InvitationAcceptSchema,
          response=SessionSchema, status=201,
          summary="Accept an invitation: the account is made with the chosen password and logged in.")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], key_func=lambda: request.remote_addr or "local")
def accept_invitation(body):
    user = invitations.accept(body["token"], body["password"], body.get("name"))
    auth_service.login(user.email, body["password"])
    org = auth_service.get_organization(user.org_id)
    return {"user": user, "csrf_token": auth_service.csrf_token(), "driver_id": None,
            "org": {"id": org.id, "name": org.name, "is_practice": org.is_practice, "currency": org.currency}}


@endpoint(bp, "/organization/settings", roles=ADMIN, response=schemas.OrganizationSettingsSchema,
          summary="The organization's name, branding (tracking page) and quiet hours.")
def organization_settings():
    return settings.settings_of(current_principal().org_id)


@endpoint(bp, "/organization/settings", "PATCH", roles=ADMIN, body=schemas.OrganizationSettingsSchema(partial=True),
          response=schemas.OrganizationSettingsSchema, summary="Change the organization's name, branding or quiet hours.")
def update_organization_settings(body):
    settings.update_settings(current_principal().org_id, body)
    return settings.settings_of(current_principal().org_id)
