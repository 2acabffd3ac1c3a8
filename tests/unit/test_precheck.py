"""The pure-Python pre-check: "certainly valid" only when the reference agrees, and the
fields it names cover every field the reference finds wrong, so messages stay the same."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _payload_corpus import odd_python_payloads, payloads

from jobhook_testkit import JobReportFactory, load_schema, schema
from jobhook_testkit._precheck import compile_schema


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> None:
    """No compiled validator: the pure path (as with JOBHOOK_PURE_PYTHON=1)."""
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)


def test_certainly_valid_only_when_the_reference_says_valid() -> None:
    pre_check, reference = schema._pre_check(), schema._validator()
    assert pre_check is not None
    answers = {True: 0, False: 0}
    for payload in [*payloads(1500), *odd_python_payloads()]:
        suspects = pre_check.suspects(payload)
        if suspects is None:
            continue
        wrong = {str(e.absolute_path[0]) if e.absolute_path else ""
                 for e in reference.iter_errors(schema._printable(payload))}
        assert wrong <= suspects, (payload, wrong, suspects)
        answers[not suspects] += 1
        if not suspects:
            assert not wrong
    assert min(answers.values()) > 300  # both answers really exercised


@pytest.mark.usefixtures("pure")
def test_messages_are_those_of_the_reference_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = [*payloads(800), *odd_python_payloads()]
    with_pre_check = [schema.validate(p, strict=True) for p in corpus]
    monkeypatch.setattr(schema, "_pre_check", lambda: None)
    assert [schema.validate(p, strict=True) for p in corpus] == with_pre_check
    assert sum(bool(v) for v in with_pre_check) > 300


@pytest.mark.usefixtures("pure")
def test_a_valid_report_never_reaches_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    schema._pre_check()  # compiled once, from the reference's own format checkers

    def no_reference(only: object = None) -> Any:
        raise AssertionError("the reference ran on a valid report")

    monkeypatch.setattr(schema, "_validator", no_reference)
    for seed in range(50):
        assert schema.validate(JobReportFactory(seed=seed).build()) == []


@pytest.mark.usefixtures("pure")
def test_an_invalid_report_is_explained_by_the_reference_for_its_broken_fields() -> None:
    report = dict(load_schema()["examples"][0], total_failed=-1, created_at="yesterday")
    del report["id"]
    assert [str(v) for v in schema.validate(report)] == [
        "/created_at: 'yesterday' is not a 'date-time'",
        "/id: 'id' is a required property",
        "/total_failed: -1 is less than the minimum of 0",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"properties": {"id": {"type": "string", "maxLength": 3}}},
        {"properties": {"id": {"$ref": "#/$defs/id"}}},
        {"properties": {"n": {"type": "number"}}},
        {"properties": {"s": {"type": "string", "format": "email"}}},
        {"properties": {"s": {"type": "string", "enum": ["a", 1]}}},
        {"additionalProperties": False},
        {"allOf": []},
        {"type": "array"},
    ],
)
def test_a_schema_it_does_not_understand_compiles_to_nothing(change: dict[str, Any]) -> None:
    changed = copy.deepcopy(load_schema()) | change
    formats = {"date-time": lambda value: True}
    assert compile_schema(load_schema(), formats, schema._anchored) is not None
    assert compile_schema(changed, formats, schema._anchored) is None


@pytest.mark.parametrize("pure_path", [True, False], ids=["pure", "compiled"])
def test_remembered_messages_tell_apart_values_that_compare_equal(
    monkeypatch: pytest.MonkeyPatch, pure_path: bool
) -> None:
    # Messages are remembered per broken value: 0.0 == -0.0 == False == 0 must not share.
    if pure_path:
        monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    report = load_schema()["examples"][0]
    for value, shown in [(0.0, "0.0"), (-0.0, "-0.0"), (False, "False"), (0, "0"), (0.0, "0.0")]:
        (violation,) = schema.validate(dict(report, id=value))
        assert violation.message == f"{shown} is not of type 'string'"


@pytest.mark.parametrize("pure_path", [True, False], ids=["pure", "compiled"])
def test_words_learned_from_the_reference_match_it_on_later_values(
    monkeypatch: pytest.MonkeyPatch, pure_path: bool
) -> None:
    # After two failures of a keyword, its words are reused for new values: each later
    # value must still read exactly as the reference alone words it.
    if pure_path:
        monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    schema._field_errors.cache_clear()  # learn from scratch
    schema._SHAPES.clear()
    report = load_schema()["examples"][0]
    broken = [dict(report, total_failed=-n) for n in range(1, 30)]
    broken += [dict(report, created_at=f"2026-11-{n:02d} 10:00:00") for n in range(1, 29)]
    broken += [dict(report, status=f"DONE{n}") for n in range(30)]
    broken += [dict(report, id=n) for n in range(30)] + [dict(report, id=n / 2) for n in range(30)]
    broken += [dict(report, total_operations=n + 0.5) for n in range(30)]
    broken += [dict(report, definition_id=""), dict(report, id=True), dict(report, id=None)]
    learned = [schema.validate(p) for p in broken]
    words = schema._field_errors("total_failed").words
    assert words == {"minimum": " is less than the minimum of 0"}
    monkeypatch.setattr(schema, "_pre_check", lambda: None)
    monkeypatch.setattr(schema, "_fast_validator", lambda: None)
    assert [schema.validate(p) for p in broken] == learned
