"""The job-report contract: the packaged JSON Schema, a cached validator, semantic checks.

``validate(payload)`` returns data (a list of :class:`Violation`), never raises for a bad
payload; ``assert_valid(payload)`` raises :class:`ContractViolationError` when there are
errors (and warnings too under ``strict=True``).
"""

from __future__ import annotations

import enum
import functools
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeGuard

from jobhook_testkit._precheck import PreCheck, compile_schema, ecma_pattern
from jobhook_testkit._wording import FieldErrors, value_key

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = [
    "ContractViolationError",
    "Severity",
    "Violation",
    "assert_valid",
    "load_schema",
    "schema_path",
    "unknown_fields",
    "validate",
]

SCHEMA_FILE = "job-report.schema.json"
DATE_FIELDS = ("created_at", "updated_at")
COUNT_FIELDS = ("total_operations", "total_succeeded", "total_failed")
_KNOWN_ORDER = (
    "id", "type", "status", *DATE_FIELDS, *COUNT_FIELDS, "definition_id", "definition_name",
)

_DATE_POINTERS = frozenset("/" + name for name in DATE_FIELDS)
_COUNT_POINTERS = frozenset("/" + name for name in COUNT_FIELDS)

# When one field breaks several keywords, the first of these names it best.
_KEYWORD_RANK = {
    "type": 0,
    "required": 1,
    "enum": 2,
    "format": 3,
    "pattern": 4,
    "minimum": 5,
    "minLength": 6,
}
_MESSAGE_LIMIT = 240


class Severity(enum.StrEnum):
    """How bad a violation is: errors break the contract, warnings are suspicious."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem with a payload, as data.

    ``pointer`` is a JSON Pointer (RFC 6901) into the payload ("" is the whole document;
    a missing required field points at where the field should be). ``keyword`` names the
    schema keyword or semantic rule that failed.
    """

    pointer: str
    message: str
    severity: Severity = Severity.ERROR
    keyword: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = self.pointer or "(root)"
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


class ContractViolationError(AssertionError):
    """Raised by :func:`assert_valid`; keeps the violations and the payload as data."""

    def __init__(self, violations: list[Violation], payload: object) -> None:
        self.violations = violations
        self.payload = payload
        lines = ["Job report does not conform to the contract:"]
        lines += [f"  {violation}" for violation in violations]
        super().__init__("\n".join(lines))


def schema_path() -> Any:
    """The packaged schema file, as an ``importlib.resources`` Traversable."""
    return resources.files("jobhook_testkit") / "data" / SCHEMA_FILE


@functools.cache
def _schema_text() -> str:
    return str(schema_path().read_text(encoding="utf-8"))


def load_schema() -> dict[str, Any]:
    """Return a fresh copy of the job-report JSON Schema (draft 2020-12) as a dict."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@functools.cache
def _validator_class() -> type[Validator]:
    # Imported here: jsonschema costs ~100 ms and the pytest plugin must not pay it
    # unless a test actually validates something.
    import jsonschema

    schema = load_schema()
    base = jsonschema.validators.validator_for(schema)
    base.check_schema(schema)
    if "date-time" not in base.FORMAT_CHECKER.checkers:  # pragma: no cover - a dependency
        raise RuntimeError(
            "jsonschema cannot check date-time formats: install rfc3339-validator"
        )
    cls: type[Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, {"pattern": _ecma_pattern}
    )
    return cls


@functools.cache
def _validator() -> Validator:
    cls = _validator_class()
    return cls(load_schema(), format_checker=cls.FORMAT_CHECKER)


@functools.cache
def _pre_check() -> PreCheck | None:
    """The pure-Python pre-check (see :mod:`jobhook_testkit._precheck`), or None."""
    return compile_schema(load_schema(), _format_functions(), _anchored)


@functools.cache
def _format_functions() -> dict[str, Any]:
    """The reference's own function for each format it checks, by format name."""
    checkers = _validator_class().FORMAT_CHECKER.checkers
    return {name: function for name, (function, _) in checkers.items()}


def _ecma_pattern(validator: Any, pattern: str, instance: object, schema: Any) -> Iterator[Any]:
    """``pattern`` as JSON Schema means it: an ECMA-262 regex, whose ``$`` matches only
    at the very end. Python's ``$`` also matches before a final newline, so jsonschema let
    ``"2020-11-21T14:26:10Z\\n"`` through where every other validator rejects it.
    """
    if isinstance(instance, str) and not _anchored(pattern).search(instance):
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_anchored = functools.cache(ecma_pattern)


# The only Python types the compiled validator reads exactly as jsonschema does. Anything
# else (Decimal, a mappingproxy, non-string keys) goes to jsonschema alone: the two
# disagreed on Decimal("3"), and the compiled one raised on the others.
_FAST_TYPES = frozenset({str, int})


