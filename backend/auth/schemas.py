from marshmallow import Schema, fields, validate

from backend.api import PageQuery
from backend.auth.models import Role
from backend.validators import Language, Name, Phone


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=3, max=254),
                          metadata={"description": "Email, or phone number for drivers."})
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             metadata={"description": "Password, or a driver's PIN."})


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    org_id = fields.Integer(dump_only=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    role = fields.Enum(Role)
    language = fields.String()
    active = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class SessionOrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    is_practice = fields.Boolean()
    currency = fields.String()


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String(metadata={"description": "Send it as X-CSRF-Token on every write with this session."})
    driver_id = fields.Integer(allow_none=True)
    org = fields.Nested(SessionOrganizationSchema)


class UserCreateSchema(Schema):
    name = Name(required=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = Phone(load_default=None, allow_none=True)
    role = fields.Enum(Role, required=True)
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=256))
    pin = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4,8}$", error="4 to 8 digits."))
    language = Language(load_default="en")


class UserUpdateSchema(Schema):
    name = Name()
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = Phone(allow_none=True)
    role = fields.Enum(Role)
    password = fields.String(validate=validate.Length(min=8, max=256))
    pin = fields.String(validate=validate.Regexp(r"^\d{4,8}$", error="4 to 8 digits."))
    language = Language()
    active = fields.Boolean()


class OwnSettingsSchema(Schema):
    language = Language(required=True, metadata={
        "description": "The language the user reads: what the server writes to them in (a driver's route "
                       "notifications) and what their apps open in when they pick none."})


class UserQuerySchema(PageQuery):
    role = fields.Enum(Role, load_default=None)


class ApiKeyCreateSchema(Schema):
    name = Name(required=True, max_length=120)
    role = fields.Enum(Role, load_default=Role.dispatcher)


class ApiKeySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    role = fields.Enum(Role)
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    secret = fields.String(metadata={"description": "Shown once, at creation."})
