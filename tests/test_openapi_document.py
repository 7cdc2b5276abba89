"""The OpenAPI document (/api/v1/openapi.json): valid, and complete enough to integrate from alone —
every body and every answer described, every one with an example that fits its schema."""
from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate

from backend.api import REGISTRY
from tests.conftest import base_config

WRITES = ("post", "put", "patch")


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    from backend import create_app

    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(base_config(f"sqlite:///{folder / 'o.db'}", folder / "instance"))
    answer = app.test_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def operations(document):
    for path, items in document["paths"].items():
        for method, operation in items.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert len(list(operations(document))) == len(REGISTRY), "every declared endpoint is in the document"


def test_every_endpoint_describes_its_success_answer(document):
    undescribed = []
    for path, method, operation in operations(document):
        successes = {status: answer for status, answer in operation["responses"].items() if status.startswith("2")}
        assert successes, (method, path)
        for status, answer in successes.items():
            if status != "204" and not any("schema" in media for media in (answer.get("content") or {}).values()):
                undescribed.append(f"{method.upper()} {path} {status}")
    assert undescribed == []


def test_every_write_that_reads_a_body_describes_it_and_the_others_say_they_take_none(document):
    bodies_read = {(spec.rule, spec.method) for spec in REGISTRY if spec.body is not None or spec.body_doc is not None
                   or spec.content_types != ("application/json",)}
    missing, unsaid = [], []
    for spec in REGISTRY:
        if spec.method.lower() not in WRITES:
            continue
        path = next(p for p, m, _ in operations(document) if m == spec.method.lower()
                    and p == _openapi_path(spec.rule))
        operation = document["paths"][path][spec.method.lower()]
        if (spec.rule, spec.method) in bodies_read:
            if not operation.get("requestBody", {}).get("content"):
                missing.append(f"{spec.method} {path}")
        elif "no request body" not in operation.get("description", ""):
            unsaid.append(f"{spec.method} {path}")
    assert missing == [] and unsaid == []
    vroom = document["paths"]["/api/v1/vroom"]["post"]
    assert vroom["requestBody"]["content"]["application/json"]["schema"]["required"] == ["vehicles"]


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _examples(document):
    for path, method, operation in operations(document):
        for media_type, media in (operation.get("requestBody", {}).get("content") or {}).items():
            yield f"{method.upper()} {path} body", media_type, media
        for status, answer in operation["responses"].items():
            if status.startswith("2"):
                for media_type, media in (answer.get("content") or {}).items():
                    yield f"{method.upper()} {path} {status}", media_type, media


def test_every_json_body_and_answer_has_an_example_that_fits_its_schema(document):
    components = document["components"]["schemas"]
    wrong = []
    checked = 0
    for where, media_type, media in _examples(document):
        if "json" not in media_type or media["schema"].get("format") == "binary":
            continue
        if "example" not in media:
            wrong.append(f"{where}: no example")
            continue
        schema = {**media["schema"], "components": {"schemas": components}}
        validator = (OAS30WriteValidator if where.endswith("body") else OAS30ReadValidator)(schema)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(media["example"])]
        checked += 1
        if errors:
            wrong.append(f"{where}: {errors[:3]}")
    assert checked > 100
    assert wrong == [], "\n".join(wrong)
