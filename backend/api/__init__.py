"""Declaring an endpoint once: its route, who may call it, what it takes and what it returns.

`endpoint()` wires the Flask route, the role check, marshmallow loading and dumping, and records
the same declaration for the OpenAPI document, so the spec cannot drift from the code.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import Blueprint, Response, jsonify, request
from marshmallow import EXCLUDE, Schema, fields, validate

from backend.api import idempotency
from backend.api.preconditions import check_if_match
from backend.errors import DomainError

API_PREFIX = "/api/v1"


def _refuse_everyone(roles) -> None:
    raise RuntimeError("No authorizer: create_app() calls api.use_authorizer()")


_authorizer = _refuse_everyone


def use_authorizer(check) -> None:
    """The role check every declared endpoint runs first (auth's `require_principal`). Passed in by the
    app factory so this HTTP layer stays below the domains, auth included."""
    global _authorizer
    _authorizer = check


@dataclass
class EndpointSpec:
    rule: str
    method: str
    roles: tuple
    summary: str
    tag: str
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    status: int = 200
    content_types: tuple = ("application/json",)
    responses: dict = field(default_factory=dict)
    etag: object = None
    idempotent: bool = False
    produces: dict | None = None  # a non-JSON answer: content type -> OpenAPI schema
    body_doc: dict | None = None  # a JSON body read by hand (raw_body): its OpenAPI schema
    answer_doc: dict | None = None  # a JSON answer built by hand: its OpenAPI schema


REGISTRY: list[EndpointSpec] = []

# Non-JSON answers as the OpenAPI document describes them (`produces=`).
CSV_ANSWER = {"text/csv": {"type": "string", "description": "UTF-8 CSV with a header row; cells that a spreadsheet "
                                                            "would read as a formula are escaped.",
                           "example": "date,deliveries\r\n2026-11-24,182\r\n"}}
PICTURE_ANSWER = {content_type: {"type": "string", "format": "binary"}
                  for content_type in ("image/jpeg", "image/png", "image/webp")}
PDF_ANSWER = {"application/pdf": {"type": "string", "format": "binary",
                                 "description": "A PDF document, offered as a download (Content-Disposition)."}}


def pdf_download(data: bytes, file_name: str) -> Response:
    """A PDF the browser saves under `file_name` (ASCII: the caller strips what a file name cannot hold)."""
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "private, no-store"})


@dataclass
class ByRole:
    """One answer schema per audience: the caller's role picks which one dumps the result."""

    staff: Schema
    driver: Schema

    def for_role(self, role) -> Schema:
        # The role by its value: this HTTP layer sits below auth and does not import its models.
        return self.driver if getattr(role, "value", role) == "driver" else self.staff


def by_role(*, staff, driver) -> ByRole:
    return ByRole(staff=staff() if isinstance(staff, type) else staff,
                  driver=driver() if isinstance(driver, type) else driver)


class QuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE


class PageQuery(QuerySchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page_of(item_schema: type[Schema]) -> type[Schema]:
    name = f"{item_schema.__name__.removesuffix('Schema')}PageSchema"
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
        "total": fields.Integer(),
    })


def _json_body() -> dict | list:
    if not request.is_json:
        raise DomainError("Send a JSON body with Content-Type: application/json.", code="unsupported_media_type",
                          status=415)
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("The body is not valid JSON.", code="bad_json", status=400)
    return data


def endpoint(bp: Blueprint, rule: str, method: str = "GET", *, roles, summary: str, body=None, query=None,
             response=None, status: int = 200, many_body: bool = False, raw_body: bool = False,
             content_types=("application/json",), responses: dict | None = None, etag=None,
             idempotent: bool = False, produces: dict | None = None, body_doc: dict | None = None,
             answer_doc: dict | None = None):
    """Register a view. `roles` is required: PUBLIC (an empty tuple) is an explicit choice.

    `etag` (an ETagged) puts the resource's ETag on the answer and honours If-Match on writes;
    `idempotent` honours the Idempotency-Key header (backend/api/idempotency.py): a retried request gets
    the first answer again instead of being done twice.
    For the OpenAPI document, views that read or answer by hand say what: `produces` (a non-JSON answer:
    content type -> OpenAPI schema), `body_doc` and `answer_doc` (OpenAPI schemas of a JSON body read
    and of a JSON answer built without marshmallow)."""
    body_schema = body(many=many_body) if isinstance(body, type) else body
    query_schema = query() if isinstance(query, type) else query
    response_schema = response() if isinstance(response, type) else response
    prefix = (bp.url_prefix or "")
    REGISTRY.append(EndpointSpec(
        rule=f"{prefix}{rule}", method=method, roles=tuple(roles), summary=summary, tag=bp.name,
        body=body_schema, query=query_schema, response=response_schema, status=status,
        content_types=content_types if raw_body else ("application/json",), responses=responses or {},
        etag=etag, idempotent=idempotent, produces=produces, body_doc=body_doc, answer_doc=answer_doc))

    def decorate(view):
        def respond(principal, url_args: dict) -> Response:
            kwargs = dict(url_args)
            if query_schema is not None:
                kwargs["query"] = query_schema.load(request.args.to_dict())
            if body_schema is not None:
                kwargs["body"] = body_schema.load(_json_body())
            if etag is not None and method != "GET":
                check_if_match(etag, url_args)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            if isinstance(result, Response):
                result.status_code = code
                return result
            if result is None:
                return Response(status=204)
            tag = etag.of(result) if etag is not None else None
            if isinstance(response_schema, ByRole):
                result = response_schema.for_role(principal.role).dump(result)
            elif response_schema is not None:
                result = response_schema.dump(result)
            answer = jsonify(result)
            answer.status_code = code
            if tag is not None:
                answer.headers["ETag"] = tag
            return answer

        @functools.wraps(view)
        def wrapper(**url_args):
            principal = _authorizer(roles) if roles else None
            if idempotent and principal is not None:
                key = idempotency.requested_key()
                if key is not None:
                    return idempotency.run_once(principal, key, lambda: respond(principal, url_args))
            return respond(principal, url_args)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def paginate(statement, page: int, per_page: int) -> dict:
    from sqlalchemy import func, select

    from backend.extensions import db

    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}
