"""The pure-Python pre-check: "certainly valid" only when the reference agrees, and the
fields it names cover every field the reference finds wrong, so messages stay the same."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _payload_corpus import odd_python_payloads, payloads

from jobhook_testkit import JobReportFactory, load_schema, schema
from jobhook_testkit._precheck import compile_schema, ecma_pattern


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


# -- A schema author's small schema, compiled: which fields the pre-check names ---------------

def _even(value: str) -> bool:
    return int(value) % 2 == 0  # raises ValueError on a value that is not a number


_SMALL: dict[str, Any] = {
    "type": "object",
    "required": ["name", "count"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$",
                 "description": "an annotation, never a reason to suspect"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "count": {"type": "integer", "minimum": 1},
        "code": {"type": "string", "format": "even"},
    },
}


class _Name(str):
    """A str subclass: the reference judges it, not the pre-check."""


@pytest.mark.parametrize(
    ("payload", "suspects"),
    [
        ({"name": "ab", "count": 1}, set()),
        ({"name": "ab", "count": 1, "kind": "b", "code": "24", "extra": [None]}, set()),
        ({"count": 1}, {""}),
        ({}, {""}),
        ({"name": "a", "count": 1}, {"name"}),
        ({"name": "AB", "count": 1}, {"name"}),
        ({"name": "ab\n", "count": 1}, {"name"}),  # `$` is the very end, as in ECMA-262
        ({"name": None, "count": 1}, {"name"}),  # null is a value, not a missing field
        ({"name": _Name("ab"), "count": 1}, {"name"}),
        ({"name": "ab", "count": 0}, {"count"}),
        ({"name": "ab", "count": True}, {"count"}),
        ({"name": "ab", "count": 3.0}, {"count"}),
        ({"name": "ab", "count": 1, "kind": "c"}, {"kind"}),
        ({"name": "ab", "count": 1, "code": "23"}, {"code"}),
        ({"name": "ab", "count": 1, "code": "x"}, {"code"}),  # its checker raised
        ({"name": 5, "kind": 1, "code": 24}, {"", "name", "kind", "code"}),
    ],
)
def test_a_small_schema_compiles_to_a_pre_check_naming_exactly_the_doubtful_fields(
    payload: dict[str, Any], suspects: set[str]
) -> None:
    pre_check = compile_schema(_SMALL, {"even": _even}, ecma_pattern)
    assert pre_check is not None
    assert pre_check.suspects(payload) == frozenset(suspects)


@pytest.mark.parametrize("payload", [[], "x", None, 3, {"a": 1}.items()])
def test_anything_but_an_object_is_left_to_the_full_check(payload: object) -> None:
    pre_check = compile_schema(_SMALL, {"even": _even}, ecma_pattern)
    assert pre_check is not None
    assert pre_check.suspects(payload) is None


def test_a_bare_object_schema_compiles_and_finds_nothing_to_suspect() -> None:
    pre_check = compile_schema({"type": "object"}, {}, ecma_pattern)
    assert pre_check is not None
    assert pre_check.suspects({}) == pre_check.suspects({"a": [1]}) == frozenset()


def test_every_root_annotation_and_keyword_it_reads_still_compiles() -> None:
    annotated = dict(
        _SMALL, title="t", description="d", examples=[{}], default={}, deprecated=False,
        readOnly=False, writeOnly=False, additionalProperties=True,
        **{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:x",
           "$comment": "c"},
    )
    pre_check = compile_schema(annotated, {"even": _even}, ecma_pattern)
    assert pre_check is not None
    assert pre_check.suspects({"name": "ab", "count": 1}) == frozenset()


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^ab$", "ab", True),
        ("^ab$", "ab\n", False),  # Python's `$` would match before the final newline
        ("^ab", "ab", True),  # no `$`: the pattern is left alone
        ("^ab", "abc\n", True),
        (r"^a\$", "a$", True),  # an escaped `$` is a dollar sign, not the end
        (r"^a\$", "a", False),
    ],
)
def test_ecma_pattern_reads_a_pattern_as_json_schema_means_it(
    pattern: str, text: str, matches: bool
) -> None:
    assert (ecma_pattern(pattern).search(text) is not None) is matches
