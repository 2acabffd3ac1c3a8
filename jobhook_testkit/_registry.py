"""The registry of checks: listing, finding and selecting them by name.

Cheap to import and to call (it sends nothing); the checks themselves (``_checks``) are
imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobhook_testkit._check_context import Check

__all__ = ["check_names", "checks", "get_check", "select_checks"]


def checks() -> tuple[Check, ...]:
    """Every check, in the order reports list them."""
    from jobhook_testkit._checks import CHECKS

    return CHECKS


def check_names() -> list[str]:
    """The names of every check, in registry order (cheap: sends nothing)."""
    return [check.name for check in checks()]


def get_check(name: str) -> Check:
    """The check called ``name``; ``KeyError`` listing the known names otherwise."""
    for check in checks():
        if check.name == name:
            return check
    raise KeyError(f"unknown check {name!r}; known checks: {', '.join(check_names())}")


def select_checks(only: Iterable[str] | None) -> tuple[Check, ...]:
    """The checks named in ``only`` (registry order), or all; ValueError for unknown names."""
    if only is None:
        return checks()
    if isinstance(only, str):  # one name, not its characters
        only = [only]
    wanted = list(dict.fromkeys(only))
    unknown = [name for name in wanted if name not in check_names()]
    if unknown:
        raise ValueError(
            f"unknown check name(s): {', '.join(unknown)}; known checks: "
            f"{', '.join(check_names())}"
        )
    return tuple(check for check in checks() if check.name in wanted)
