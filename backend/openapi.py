"""The OpenAPI 3 document, generated from the endpoint declarations and their marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from backend.api import CSV_ANSWER, REGISTRY, ByRole
from backend.errors import PROBLEM_JSON, PROBLEM_TYPES
from backend.openapi_examples import add_examples

bp = Blueprint("openapi", __name__)
_cache: dict | None = None

PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status", "detail", "code", "fields"],
    "description": "RFC 9457 problem details. `code` and `fields` are extension members; `error` repeats them "
                   "in the shape used before problem details (deprecated).",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the problem type; opens its "
                                                                  "description in the API reference."},
        "title": {"type": "string", "description": "Short summary of the problem type."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong this time, for a person."},
        "instance": {"type": "string", "description": "The request path."},
        "code": {"type": "string", "description": "Stable machine-readable problem code."},
        "fields": {"type": "object", "additionalProperties": True,
                   "description": "Invalid input: field name -> messages (nested for nested input)."},
        "error": {"type": "object", "deprecated": True, "required": ["code", "message", "fields"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}},
    },
    "example": {"type": "https://lastmile.example/api/docs#problem-invalid", "title": "Invalid", "status": 422,
                "detail": "The request has invalid fields.", "instance": "/api/v1/orders", "code": "invalid",
                "fields": {"address": ["Missing data for required field."]},
                "error": {"code": "invalid", "message": "The request has invalid fields.",
                          "fields": {"address": ["Missing data for required field."]}}},
}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1), match.group(2)
        kind = {"int": "integer", "float": "number"}.get(converter or "", "string")
        schema = {"type": kind}
        if kind == "integer":
            schema["minimum"] = 0
            schema["maximum"] = 2_147_483_647
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule), params


def schema_name(schema) -> str:
    """Component names: the class name, with "Patch" for partial (update) variants."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def build_spec() -> dict:
    spec = APISpec(title="Lastmile API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=schema_name)],
                   info={"description": "Last-mile delivery: orders, fleet, routes, tracking. Errors are RFC 9457 "
                                        "problem details (application/problem+json) with a stable `code`."})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    paths: dict[str, dict] = {}
    for item in REGISTRY:
        path, params = _path(item.rule)
        operation: dict = {"summary": item.summary, "tags": [item.tag],
                           "operationId": f"{item.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}"}
        if params:
            operation["parameters"] = list(params)
        if item.query is not None:
            operation.setdefault("parameters", []).append({"in": "query", "schema": item.query})
        if item.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": item.body}}}
        elif item.body_doc is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": item.body_doc}}}
        elif item.method in ("POST", "PUT", "PATCH") and item.content_types != ("application/json",):
            operation["requestBody"] = {"required": True, "content": {
                ct: {"schema": {"type": "string", "format": "binary"}} for ct in item.content_types}}
        elif item.method in ("POST", "PUT", "PATCH"):
            operation["description"] = "Takes no request body (send none, or `{}`)."
        responses: dict = {}
        success = {"description": "OK"}
        # A path ending in .csv answers CSV (the convention every export follows) unless it says otherwise.
        produces = item.produces or (CSV_ANSWER if item.rule.endswith(".csv") else None)
        if produces is not None:
            success["content"] = {content_type: {"schema": schema} for content_type, schema in produces.items()}
        elif item.answer_doc is not None:
            success["content"] = {"application/json": {"schema": item.answer_doc}}
        elif isinstance(item.response, ByRole):
            success["content"] = {"application/json": {"schema": {"oneOf": [item.response.staff,
                                                                             item.response.driver]}}}
            success["description"] = (f"Staff get {schema_name(item.response.staff)}; drivers get "
                                      f"{schema_name(item.response.driver)}.")
        elif item.response is not None:
            success["content"] = {"application/json": {"schema": item.response}}
        responses[str(item.status)] = success if item.status != 204 else {"description": "No content"}
        for code, text in item.responses.items():
            responses.setdefault(str(code), {"description": text, **({"content": success["content"]}
                                                                     if "content" in success and code < 300 else {})})
        error_ref = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for code, text in ((400, "Bad request"), (404, "Not found"), (409, "Conflict"), (415, "Unsupported media type"),
                           (422, "Invalid input"), (429, "Rate limited")):
            responses.setdefault(str(code), {"description": text, **error_ref})
        if item.roles:
            operation["security"] = [{"apiKey": []}, {"session": []}]
            responses["401"] = {"description": "Not logged in", **error_ref}
            responses["403"] = {"description": "Any other role (only " + ", ".join(r.value for r in item.roles)
                                               + " may call this)", **error_ref}
        operation["x-roles"] = [role.value for role in item.roles]  # empty: public, no login
        operation["responses"] = responses
        paths.setdefault(path, {})[item.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    # The problem types the API reference lists under #problem-<code>, where every error's `type` points.
    document["x-problem-types"] = dict(PROBLEM_TYPES)
    add_examples(document)
    return document


@bp.get("/api/v1/openapi.json")
def openapi_json():
    global _cache
    if _cache is None:
        _cache = build_spec()
    return jsonify(_cache)
