from flask import Blueprint, current_app, request

from backend.api import endpoint
from backend.auth import service as auth_service
from backend.auth.principal import ADMIN, PUBLIC, current_principal
from backend.auth.schemas import SessionSchema
from backend.extensions import limiter
from backend.onboarding import schemas, service, settings

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



@endpoint(bp, "/organization/settings", roles=ADMIN, response=schemas.OrganizationSettingsSchema,
          summary="The organization's name, branding (tracking page) and quiet hours.")
def organization_settings():
    return settings.settings_of(current_principal().org_id)


@endpoint(bp, "/organization/settings", "PATCH", roles=ADMIN, body=schemas.OrganizationSettingsSchema(partial=True),
          response=schemas.OrganizationSettingsSchema, summary="Change the organization's name, branding or quiet hours.")
def update_organization_settings(body):
    settings.update_settings(current_principal().org_id, body)
    return settings.settings_of(current_principal().org_id)
