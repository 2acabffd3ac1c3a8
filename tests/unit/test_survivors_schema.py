"""validate()'s wording and semantic warnings, word for word: these lines are what
`jobhook validate`, the recorder and the matcher print in CI logs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from jobhook_testkit import schema
from jobhook_testkit.schema import (
    ContractViolationError,
    assert_valid,
    load_schema,
    schema_path,
    validate,
)


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


def test_a_message_of_exactly_the_limit_is_whole_and_a_longer_one_is_cut() -> None:
    # "'AAA…' is not one of [...]": 2 quotes + 48 characters of words around the value.
    (whole,) = validate(_report(status="A" * 190))
    assert whole.message == "'" + "A" * 190 + "' is not one of ['SUCCESS', 'FAILURE', 'RUNNING']"
    assert len(whole.message) == 240
    (cut,) = validate(_report(status="B" * 191))
    assert cut.message == "'" + "B" * 191 + "' is not one of ['SUCCESS', 'FAILURE', 'RUNNING…"
    assert len(cut.message) == 240


@pytest.fixture
def fresh_words() -> None:
    """Nothing remembered from earlier validations: the words are made in this test."""
    schema._SHAPES.clear()
    schema._field_errors.cache_clear()


@pytest.mark.usefixtures("fresh_words")
@pytest.mark.parametrize("pure_path", [True, False], ids=["pure", "compiled"])
def test_a_long_integer_python_can_still_print_is_shown_in_digits(
    monkeypatch: pytest.MonkeyPatch, pure_path: bool
) -> None:
    """14,000 bits (4,215 digits) is the longest integer shown in digits; one bit more is
    shown by its size (Python refuses to print past 4,300 digits)."""
    if pure_path:
        monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    longest = -(2**13999)
    assert longest.bit_length() == 14000
    (shown,) = validate(_report(total_failed=longest))
    assert shown.message == str(longest)[:239] + "…"
    (sized,) = validate(_report(total_failed=-(2**14000)))
    assert sized.message == "<an integer of 14001 bits> is less than the minimum of 0"


def test_without_the_pre_check_a_long_integer_is_still_shown_in_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The path a schema the pre-check cannot compile takes: the reference on the whole
    report, with only the integers too long to print replaced."""
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    monkeypatch.setattr(schema, "_pre_check", lambda: None)
    longest = -(2**13999)
    (shown,) = validate(_report(total_failed=longest))
    assert shown.message == str(longest)[:239] + "…"
    sized = validate(_report(total_failed=-(2**14000), total_succeeded=-1))
    assert [str(v) for v in sized] == [
        "/total_failed: <an integer of 14001 bits> is less than the minimum of 0",
        "/total_succeeded: -1 is less than the minimum of 0",
    ]


def test_fractions_of_different_lengths_are_compared_as_fractions_of_a_second() -> None:
    # .5 is 500 ms, .45 is 450 ms: the end is 50 ms before the start.
    created, updated = "2030-01-01T00:00:05.5Z", "2030-01-01T00:00:05.45Z"
    assert [str(v) for v in validate(_report(created_at=created, updated_at=updated))] == [
        f"/updated_at: warning: updated_at ({updated}) is before created_at ({created})"
    ]
    assert validate(_report(created_at="2030-01-01T00:00:05.45Z",
                            updated_at="2030-01-01T00:00:05.5Z")) == []
    assert validate(_report(created_at="2030-01-01T00:00:05Z",
                            updated_at="2030-01-01T00:00:05.000000001Z")) == []


def test_a_read_only_mapping_is_not_a_job_report_and_says_so() -> None:
    payload = MappingProxyType({"status": "SUCCESS", "total_failed": 1})
    assert [str(v) for v in validate(payload)] == [
        "(root): expected a JSON object (a job report), got mappingproxy"
    ]


def test_a_decimal_count_is_not_an_integer_even_where_the_compiled_validator_says_so() -> None:
    assert [str(v) for v in validate(_report(total_failed=Decimal("1")))] == [
        "/total_failed: Decimal('1') is not of type 'integer'"
    ]


class _Stripped(dict[str, Any]):
    """A dict of a user's own that strips strings as they are read."""

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return value.strip() if isinstance(value, str) else value


def test_a_dict_subclass_is_judged_by_what_it_answers_when_read() -> None:
    assert [str(v) for v in validate(_Stripped(_report(id="   ")))] == [
        "/id: '' should be non-empty"
    ]


def test_a_report_broken_the_same_way_again_is_worded_without_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = validate(_report(total_failed=-424242, definition_id=""))
    assert [str(v) for v in first] == [
        "/definition_id: '' should be non-empty",
        "/total_failed: -424242 is less than the minimum of 0",
    ]

    def no_reference() -> Any:
        raise AssertionError("the reference ran on a shape seen before")

    monkeypatch.setattr(schema, "_validator", no_reference)
    again = _report(total_failed=-424242, definition_id="", id="another", status="FAILURE")
    assert validate(again) == first


def test_a_field_breaking_several_keywords_is_named_by_the_best_whatever_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the schema listed a field's keywords in another order, the message kept would
    still be the most telling one (a wrong type before a value not in the enum)."""
    reordered = load_schema()
    for name, subschema in reordered["properties"].items():
        reordered["properties"][name] = dict(reversed(list(subschema.items())))
    cls = schema._validator_class()
    monkeypatch.setattr(schema, "_validator", lambda: cls(reordered,
                                                          format_checker=cls.FORMAT_CHECKER))
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    monkeypatch.setattr(schema, "_pre_check", lambda: None)
    report = _report(type=5, created_at="yesterday", total_failed=-1.5)
    assert [str(v) for v in validate(report)] == [
        "/created_at: 'yesterday' is not a 'date-time'",
        "/total_failed: -1.5 is not of type 'integer'",
        "/type: 5 is not of type 'string'",
    ]


def test_assert_valid_keeps_the_payload_and_lists_every_error_under_one_headline() -> None:
    report = _report(total_failed=-1, id="")
    with pytest.raises(ContractViolationError) as raised:
        assert_valid(report)
    assert raised.value.payload is report
    assert [v.pointer for v in raised.value.violations] == ["/id", "/total_failed"]
    assert str(raised.value) == (
        "Job report does not conform to the contract:\n"
        "  /id: '' should be non-empty\n"
        "  /total_failed: -1 is less than the minimum of 0"
    )


def test_schema_path_is_the_packaged_copy_of_the_canonical_schema() -> None:
    canonical = Path(__file__).resolve().parents[2] / "schema" / "job-report.schema.json"
    packaged = schema_path()
    assert packaged.name == "job-report.schema.json"
    assert packaged.read_text(encoding="utf-8") == canonical.read_text(encoding="utf-8")


def test_a_failed_assert_valid_points_at_the_callers_line_not_its_own(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_report="""
        from jobhook_testkit import assert_valid

        def test_report():
            assert_valid({"id": ""})
    """)
    result = pytester.runpytest("-q", "--tb=short", "-p", "no:randomly",
                                "-p", "no:hypothesispytest", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert 'assert_valid({"id": ""})' in output
    assert "E   jobhook_testkit.schema.ContractViolationError: Job report does not conform" \
        in output
    assert "raise ContractViolationError" not in output
