"""How one field's errors are worded (jobhook_testkit._wording), as a schema author meets it:
the words are jsonschema's, word for word, whatever the keyword, the value or the order in
which values come; and jsonschema is asked only when its answer is not already known."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from jobhook_testkit import schema
from jobhook_testkit._wording import FieldErrors, value_key, verdict

Reference = Draft202012Validator


def _reference_faults(rule: str, setting: Any, value: Any) -> bool:
    validator = Reference({}, format_checker=Reference.FORMAT_CHECKER)
    check = Reference.VALIDATORS[rule]
    return bool(list(check(validator, setting, value, {rule: setting}) or ()))


def _search(rule: str, setting: Any) -> Any:
    return re.compile(setting).search if rule == "pattern" else None


@pytest.mark.parametrize(
    ("rule", "setting", "value", "faulted"),
    [
        ("type", "string", "x", False),
        ("type", "string", 3, True),
        ("type", "string", None, True),
        ("type", "integer", 3, False),
        ("type", "integer", 3.0, False),  # JSON Schema counts 3.0 as an integer
        ("type", "integer", 2.5, True),
        ("type", "integer", True, True),
        ("type", "integer", "3", True),
        ("minimum", 0, 0, False),
        ("minimum", 0, -1, True),
        ("minimum", 0, -0.5, True),
        ("minimum", 0, "x", False),
        ("minLength", 2, "ab", False),
        ("minLength", 2, "a", True),
        ("minLength", 2, 5, False),
        ("enum", ["a", "b"], "a", False),
        ("enum", ["a", "b"], "c", True),
        ("enum", ["a", "b"], 1, True),
        ("pattern", "^a", "ab", False),
        ("pattern", "^a", "ba", True),
        ("pattern", "^a", 3, False),
        ("format", "date-time", "2020-11-21T14:26:10Z", False),
        ("format", "date-time", "yesterday", True),
        ("format", "date-time", 3, False),  # a format says nothing about other types
    ],
)
def test_verdict_decides_the_schemas_keywords_on_plain_values_as_the_reference_does(
    rule: str, setting: Any, value: Any, faulted: bool
) -> None:
    assert _reference_faults(rule, setting, value) is faulted
    assert verdict(rule, setting, value, schema._format_functions(), _search(rule, setting)) \
        is faulted


@pytest.mark.parametrize(
    ("rule", "setting", "value"),
    [
        ("type", "number", 3),
        ("type", ["string", "null"], None),
        ("enum", ["a", 1], 1),  # not all strings: equality is the reference's business
        ("enum", ["a", 1], "b"),
        ("format", "regex", "("),  # the checker raises: the reference decides what that means
        ("format", "uri-of-my-own", "x"),  # no checker for it
        ("maxLength", 3, "abcd"),
        ("minLength", 1, Decimal("1")),
        ("type", "string", ("a",)),
    ],
)
def test_verdict_leaves_anything_else_to_the_reference(
    rule: str, setting: Any, value: Any
) -> None:
    assert verdict(rule, setting, value, schema._format_functions(), None) is None


def test_a_pattern_without_its_compiled_search_is_left_to_the_reference() -> None:
    assert verdict("pattern", "^a", "b", {}, None) is None


def test_value_key_tells_apart_values_that_compare_equal_but_read_differently() -> None:
    assert value_key("a") == value_key("a") == (str, "a")
    assert value_key(0.0) != value_key(-0.0)
    assert value_key(1) != value_key(True) != value_key(1.0)
    assert value_key(None) == (type(None), None)
    assert value_key([1]) is None
    assert value_key(Decimal("1")) is None


def _field(cls: Any, subschema: dict[str, Any]) -> FieldErrors:
    validator = cls({}, format_checker=cls.FORMAT_CHECKER)
    formats = {name: function for name, (function, _) in cls.FORMAT_CHECKER.checkers.items()}
    return FieldErrors(validator, subschema, formats, re.compile, lambda value: value)


def _reference_messages(cls: Any, subschema: dict[str, Any], value: Any) -> list[str]:
    return [error.message for error in cls(subschema, format_checker=cls.FORMAT_CHECKER)
            .iter_errors(value)]


def test_every_broken_keyword_is_told_in_the_schemas_order_once_words_are_learned() -> None:
    subschema = {"type": "string", "minLength": 3, "pattern": "^[a-z]*$"}
    field = _field(Reference, subschema)
    values = ["ab", "cd", "abc", "A", "x", "B2", "", "abcd", "Abcd", 7]
    for value in values:
        assert [message for _, _, message, _ in field(value)] == \
            _reference_messages(Reference, subschema, value), value
    assert field("A") == [
        ("minLength", 3, "'A' is too short", "A"),
        ("pattern", "^[a-z]*$", "'A' does not match '^[a-z]*$'", "A"),
    ]


def _counting(calls: Counter[str]) -> Any:
    """The reference, counting how often each of its keyword functions is asked."""

    def wrap(rule: str) -> Any:
        original = Reference.VALIDATORS[rule]

        def check(validator: Any, setting: Any, instance: Any, subschema: Any) -> Iterator[Any]:
            calls[rule] += 1
            yield from original(validator, setting, instance, subschema) or ()

        return check

    return jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        Reference, {rule: wrap(rule) for rule in ("type", "minLength", "pattern", "enum")}
    )


class _Name(str):
    """A str subclass: not a plain value, so every keyword goes to the reference."""


def test_the_reference_is_asked_only_for_what_is_not_known_yet() -> None:
    calls: Counter[str] = Counter()
    subschema = {"type": "string", "minLength": 3, "pattern": "^[a-z]*$"}
    field = _field(_counting(calls), subschema)

    assert field(_Name("abcd")) == []  # unusual: asked, keyword by keyword (all pass)
    assert calls == {"type": 1, "minLength": 1, "pattern": 1}
    calls.clear()
    assert field("abcd") == []  # a plain value every keyword certainly passes: not asked
    assert calls == {}
    assert [m for _, _, m, _ in field("ab")] == ["'ab' is too short"]
    assert calls == {"minLength": 1}  # only the keyword that fails
    assert [m for _, _, m, _ in field("ab")] == ["'ab' is too short"]
    assert calls == {"minLength": 1}  # a value seen before: remembered
    assert [m for _, _, m, _ in field("cd")] == ["'cd' is too short"]
    assert calls == {"minLength": 2}  # a second value confirms the words
    assert [m for _, _, m, _ in field("e")] == ["'e' is too short"]
    assert [m for _, _, m, _ in field("")] == ["'' is too short"]
    assert calls == {"minLength": 2}  # learned: worded without asking
    assert [m for _, _, m, _ in field("X")] == [
        "'X' is too short", "'X' does not match '^[a-z]*$'"]
    assert calls == {"minLength": 2, "pattern": 1}


def _moody_type(validator: Any, setting: Any, instance: Any, subschema: Any) -> Iterator[Any]:
    """A `type` keyword of a schema author's own, whose words depend on the value."""
    if isinstance(instance, str):
        return
    if isinstance(instance, list):
        yield ValidationError(f"{instance!r} is a list, not a string")
    elif isinstance(instance, int) and abs(instance) >= 100:
        yield ValidationError("numbers this long are not strings")
    else:
        yield ValidationError(f"{instance!r} is not a string")