def _fast_says_valid(payload: object) -> bool:
    fast = _fast_validator()
    if fast is None or type(payload) is not dict:
        return False
    try:
        if not fast.is_valid(payload):
            return False  # the pre-check and the reference take it from here
    except Exception:  # a value it cannot read (a non-string key...): the reference judges
        return False
    # "Valid" is believed only for plain JSON values: it read Decimal("3") as a valid count
    # and called -10**5000 valid, where the reference does not.
    values = list(map(payload.get, _KNOWN_ORDER))
    if not set(map(type, values)) <= _FAST_TYPES:
        return False
    return all(-_INT64 < value < _INT64 for value in values if type(value) is int)


_INT64 = 2**64


@functools.cache
def _fast_validator() -> Any:
    """The compiled validator (jsonschema-rs, a dependency where it has wheels), or None.

    It only answers "valid or not": when it says invalid, jsonschema (the reference) runs
    to produce the messages, so output is identical with or without it. Both are proven to
    agree on the example corpus and on generated reports (tests/unit/test_fast_path.py).
    Set JOBHOOK_PURE_PYTHON=1 to turn it off (the pure-Python pre-check then answers).
    """
    if os.environ.get("JOBHOOK_PURE_PYTHON"):
        return None
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.Draft202012Validator(load_schema(), validate_formats=True)


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _shorten(text: str) -> str:
    if len(text) <= _MESSAGE_LIMIT:
        return text
    return text[: _MESSAGE_LIMIT - 1] + "…"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__  # a mappingproxy is not a JSON object: say what it is


class _HugeInt(int):
    """An integer too long for ``repr()`` (Python refuses past 4,300 digits), which
    jsonschema puts in its messages: shown by its size instead."""

    def __repr__(self) -> str:
        return f"<an integer of {self.bit_length()} bits>"


def _printable(payload: object) -> object:
    if type(payload) is not dict or not any(
        type(value) is int and value.bit_length() > _HUGE_BITS for value in payload.values()
    ):
        return payload
    return {key: _huge_int_shown(value) for key, value in payload.items()}


_HUGE_BITS = 14_000  # about 4,200 decimal digits


def _huge_int_shown(value: object) -> object:
    """``value``, or an integer too long to print wrapped so that it prints by its size."""
    return _HugeInt(value) if type(value) is int and value.bit_length() > _HUGE_BITS else value


# One error of the reference: path, keyword, the keyword's value, message, the value judged.
_Error = tuple[list[Any], str, Any, str, Any]


def _reference_errors(payload: object, suspects: frozenset[str] | None) -> Iterator[_Error]:
    """The reference's errors; with ``suspects``, those of the top level and of these
    properties only, from the very keyword functions ``iter_errors`` would call (the
    others passed the pre-check, so the reference has nothing to say about them)."""
    validator = _validator()
    if suspects is None:
        for error in validator.iter_errors(_printable(payload)):  # type: ignore[arg-type]
            path = list(error.absolute_path)
            yield path, str(error.validator), error.validator_value, error.message, error.instance
        return
    assert isinstance(payload, dict)  # the pre-check names suspects only in objects
    for keyword, value in validator.schema.items():  # type: ignore[union-attr]
        if keyword == "properties":
            for name in value:
                if name in suspects and name in payload:
                    for rule, setting, message, field in _field_errors(name)(payload[name]):
                        yield [name], rule, setting, message, field
        elif "" in suspects:  # else the pre-check saw every required key in an object
            check = validator.VALIDATORS.get(keyword)
            for error in check(validator, value, payload, validator.schema) or () if check \
                    else ():
                yield [], keyword, value, error.message, payload


@functools.cache
def _field_errors(name: str) -> FieldErrors:
    """The reference's errors for the values of one property (see :mod:`._wording`)."""
    validator = _validator()
    return FieldErrors(
        validator, validator.schema["properties"][name],  # type: ignore[index]
        _format_functions(), _anchored, _huge_int_shown,
    )




_REMEMBER = 4096
_SHAPES: dict[tuple[object, ...], list[Violation]] = {}


def _schema_violations(payload: object) -> list[Violation]:
    if _fast_says_valid(payload):
        return []
    pre_check = _pre_check()
    suspects = None if pre_check is None else pre_check.suspects(payload)
    if suspects is None:
        return _worded(payload, None)
    if not suspects:
        return []
    # Reports broken the same way get the same words: remembered by the broken fields'
    # values (and the missing ones), as the day a field changed repeats one shape.
    shape = _shape(payload, suspects)
    known = _SHAPES.get(shape) if shape is not None else None
    if known is None:
        known = _worded(payload, suspects)
        if shape is not None:
            if len(_SHAPES) >= _REMEMBER:
                _SHAPES.clear()
            _SHAPES[shape] = known
    return known


def _shape(payload: Any, suspects: frozenset[str]) -> tuple[object, ...] | None:
    shape: list[object] = [suspects]
    for name in sorted(suspects):
        if name:  # a suspect property is always present (the pre-check saw its value)
            key = value_key(payload[name])
            if key is None:
                return None
            shape.append((name, key))
    if "" in suspects:
        shape.append(frozenset(_required_fields() - payload.keys()))
    return tuple(shape)


@functools.cache
def _required_fields() -> frozenset[str]:
    return frozenset(load_schema().get("required", ()))


