from flask import Blueprint, current_app, request

from backend.api import endpoint, page_of, paginate
from backend.auth import schemas, service
from backend.auth.principal import ADMIN, ANY_ROLE, PUBLIC, current_principal
from backend.extensions import limiter

bp = Blueprint("auth", __name__, url_prefix="/api/v1")


def _login_rate_key() -> str:
    """Per address and login, the login normalised: `514-555-2206` and `(514) 555-2206` share one count."""
    data = request.get_json(silent=True)
    login = data.get("login", "") if isinstance(data, dict) else ""
    return f"{request.remote_addr}|{service.normalized_login(str(login))}"


def _session_payload(user):
    principal = service.principal_for_user(user, via_session=True)
    org = service.get_organization(user.org_id)
    return {"user": user, "csrf_token": service.csrf_token(), "driver_id": principal.driver_id,
            "org": {"id": org.id, "name": org.name, "is_practice": org.is_practice, "currency": org.currency}}


@endpoint(bp, "/auth/login", "POST", roles=PUBLIC, body=schemas.LoginSchema, response=schemas.SessionSchema,
          summary="Log in with email or phone and a password (drivers: or PIN); sets the session cookie.")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_login_rate_key)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], key_func=lambda: request.remote_addr or "local")
def login(body):
    user = service.login(body["login"], body["password"])
    return _session_payload(user)


@endpoint(bp, "/auth/logout", "POST", roles=PUBLIC, status=204, summary="End the session.")
def logout():
    service.logout()
    return None


@endpoint(bp, "/auth/me", roles=ANY_ROLE, response=schemas.SessionSchema,
          summary="The logged-in user, their organization and the CSRF token for writes.")
def me():
    principal = current_principal()
    if principal.kind != "user":
        from backend.errors import Forbidden
        raise Forbidden("An API key has no user session.")
    return _session_payload(service.get_user(principal.org_id, principal.id))


@endpoint(bp, "/auth/me", "PATCH", roles=ANY_ROLE, body=schemas.OwnSettingsSchema, response=schemas.SessionSchema,
          summary="Change the logged-in user's own settings (their language).")
def update_me(body):
    principal = current_principal()
    if principal.kind != "user":
        from backend.errors import Forbidden
        raise Forbidden("An API key has no user session.")
    return _session_payload(service.update_own_settings(principal, body))


@endpoint(bp, "/users", roles=ADMIN, query=schemas.UserQuerySchema, response=page_of(schemas.UserSchema),
          summary="List the organization's users.")
def list_users(query):
    statement = service.list_users(current_principal().org_id, query["role"])
    return paginate(statement, query["page"], query["per_page"])


@endpoint(bp, "/users", "POST", roles=ADMIN, body=schemas.UserCreateSchema, response=schemas.UserSchema,
          idempotent=True,
          status=201, summary="Create a user (admin, dispatcher or driver).")
def create_user(body):
    return service.create_user(current_principal().org_id, **body)


@endpoint(bp, "/users/<int:user_id>", roles=ADMIN, response=schemas.UserSchema, summary="Get a user.")
def get_user(user_id):
    return service.get_user(current_principal().org_id, user_id)


@endpoint(bp, "/users/<int:user_id>", "PATCH", roles=ADMIN, body=schemas.UserUpdateSchema,
          response=schemas.UserSchema, summary="Change a user; a new password or deactivation ends their sessions.")
def update_user(user_id, body):
    principal = current_principal()
    return service.update_user(principal.org_id, user_id, body, actor=principal)


@endpoint(bp, "/api-keys", roles=ADMIN, response=schemas.ApiKeySchema(many=True), summary="List API keys.")
def list_api_keys():
    return service.list_api_keys(current_principal().org_id)


@endpoint(bp, "/api-keys", "POST", roles=ADMIN, body=schemas.ApiKeyCreateSchema, response=schemas.ApiKeySchema,
          status=201, summary="Create an API key; its secret is in this answer only.")
def create_api_key(body):
    principal = current_principal()
    key, secret = service.create_api_key(principal.org_id, body["name"], body["role"], principal.user_id)
    key.secret = secret
    return key


@endpoint(bp, "/api-keys/<int:key_id>", "DELETE", roles=ADMIN, status=204, summary="Revoke an API key.")
def revoke_api_key(key_id):
    service.revoke_api_key(current_principal().org_id, key_id)
    return None
