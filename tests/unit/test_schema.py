"""The schema and validate()/assert_valid(): the contract as data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import jobhook_testkit
from jobhook_testkit.schema import (
    ContractViolationError,
    Severity,
    Violation,
    assert_valid,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "schema" / "examples"
EXPECTED = json.loads((EXAMPLES / "expected-errors.json").read_text())["files"]
FIELDS = [
    "id", "type", "status", "created_at", "updated_at", "total_operations",
    "total_succeeded", "total_failed", "definition_id", "definition_name",
]


@pytest.fixture
def sample() -> dict[str, Any]:
    return copy.deepcopy(jobhook_testkit.load_schema()["examples"][0])


def _pointers(payload: object, **kwargs: Any) -> list[str]:
    return [v.pointer for v in validate(payload, **kwargs) if v.is_error]


@pytest.mark.parametrize("path", sorted((EXAMPLES / "valid").glob("*.json")), ids=lambda p: p.stem)
def test_valid_examples_conform(path: Path) -> None:
    assert validate(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "invalid").glob("*.json")), ids=lambda p: p.stem
)
def test_invalid_examples_are_rejected_at_the_expected_pointer(path: Path) -> None:
    assert path.name in EXPECTED, f"add {path.name} to schema/examples/expected-errors.json"
    assert EXPECTED[path.name] in _pointers(json.loads(path.read_text(encoding="utf-8")))


def test_every_invalid_example_listed_exists() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in (EXAMPLES / "invalid").glob("*.json"))


def test_schema_declares_exactly_the_ten_documented_fields_all_required() -> None:
    schema = jobhook_testkit.load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]
    assert sorted(schema["required"]) == sorted(FIELDS)
    assert sorted(schema["properties"]) == sorted(FIELDS)
    assert schema.get("additionalProperties", True) is True
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name
        assert spec.get("examples"), name
        assert validate(dict(schema["examples"][0], **{name: spec["examples"][0]})) == [], name


def test_load_schema_returns_an_independent_copy() -> None:
    first = jobhook_testkit.load_schema()
    first["required"].clear()
    assert jobhook_testkit.load_schema()["required"]


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2020-11-21", "2020-11-21 14:26:10Z", "2020-13-01T00:00:00Z",
     "2020-11-21T25:00:00Z", "2020-11-21T14:26:10.345+00:00", "2020-11-21T14:26:10.345"],
)
def test_date_time_format_is_really_checked(sample: dict[str, Any], value: str) -> None:
    sample["created_at"] = value
    violations = validate(sample)
    assert [v.pointer for v in violations] == ["/created_at"], violations


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_a_trailing_newline_is_not_a_date_time(sample: dict[str, Any], field: str) -> None:
    # Python's "$" matches before a final newline; JSON Schema's (ECMA-262) does not.
    sample[field] += "\n"
    (violation,) = validate(sample)
    assert (violation.pointer, violation.keyword) == (f"/{field}", "pattern")
    assert violation.message.endswith("is not a UTC date-time ending in 'Z'")


@pytest.mark.parametrize(
    "value", ["2020-11-21T14:26:10Z", "2020-11-21T14:26:10.3Z", "2020-11-21T14:26:10.345123Z",
              "2020-11-21T14:26:10.345123456Z"],
)
def test_every_precision_the_platform_emits_is_accepted(sample: dict[str, Any], value: str) -> None:
    sample["created_at"] = sample["updated_at"] = value
    assert validate(sample) == []


def test_unknown_extra_fields_are_allowed(sample: dict[str, Any]) -> None:
    sample["definition"] = {"id": "x", "settings": {}}
    sample["new_platform_field"] = [1, 2, 3]
    assert validate(sample) == []


@pytest.mark.parametrize("name", FIELDS)
def test_each_missing_field_is_named(sample: dict[str, Any], name: str) -> None:
    del sample[name]
    (violation,) = validate(sample)
    assert violation.pointer == f"/{name}"
    assert repr(name) in violation.message
    assert violation.keyword == "required"


@pytest.mark.parametrize("payload", [[], "report", 3, None, True])
def test_a_non_object_payload_is_one_clear_error(payload: object) -> None:
    (violation,) = validate(payload)
    assert violation.pointer == ""
    assert violation.message.startswith("expected a JSON object (a job report), got ")
    assert str(violation).startswith("(root): expected a JSON object")


def test_booleans_are_not_counts(sample: dict[str, Any]) -> None:
    sample["total_failed"] = True
    assert _pointers(sample) == ["/total_failed"]


def test_one_message_per_field_even_when_several_keywords_fail(sample: dict[str, Any]) -> None:
    sample["updated_at"] = "soon"  # breaks both format and pattern
    (violation,) = validate(sample)
    assert violation.message == "'soon' is not a 'date-time'"


def test_long_values_do_not_flood_the_message(sample: dict[str, Any]) -> None:
    sample["id"] = 10**500
    (violation,) = validate(sample)
    assert len(violation.message) <= 240
    assert violation.message.endswith("…")


@pytest.mark.parametrize(
    ("field", "value", "keyword"),
    [("id", 10**5000, "type"), ("total_failed", -(10**5000), "minimum"),
     ("total_operations", 10**5000, "counts-add-up")],
    ids=["id", "total_failed", "total_operations"],  # the default id would str() them
)
def test_integers_too_long_to_print_are_described_not_raised(
    sample: dict[str, Any], field: str, value: int, keyword: str
) -> None:
    # Python refuses str() of an int past 4,300 digits; jsonschema's messages and ours
    # call it, so validate() raised ValueError instead of returning the violation.
    sample[field] = value
    (violation,) = validate(sample)
    assert violation.keyword == keyword
    assert "<an integer of 16610 bits>" in violation.message


class TestSemanticChecks:
    def test_updated_before_created_is_a_warning(self, sample: dict[str, Any]) -> None:
        sample["updated_at"] = "2020-11-21T14:26:09.999Z"
        (violation,) = validate(sample)
        assert violation.severity is Severity.WARNING
        assert violation.keyword == "updated-after-created"
        assert violation.pointer == "/updated_at"

    def test_precision_does_not_fool_the_ordering(self, sample: dict[str, Any]) -> None:
        sample["created_at"] = "2020-11-21T14:26:10.5Z"
        sample["updated_at"] = "2020-11-21T14:26:10.500001Z"
        assert validate(sample) == []

    @pytest.mark.parametrize(
        ("created", "updated"),
        [("2020-11-21T14:26:10.123456789Z", "2020-11-21T14:26:10.1234567Z"),
         ("2020-11-21T14:26:10.000000001Z", "2020-11-21T14:26:10Z")],
    )
    def test_nanoseconds_count_in_the_ordering(
        self, sample: dict[str, Any], created: str, updated: str
    ) -> None:
        # The schema allows 9 fractional digits; datetime keeps 6 and saw these as equal.
        sample["created_at"], sample["updated_at"] = created, updated
        assert [v.keyword for v in validate(sample)] == ["updated-after-created"]
        sample["created_at"], sample["updated_at"] = updated, created
        assert validate(sample) == []

    def test_counts_written_as_whole_floats_are_judged_too(self, sample: dict[str, Any]) -> None:
        # JSON Schema calls 5.0 an integer, so the schema lets it through; the sum must
        # still be checked rather than silently skipped.
        sample["total_operations"] = 5.0
        (violation,) = validate(sample)
        assert (violation.severity, violation.keyword) == (Severity.WARNING, "counts-add-up")
        sample["total_operations"] = 3.0
        assert validate(sample) == []

    def test_counts_that_do_not_add_up_are_a_warning(self, sample: dict[str, Any]) -> None:
        sample["total_operations"] = 4
        (violation,) = validate(sample)
        assert (violation.severity, violation.keyword) == (Severity.WARNING, "counts-add-up")
        assert "2" in violation.message and "4" in violation.message

    def test_running_at_job_end_is_a_warning(self, sample: dict[str, Any]) -> None:
        sample["status"] = "RUNNING"
        assert [v.keyword for v in validate(sample)] == ["terminal-status"]

    def test_strict_turns_warnings_into_errors(self, sample: dict[str, Any]) -> None:
        sample["total_operations"] = 4
        (violation,) = validate(sample, strict=True)
        assert violation.severity is Severity.ERROR

    def test_semantics_are_not_judged_on_fields_that_broke_the_schema(
        self, sample: dict[str, Any]
    ) -> None:
        sample["total_operations"] = -5
        assert [v.keyword for v in validate(sample)] == ["minimum"]

    def test_errors_come_before_warnings(self, sample: dict[str, Any]) -> None:
        sample["total_operations"] = 4
        sample["id"] = 7
        assert [v.severity for v in validate(sample)] == [Severity.ERROR, Severity.WARNING]


class TestAssertValid:
    def test_passes_on_a_valid_report(self, sample: dict[str, Any]) -> None:
        assert_valid(sample)

    def test_raises_with_every_error_listed(self, sample: dict[str, Any]) -> None:
        sample["total_failed"] = -1
        del sample["id"]
        with pytest.raises(ContractViolationError) as excinfo:
            assert_valid(sample)
        text = str(excinfo.value)
        assert "/total_failed: -1 is less than the minimum of 0" in text
        assert "/id: 'id' is a required property" in text
        assert [v.pointer for v in excinfo.value.violations] == ["/id", "/total_failed"]
        assert isinstance(excinfo.value, AssertionError)

    def test_warnings_only_raise_when_strict(self, sample: dict[str, Any]) -> None:
        sample["total_operations"] = 99
        assert_valid(sample)
        with pytest.raises(ContractViolationError, match=r"counts|total_operations"):
            assert_valid(sample, strict=True)


def test_the_validator_is_built_once() -> None:
    from jobhook_testkit import schema

    assert schema._validator() is schema._validator()


def test_violation_renders_and_serialises() -> None:
    violation = Violation("/a", "bad", Severity.WARNING, "x")
    assert str(violation) == "/a: warning: bad"
    assert violation.as_dict() == {"pointer": "/a", "message": "bad", "severity": "warning",
                                   "keyword": "x"}
