"""validate()'s wording and semantic warnings, word for word: these lines are what
`jobhook validate`, the recorder and the matcher print in CI logs."""

from __future__ import annotations

from typing import Any

import pytest

from jobhook_testkit.schema import load_schema, validate


def _report(**changes: Any) -> dict[str, Any]:
    return {**load_schema()["examples"][0], **changes}


@pytest.mark.parametrize(
    ("value", "kind"),
    [([1], "array"), (None, "null"), ("x", "string"), (3, "number"), (1.5, "number"),
     (True, "boolean"), ({"a": 1}.keys(), "dict_keys")],
)
def test_a_payload_that_is_not_an_object_says_what_it_is(value: Any, kind: str) -> None:
    assert [str(v) for v in validate(value)] == [
        f"(root): expected a JSON object (a job report), got {kind}"
    ]


def test_running_is_a_warning_and_an_error_when_strict() -> None:
    message = "status RUNNING in an end-of-job notification (the webhook fires when a job ends)"
    (warning,) = validate(_report(status="RUNNING"))
    assert (warning.pointer, warning.message, str(warning.severity)) == (
        "/status", message, "warning")
    (error,) = validate(_report(status="RUNNING"), strict=True)
    assert (error.pointer, error.message, str(error.severity)) == ("/status", message, "error")


@pytest.mark.parametrize(
    ("created", "updated"),
    [("2030-01-01T00:00:05Z", "2030-01-01T00:00:04Z"),
     ("2030-01-01T00:00:05.500Z", "2030-01-01T00:00:05.200Z")],  # within one second
)
def test_an_end_before_the_start_is_a_warning_naming_both(created: str, updated: str) -> None:
    (warning,) = validate(_report(created_at=created, updated_at=updated))
    assert str(warning) == (
        f"/updated_at: warning: updated_at ({updated}) is before created_at ({created})"
    )


def test_the_same_instant_at_both_ends_is_fine() -> None:
    assert validate(_report(created_at="2030-01-01T00:00:05.500Z",
                            updated_at="2030-01-01T00:00:05.500Z"), strict=True) == []


def test_an_unreadable_date_is_one_error_not_also_an_order_warning() -> None:
    assert [str(v) for v in validate(_report(created_at="yesterday"))] == [
        "/created_at: 'yesterday' is not a 'date-time'"
    ]


def test_counts_that_do_not_add_up_are_a_warning_with_the_numbers() -> None:
    report = _report(total_operations=10, total_succeeded=3, total_failed=4)
    assert [str(v) for v in validate(report)] == [
        "/total_operations: warning: total_succeeded (3) + total_failed (4) != "
        "total_operations (10)"
    ]


def test_an_end_before_the_start_is_told_even_when_another_field_is_broken() -> None:
    report = _report(total_failed=-1, created_at="2030-01-01T00:00:05Z",
                     updated_at="2030-01-01T00:00:04Z")
    assert [str(v) for v in validate(report)] == [
        "/total_failed: -1 is less than the minimum of 0",
        "/updated_at: warning: updated_at (2030-01-01T00:00:04Z) is before created_at "
        "(2030-01-01T00:00:05Z)",
    ]
