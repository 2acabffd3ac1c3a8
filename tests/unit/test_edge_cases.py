"""The named edge-case corpus: valid, documented, covering what the issue lists."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from jobhook_testkit.factory import EdgeCase, edge_case, edge_case_names, edge_cases
from jobhook_testkit.schema import Severity, validate


def test_every_case_is_schema_valid_named_and_explained() -> None:
    cases = list(edge_cases())
    assert [case.name for case in cases] == edge_case_names()
    assert len(set(edge_case_names())) == len(cases) >= 25
    for case in cases:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case.name), case.name
        errors = [v for v in validate(case.payload) if v.severity is Severity.ERROR]
        assert errors == [], case.name
        assert case.why.endswith(".") and 40 < len(case.why) < 200, case.name


def test_only_running_status_draws_a_semantic_warning() -> None:
    warned = {case.name for case in edge_cases() if validate(case.payload, strict=True)}
    assert warned == {"running-status"}


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("whole-second-timestamps", lambda p: p["created_at"].endswith(":00Z")),
        ("microsecond-timestamps", lambda p: re.search(r"\.\d{6}Z$", p["created_at"])),
        ("nanosecond-timestamps", lambda p: re.search(r"\.\d{9}Z$", p["created_at"])),
        ("zero-operations", lambda p: p["total_operations"] == 0 and p["status"] == "SUCCESS"),
        ("failure-with-zero-operations", lambda p: p["status"] == "FAILURE"
         and p["total_operations"] == 0),
        ("all-failed", lambda p: p["total_failed"] == p["total_operations"] > 0),
        ("success-with-failures", lambda p: p["status"] == "SUCCESS" and p["total_failed"] > 0),
        ("very-large-counts", lambda p: p["total_operations"] > 2**31),
        ("counts-beyond-float-precision", lambda p: float(p["total_operations"])
         != p["total_operations"]),
        ("import-job", lambda p: p["type"] == "import"),
        ("running-status", lambda p: p["status"] == "RUNNING"),
        ("unknown-extra-fields", lambda p: isinstance(p["progress"], dict)),
        ("definition-object", lambda p: p["definition"]["recovery_strategy"] == "NONE"),
        ("accented-name", lambda p: "é" in p["definition_name"]),
        ("non-latin-name", lambda p: re.search("[\u3040-\u30ff]", p["definition_name"])),
        ("emoji-name", lambda p: any(ord(c) > 0xFFFF for c in p["definition_name"])),
        ("quotes-in-name", lambda p: "'" in p["definition_name"] and '"' in p["definition_name"]),
        ("markup-in-name", lambda p: "<script>" in p["definition_name"]),
        ("control-characters-in-name", lambda p: "\x00" in p["definition_name"]),
        ("empty-name", lambda p: p["definition_name"] == ""),
        ("very-long-name", lambda p: len(p["definition_name"]) > 4000),
        ("ids-with-dash-and-underscore", lambda p: {"-", "_"} <= set(p["id"])),
        ("same-instant", lambda p: p["created_at"] == p["updated_at"]),
    ],
)
def test_case_has_the_property_its_name_promises(name: str, check: object) -> None:
    assert callable(check)
    assert check(edge_case(name).payload)


def test_docs_sample_keeps_the_documented_field_order() -> None:
    payload = edge_case("docs-sample").payload
    assert list(payload)[:3] == ["total_succeeded", "total_operations", "total_failed"]


def test_unpacks_as_name_and_payload_and_is_frozen() -> None:
    case = edge_case("empty-name")
    name, payload = case
    assert (name, payload) == (case.name, case.payload)
    assert isinstance(case, EdgeCase)
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.name = "other"  # type: ignore[misc]


def test_payloads_are_fresh_on_every_call() -> None:
    first = edge_case("definition-object").payload
    first["definition"]["name"] = "mutated"
    first["id"] = "mutated"
    again = edge_case("definition-object").payload
    assert again["definition"]["name"] == "User export" and again["id"] != "mutated"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="no edge case named 'nope'; known: docs-sample"):
        edge_case("nope")


def test_every_payload_survives_a_json_round_trip() -> None:
    for case in edge_cases():
        text = json.dumps(case.payload, ensure_ascii=False)
        assert json.loads(text) == case.payload, case.name


def test_listing_names_does_not_import_faker() -> None:
    code = (
        "import sys; from jobhook_testkit.factory import edge_case_names, edge_cases;"
        "edge_case_names(); list(edge_cases()); print('faker' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
