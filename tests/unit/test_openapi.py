"""schema/openapi.yaml: a valid OpenAPI 3.1 webhooks document that points at the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

from jobhook_testkit import load_schema, validate

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
OPENAPI = SCHEMA_DIR / "openapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def operation(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["webhooks"]["jobEnded"]["post"]
    return result


def test_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate_openapi(document, base_uri=OPENAPI.as_uri())


def test_the_validator_would_notice_a_broken_document(document: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(document))
    broken["webhooks"]["jobEnded"]["post"]["responses"] = "none"
    with pytest.raises(Exception, match=r"responses|type"):
        validate_openapi(broken, base_uri=OPENAPI.as_uri())


def test_request_body_refers_to_the_job_report_schema(operation: dict[str, Any]) -> None:
    # openapi-spec-validator does not follow external $refs, so resolve it here.
    media = operation["requestBody"]["content"]["application/json"]
    target = (OPENAPI.parent / media["schema"]["$ref"]).resolve()
    assert target == (SCHEMA_DIR / "job-report.schema.json").resolve()
    assert json.loads(target.read_text(encoding="utf-8")) == load_schema()
    assert operation["requestBody"]["required"] is True


def test_body_examples_exist_and_conform(operation: dict[str, Any]) -> None:
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert examples
    for example in examples.values():
        path = OPENAPI.parent / example["externalValue"]
        assert validate(json.loads(path.read_text(encoding="utf-8"))) == [], path


def test_authorization_is_an_optional_static_header(
    document: dict[str, Any], operation: dict[str, Any]
) -> None:
    scheme = document["components"]["securitySchemes"]["staticAuthorization"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {} in operation["security"]  # no credentials is allowed too
    assert {"staticAuthorization": []} in operation["security"]


def test_documents_the_answers_a_receiver_should_give(operation: dict[str, Any]) -> None:
    codes = set(operation["responses"])
    assert {"200", "202", "204", "400", "401", "403", "405", "413"} <= codes
