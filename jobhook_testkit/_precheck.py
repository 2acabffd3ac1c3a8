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
    """Compiled checks for the top level (``required``) and each property, generated as
    one plain function (about 3x faster than composing a closure per keyword)."""

    def __init__(self, required: frozenset[str], conditions: dict[str, str],
                 constants: dict[str, Any]) -> None:
        lines = [
            "def suspects(payload):",
            "    if type(payload) is not dict:",
            "        return None",
            "    bad = [] if payload.keys() >= required else ['']",
            "    get = payload.get",
        ]
        for name, condition in conditions.items():
            lines += [
                f"    v = get({name!r}, missing)",
                f"    if v is not missing and not ({condition}):",
                f"        bad.append({name!r})",
            ]
        lines.append("    return frozenset(bad)")
        namespace = dict(constants, required=required, missing=object())
        self.source = "\n".join(lines)
        exec(self.source, namespace)  # our own text, built from the schema's keywords
        self.suspects: Callable[[object], frozenset[str] | None] = namespace["suspects"]
        """The properties the reference must look at ("" for the top level); an empty set
        when the payload is certainly valid; None when only a full check will do."""


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
    constants: dict[str, Any] = {}
    conditions: dict[str, str] = {}
    for name, subschema in schema.get("properties", {}).items():
        condition = _compile_property(subschema, formats, pattern, constants)
        if condition is None:
            return None
        conditions[name] = condition
    return PreCheck(frozenset(required), conditions, constants)


def _compile_property(
    schema: object, formats: Mapping[str, Check], pattern: Callable[[str], Any],
    constants: dict[str, Any],
) -> str | None:
    """A Python condition on ``v`` that holds only if the reference accepts ``v``."""
    if not isinstance(schema, Mapping):
        return None

    def constant(value: Any) -> str:
        name = f"c{len(constants)}"
        constants[name] = value
        return name

    rules = {key: value for key, value in schema.items() if key not in _ANNOTATIONS}
    kind = rules.pop("type", None)
    if kind == "string":
        parts = ["type(v) is str"]  # exactly: a str subclass goes to the reference
        if "enum" in rules:
            allowed = rules.pop("enum")
            if not isinstance(allowed, list) or not all(type(v) is str for v in allowed):
                return None
            parts.append(f"v in {constant(frozenset(allowed))}")
        if "minLength" in rules:
            least = rules.pop("minLength")
            if type(least) is not int:
                return None
            parts.append(f"len(v) >= {least}")
        if "pattern" in rules:
            parts.append(f"{constant(pattern(rules.pop('pattern')).search)}(v) is not None")
        if "format" in rules:
            checker = formats.get(rules.pop("format"))
            if checker is None:
                return None
            parts.append(f"{constant(_guarded(checker))}(v)")
    elif kind == "integer":
        parts = ["type(v) is int"]  # exactly: no bool, and 3.0 goes to the reference
        if "minimum" in rules:
            least = rules.pop("minimum")
            if type(least) not in (int, float):
                return None
            parts.append(f"v >= {constant(least)}")
    else:
        return None
    return None if rules else " and ".join(parts)


def _guarded(checker: Check) -> Check:
    def check(value: Any) -> bool:
        try:
            return bool(checker(value))
        except Exception:  # the reference turns a raise into a format error
            return False

    return check


def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` as JSON Schema means it: an ECMA-262 regex, whose ``$`` matches only at
    the very end (Python's also matches before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)