def _worded(payload: object, suspects: frozenset[str] | None) -> list[Violation]:
    """The reference's errors as violations, one per pointer (the best-ranked keyword)."""
    best: dict[str, tuple[int, Violation]] = {}
    for path, keyword, setting, message, instance in _reference_errors(payload, suspects):
        if keyword == "required" and isinstance(setting, list):
            # "'id' is a required property" at the root: point at the missing field.
            missing = message.split("'")[1] if message.count("'") >= 2 else ""
            if missing:
                path.append(missing)
        elif keyword == "pattern" and path and path[-1] in DATE_FIELDS:
            message = f"{instance!r} is not a UTC date-time ending in 'Z'"
        elif keyword == "type" and not path:
            message = f"expected a JSON object (a job report), got {_type_name(payload)}"
        pointer = _pointer(path)
        rank = _KEYWORD_RANK.get(keyword, 99)
        if pointer not in best or rank < best[pointer][0]:
            best[pointer] = (rank, Violation(pointer, _shorten(message), Severity.ERROR, keyword))
    return [violation for _, violation in best.values()]


def _parse_time(value: str) -> tuple[datetime, int] | None:
    """The instant to the second and its fraction in nanoseconds (up to 9 digits pass the
    schema; ``datetime`` keeps only 6, which would hide an end 100 ns before the start).
    """
    whole, dot, fraction = value.removesuffix("Z").partition(".")
    try:
        moment = datetime.fromisoformat(whole)
    except ValueError:
        return None
    digits = fraction[:9]
    if dot and not digits.isdigit():
        return None
    return moment, int(digits.ljust(9, "0")) if dot else 0


def _semantic_violations(
    payload: Mapping[str, Any], broken: set[str], severity: Severity
) -> Iterator[Violation]:
    """Rules JSON Schema cannot express. Only fields that passed the schema are judged."""
    created, updated = payload.get("created_at"), payload.get("updated_at")
    if (
        isinstance(created, str)
        and isinstance(updated, str)
        # Same layout up to the seconds, so a later whole second needs no parsing.
        and updated[:19] <= created[:19]
        and not (broken and broken & _DATE_POINTERS)
    ):
        start, end = _parse_time(created), _parse_time(updated)
        if start is not None and end is not None and end < start:
            yield Violation(
                "/updated_at",
                f"updated_at ({updated}) is before created_at ({created})",
                severity,
                "updated-after-created",
            )
    operations, succeeded, failed = (payload.get(name) for name in COUNT_FIELDS)
    if (
        _is_count(operations)
        and _is_count(succeeded)
        and _is_count(failed)
        and not (broken and broken & _COUNT_POINTERS)
        and succeeded + failed != operations
    ):
        yield Violation(
            "/total_operations",
            f"total_succeeded ({_number(succeeded)}) + total_failed ({_number(failed)}) != "
            f"total_operations ({_number(operations)})",
            severity,
            "counts-add-up",
        )
    if payload.get("status") == "RUNNING" and "/status" not in broken:
        yield Violation(
            "/status",
            "status RUNNING in an end-of-job notification (the webhook fires when a job ends)",
            severity,
            "terminal-status",
        )


def _number(value: float) -> str:
    shown = _huge_int_shown(value)
    return repr(shown) if shown is not value else str(value)


def _is_count(value: object) -> TypeGuard[int | float]:
    # JSON Schema counts 3.0 as an integer, so the schema lets it through: judge it too.
    return type(value) is int or (type(value) is float and value.is_integer())


@functools.cache
def _known_fields() -> frozenset[str]:
    return frozenset(load_schema()["properties"])


def unknown_fields(report: object) -> list[str]:
    """Top-level fields of ``report`` the schema does not describe, in the report's order.

    They are not errors (the schema allows them: the platform may add fields) but they are
    news. Anything that is not a JSON object has no fields: ``[]``.
    """
    if not isinstance(report, Mapping):
        return []
    known = _known_fields()
    return [str(name) for name in report if name not in known]


def validate(payload: object, *, strict: bool = False) -> list[Violation]:
    """Check a parsed payload against the contract; return every problem, errors first.

    Schema violations are errors. Semantic rules the schema cannot express
    (``updated_at >= created_at``, counts adding up, a terminal status) are warnings,
    or errors when ``strict`` is true. An empty list means the payload conforms.
    """
    violations = sorted(_schema_violations(payload), key=lambda v: v.pointer)
    if isinstance(payload, Mapping):
        broken = {violation.pointer for violation in violations}
        severity = Severity.ERROR if strict else Severity.WARNING
        violations += _semantic_violations(payload, broken, severity)
    violations.sort(key=lambda v: v.severity is not Severity.ERROR)
    return violations


def assert_valid(payload: object, *, strict: bool = False) -> None:
    """Raise :class:`ContractViolationError` if the payload breaks the contract.

    Warnings do not raise unless ``strict`` is true.
    """
    __tracebackhide__ = True
    violations = validate(payload, strict=strict)
    errors = [violation for violation in violations if violation.is_error]
    if errors:
        raise ContractViolationError(errors, payload)