@pytest.mark.parametrize(
    "values",
    [
        [100, 200, 5],  # words without the value: never learned, even of the same length
        [100, 5, 6, [1]],  # one surprise and the keyword is asked for good
        [5, [1], 6, [2]],  # a second failure worded otherwise: asked for good
        [[1], [1], 5, 6],  # the same value twice confirms nothing
    ],
    ids=["no-value-in-words", "surprise-first", "words-differ", "same-value-twice"],
)
def test_a_keyword_whose_words_change_with_the_value_is_always_worded_by_the_reference(
    values: list[Any],
) -> None:
    moody = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        Reference, {"type": _moody_type})
    subschema = {"type": "string"}
    field = _field(moody, subschema)
    for value in values:
        assert [message for _, _, message, _ in field(value)] == \
            _reference_messages(moody, subschema, value), value


def test_a_keyword_that_reads_its_neighbours_is_worded_as_the_reference_words_it() -> None:
    # additionalProperties looks at the same subschema's properties: an object-valued field.
    subschema = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    field = _field(Reference, subschema)
    for value in [{"a": 1}, {"a": 1, "b": 2}, {"c": 3}, "x"]:
        assert [message for _, _, message, _ in field(value)] == \
            _reference_messages(Reference, subschema, value), value
    assert [message for _, _, message, _ in field({"a": 1, "b": 2})] == [
        "Additional properties are not allowed ('b' was unexpected)"]
