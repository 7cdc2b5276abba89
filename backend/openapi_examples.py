"""Examples for the OpenAPI document: every JSON request body and answer gets one.

A schema that carries its own `example` (hand-written, e.g. VROOM's problem) keeps it; the others get
one built from the schema itself — its enums, formats, bounds and field names — so the API reference
shows a plausible value for every field and the example validates against the schema (a test checks).
Request examples leave out read-only fields, answer examples write-only ones.
"""
from __future__ import annotations

import copy
import re

MAX_DEPTH = 6
_BY_FORMAT = {
    "date-time": "2026-11-24T15:00:00+00:00", "date": "2026-11-24", "time": "15:00:00",
    "email": "dispatch@example.com", "uri": "https://example.com/hooks/lastmile", "url": "https://example.com/",
    "uuid": "0f8fa5d2-6c1e-4f0b-9a57-3d1b2c4e5f60", "binary": "", "byte": "",
}
# Readable values for common field names (checked as substrings of the name, first match wins).
_BY_NAME = (
    ("idempotency_key", "4f3c2a1b-8d7e-4c6b-9a5f-1e2d3c4b5a69"), ("password", "correct-horse-battery"),
    ("email", "dispatch@example.com"), ("phone", "+15145550123"), ("login", "dispatch@example.com"),
    ("address", "4500 Rue Ontario Est, Montréal, QC"), ("timezone", "America/Montreal"), ("currency", "CAD"),
    ("language", "fr"), ("barcode", "LM2611240001"), ("external_ref", "SHOP-10042"), ("url", "https://example.com/"),
    ("colo", "#1b6ef3"), ("name", "Marie Tremblay"), ("note", "Left with the concierge"), ("message", "On the way"),
    ("reason", "customer called"), ("token", "k3Jd9s0aQvX2mB7nR4tY1w"), ("code", "ABC123"),
)
_BY_EXACT_NAME = {"pin": "4821"}
# Tried in turn when a field's pattern refuses the value its name suggests (times of day, colours, codes...).
_FOR_PATTERNS = ("09:30", "09:30:00", "#1b6ef3", "4821", "ABC123", "abc", "A", "fr", "CA", "2026-11-24",
                 "+15145550123", "dispatch@example.com", "https://example.com/")


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True
_NUMBERS_BY_NAME = (("lat", 45.5017), ("lon", -73.6893), ("lng", -73.6893))


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema


def _string(schema: dict, name: str) -> str:
    if schema.get("format") in _BY_FORMAT:
        return _BY_FORMAT[schema["format"]]
    lowered = name.lower()
    value = _BY_EXACT_NAME.get(lowered) or next((text for key, text in _BY_NAME if key in lowered), "text")
    pattern = schema.get("pattern")
    if pattern and not _matches(pattern, value):
        value = next((candidate for candidate in _FOR_PATTERNS if _matches(pattern, candidate)), value)
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if len(value) < low:
        value = value + "x" * (low - len(value))
    if high is not None:
        value = value[:high]
    return value


def _number(schema: dict, name: str, integer: bool):
    lowered = name.lower()
    value = next((number for key, number in _NUMBERS_BY_NAME if lowered == key or lowered.endswith(f"_{key}")), 1)
    if integer:
        value = 1 if isinstance(value, float) else value
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and value < low:
        value = low + (1 if schema.get("exclusiveMinimum") is True else 0)
    if high is not None and value > high:
        value = high - (1 if schema.get("exclusiveMaximum") is True else 0)
    return int(value) if integer else value


def example_of(schema: dict, components: dict, *, reading: bool, name: str = "", depth: int = 0):
    """An example value for `schema` (a request body when not `reading`, an answer when `reading`)."""
    schema = _resolve(schema, components)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if "default" in schema and schema["default"] is not None:
        return copy.deepcopy(schema["default"])
    if "enum" in schema:
        return next((value for value in schema["enum"] if value is not None), None)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return example_of(schema[key][0], components, reading=reading, name=name, depth=depth)
    if schema.get("allOf"):
        merged: dict = {}
        for part in schema["allOf"]:
            value = example_of(part, components, reading=reading, name=name, depth=depth)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "object":
        if depth >= MAX_DEPTH:
            return {}
        result = {}
        for key, field in (schema.get("properties") or {}).items():
            field = _resolve(field, components)
            if (reading and field.get("writeOnly")) or (not reading and field.get("readOnly")):
                continue
            result[key] = example_of(field, components, reading=reading, name=key, depth=depth + 1)
        return result
    if kind == "array":
        if depth >= MAX_DEPTH:
            return []
        count = max(1, schema.get("minItems", 1))
        return [example_of(schema.get("items", {}), components, reading=reading, name=name, depth=depth + 1)
                for _ in range(count)][:schema.get("maxItems", count)]
    if kind == "integer":
        return _number(schema, name, integer=True)
    if kind == "number":
        return _number(schema, name, integer=False)
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema, name)
    return None if schema.get("nullable") else {}


def add_examples(document: dict) -> None:
    """Give every JSON request body and 2xx JSON answer of `document` an example (in place)."""
    components = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            media = [(content, False) for content in
                     (operation.get("requestBody", {}).get("content") or {}).values()]
            for status, answer in operation.get("responses", {}).items():
                if status.startswith("2"):
                    media += [(content, True) for content in (answer.get("content") or {}).values()]
            for content, reading in media:
                schema = content.get("schema")
                if schema is None or "example" in content or "examples" in content:
                    continue
                if _resolve(schema, components).get("format") == "binary":
                    continue
                content["example"] = example_of(schema, components, reading=reading)
