"""A pure-Python pre-check compiled from the job-report schema: which fields may be wrong.

``jsonschema`` (the reference) walks every keyword of every field through generic
machinery: ~45 µs for a valid report. Most reports are valid, and each field of this
schema uses only a few simple keywords, so each field gets one small function here that
answers "certainly valid" in well under a microsecond. The answer is one-sided by
construction: a check passes only on plain values (``str``, ``int``, ``dict``) that the
reference must accept too; anything unusual (a ``bool`` count, ``3.0``, a ``Decimal``, a
``str`` subclass) fails the check and is left to the reference. So:

* every check passes: the report is valid (the reference would find nothing);
* some fail: only those fields (and the top level) need the reference, which then builds
  its own messages, word for word the same.

A schema using a keyword not handled here compiles to None: everything then goes to the
reference, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Keywords that only describe: they never make a value invalid.
_ANNOTATIONS = frozenset({
    "title", "description", "examples", "default", "$comment", "deprecated", "readOnly",
    "writeOnly",
})
_ROOT_KEYWORDS = _ANNOTATIONS | {"$schema", "$id", "type", "required", "properties",
                                 "additionalProperties"}


class PreCheck:
    """Compiled checks for the top level (``required``) and each property."""

    def __init__(self, required: frozenset[str], checks: dict[str, Check]) -> None:
        self.required = required
        self.checks = tuple(checks.items())

    def suspects(self, payload: object) -> frozenset[str] | None:
        """The properties the reference must look at ("" for the top level); an empty set
        when the payload is certainly valid; None when only a full check will do."""
        if type(payload) is not dict:
            return None
        suspects = [] if payload.keys() >= self.required else [""]
        for name, check in self.checks:
            if name in payload and not check(payload[name]):
                suspects.append(name)
        return frozenset(suspects)


def compile_schema(
    schema: Mapping[str, Any], formats: Mapping[str, Check], pattern: Callable[[str], Any]
) -> PreCheck | None:
    """A :class:`PreCheck` for ``schema``, or None when it uses something not handled here.

    ``formats`` maps a format name to the reference's own checker for it; ``pattern``
    compiles a ``pattern`` keyword the way the reference reads it.
    """
    if not set(schema) <= _ROOT_KEYWORDS or schema.get("type") != "object":
        return None
    if schema.get("additionalProperties", True) is not True:
        return None
    required = schema.get("required", [])
    if not all(isinstance(name, str) for name in required):
        return None
    checks: dict[str, Check] = {}
    for name, subschema in schema.get("properties", {}).items():
        check = _compile_property(subschema, formats, pattern)
        if check is None:
            return None
        checks[name] = check
    return PreCheck(frozenset(required), checks)


def _compile_property(
    schema: object, formats: Mapping[str, Check], pattern: Callable[[str], Any]
) -> Check | None:
    if not isinstance(schema, Mapping):
        return None
    rest = {key: value for key, value in schema.items() if key not in _ANNOTATIONS}
    kind = rest.pop("type", None)
    if kind == "string":
        return _string_check(rest, formats, pattern)
    if kind == "integer":
        return _integer_check(rest)
    return None


def _string_check(
    rules: dict[str, Any], formats: Mapping[str, Check], pattern: Callable[[str], Any]
) -> Check | None:
    steps: list[Check] = []
    if "enum" in rules:
        allowed = rules.pop("enum")
        if not isinstance(allowed, list) or not all(type(v) is str for v in allowed):
            return None
        steps.append(frozenset(allowed).__contains__)
    if "minLength" in rules:
        least = rules.pop("minLength")
        if type(least) is not int:
            return None
        steps.append(lambda value: len(value) >= least)
    if "pattern" in rules:
        search = pattern(rules.pop("pattern")).search
        steps.append(lambda value: search(value) is not None)
    if "format" in rules:
        checker = formats.get(rules.pop("format"))
        if checker is None:
            return None
        steps.append(_guarded(checker))
    if rules:
        return None
    return _all_of(str, steps)


def _integer_check(rules: dict[str, Any]) -> Check | None:
    steps: list[Check] = []
    if "minimum" in rules:
        least = rules.pop("minimum")
        if type(least) not in (int, float):
            return None
        steps.append(lambda value: value >= least)
    if rules:
        return None
    return _all_of(int, steps)


def _guarded(checker: Check) -> Check:
    def check(value: Any) -> bool:
        try:
            return bool(checker(value))
        except Exception:  # the reference turns a raise into a format error
            return False

    return check


def _all_of(kind: type, steps: list[Check]) -> Check:
    """``type(value) is kind`` (exactly: no bool for int, no subclass) and every step."""

    def is_kind(value: Any) -> bool:
        return type(value) is kind

    check: Check = is_kind
    for step in steps:
        check = _both(check, step)
    return check


def _both(first: Check, then: Check) -> Check:
    return lambda value: first(value) and then(value)


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` as JSON Schema means it: an ECMA-262 regex, whose ``$`` matches only at
    the very end (Python's also matches before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)
