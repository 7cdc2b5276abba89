from flask import Blueprint, current_app, request

from backend.api import endpoint
from backend.auth import service as auth_service
from backend.auth.principal import ADMIN, PUBLIC, current_principal
from backend.auth.schemas import SessionSchema
from backend.extensions import limiter
from backend.errors import Forbidden
from backend.onboarding import schemas, self_test, service, settings

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


@endpoint(bp, "/organization/settings", roles=ADMIN, response=schemas.OrganizationSettingsSchema,
          summary="The organization's name, branding (tracking page) and quiet hours.")
def organization_settings():
    return settings.settings_of(current_principal().org_id)


@endpoint(bp, "/organization/settings", "PATCH", roles=ADMIN, body=schemas.OrganizationSettingsSchema(partial=True),
          response=schemas.OrganizationSettingsSchema, summary="Change the organization's name, branding or quiet hours.")
def update_organization_settings(body):
    settings.update_settings(current_principal().org_id, body)
    return settings.settings_of(current_principal().org_id)
