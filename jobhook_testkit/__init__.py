"""Contract-test receivers of ReachFive's End Job Notification webhook.

Every public name is importable from here. The names are resolved lazily (PEP 562), so
that ``import jobhook_testkit`` -- which pytest does for every run of every user, through
the plugin entry point -- costs nothing until a name is actually used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobhook_testkit.schema import (
        ContractViolationError,
        Severity,
        Violation,
        assert_valid,
        load_schema,
        validate,
    )

__version__ = "0.1.0.dev0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ContractViolationError": "schema",
    "Severity": "schema",
    "Violation": "schema",
    "assert_valid": "schema",
    "load_schema": "schema",
    "validate": "schema",
}

__all__ = [
    "ContractViolationError",
    "Severity",
    "Violation",
    "assert_valid",
    "load_schema",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jobhook_testkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"jobhook_testkit.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
