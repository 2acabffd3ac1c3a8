"""jsonschema's words for one broken field, without paying for jsonschema on every report.

jsonschema (the reference) words every message. Asking it costs a few microseconds per
keyword (each answer is a ``ValidationError`` built with a dozen attributes), which is
most of the time spent on an invalid report. So, for one property of the schema:

* a keyword that certainly passes a plain value (``type: string`` on a ``str``) is not
  asked at all: :func:`verdict` decides exactly for plain JSON values, nothing else;
* the messages of a value seen before are remembered (a capture made the day a field
  changed repeats the same wrong value);
* a keyword whose messages read ``<the value's repr><the same words>`` (all of those this
  schema uses) is learned: jsonschema words its first two failures with different values,
  and only when the second reads exactly as predicted are later ones worded here. Any
  surprise, and that keyword is left to jsonschema for good.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["FieldErrors", "value_key", "verdict"]

_PLAIN = frozenset({str, int, float, bool, type(None), list, dict})
_REMEMBERED = frozenset({str, int, float, bool, type(None)})
_REMEMBER = 4096

# One error: keyword, the keyword's value in the schema, message, the value judged.
Error = tuple[str, Any, str, Any]


def verdict(rule: str, setting: Any, value: Any, formats: Mapping[str, Callable[[Any], Any]],
            search: Callable[[str], Any] | None) -> bool | None:
    """Whether jsonschema's ``rule`` faults ``value``: exact for plain JSON values, None
    (ask jsonschema) for anything else."""
    kind = type(value)
    if kind not in _PLAIN:
        return None
    if rule == "type":
        if setting == "string":
            return kind is not str
        if setting == "integer":
            return not (kind is int or (kind is float and value.is_integer()))
        return None
    if rule == "minimum":
        return kind in (int, float) and value < setting
    if rule == "minLength":
        return kind is str and len(value) < setting
    if rule == "enum" and isinstance(setting, list) and all(type(v) is str for v in setting):
        return not (kind is str and value in setting)
    if rule == "pattern" and search is not None:
        return kind is str and search(value) is None
    if rule == "format" and setting in formats:
        if kind is not str:
            return False
        try:
            return not formats[setting](value)
        except Exception:
            return None
    return None


def value_key(value: object) -> tuple[type, object] | None:
    """What makes two values read the same in a message (``-0.0`` is not ``0.0``, ``1`` is
    not ``True``), or None for a value not remembered."""
    kind = type(value)
    if kind not in _REMEMBERED:
        return None
    return (kind, repr(value)) if kind is float else (kind, value)


class FieldErrors:
    """jsonschema's errors for the value of one property of the schema."""

    def __init__(
        self, validator: Any, subschema: Mapping[str, Any],
        formats: Mapping[str, Callable[[Any], Any]], pattern: Callable[[str], Any],
        printable: Callable[[Any], Any],
    ) -> None:
        self.validator, self.formats, self.printable = validator, formats, printable
        self.rules = [
            (rule, setting, validator.VALIDATORS[rule], subschema,
             pattern(setting).search if rule == "pattern" else None)
            for rule, setting in subschema.items() if rule in validator.VALIDATORS
        ]
        self.known: dict[object, list[Error]] = {}
        self.words: dict[str, str] = {}  # keyword -> what follows the value's repr
        self.first: dict[str, tuple[str, str]] = {}  # keyword -> (repr, words) to confirm
        self.asked_for_good: set[str] = set()

    def __call__(self, value: Any) -> list[Error]:
        key = value_key(value)
        if key is not None:
            known = self.known.get(key)
            if known is not None:
                return known
        field = self.printable(value)
        errors: list[Error] = []
        for rule, setting, check, subschema, search in self.rules:
            faulted = verdict(rule, setting, field, self.formats, search)
            if faulted is False:
                continue
            words = self.words.get(rule) if faulted else None
            if words is not None:
                errors.append((rule, setting, repr(field) + words, field))
                continue
            found = [error.message for error in check(self.validator, setting, field, subschema)
                     or ()]
            errors += [(rule, setting, message, field) for message in found]
            if faulted and rule not in self.asked_for_good:
                self._learn(rule, repr(field), found)
        if key is not None:
            if len(self.known) >= _REMEMBER:
                self.known.clear()
            self.known[key] = errors
        return errors

    def _learn(self, rule: str, shown: str, messages: list[str]) -> None:
        if len(messages) != 1 or not messages[0].startswith(shown):
            self.asked_for_good.add(rule)
            return
        words = messages[0][len(shown):]
        first = self.first.get(rule)
        if first is None:
            self.first[rule] = (shown, words)
        elif first[0] != shown:
            if first[1] == words:
                self.words[rule] = words
            else:
                self.asked_for_good.add(rule)
