"""Scrubbing credentials out of pytest's reports (private; called by the plugin's hooks).

pytest shows a failing test's call arguments (``FakeSender(url, auth='Bearer ...')`` in an
assertion's explanation), the arguments of every frame of a long traceback, and captured
output; JUnit XML copies all of it. The library keeps credentials out of its own frames and
reprs, but a test's own frames show what the test passed. So every report is walked, once,
and each credential the library was given in this process (``_redact.remember``) is
scrubbed from every string in it: the traceback entries, the crash line, the sections.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from jobhook_testkit._redact import scrub_all

_MAX_DEPTH = 12  # pytest's report objects nest a few levels; nothing else is walked


def scrub_report(report: Any, secrets: tuple[str, ...]) -> None:
    """Replace, in place, every string of ``report`` with its scrubbed form."""
    if not secrets:
        return
    report.longrepr = _scrubbed(report.longrepr, secrets, 0)
    report.sections = _scrubbed(list(report.sections), secrets, 0)


def _scrubbed(value: Any, secrets: tuple[str, ...], depth: int) -> Any:
    if isinstance(value, str):
        return scrub_all(value, secrets)
    if depth > _MAX_DEPTH or value is None or isinstance(value, int | float | bytes):
        return value
    if isinstance(value, list):
        value[:] = [_scrubbed(item, secrets, depth + 1) for item in value]
        return value
    if isinstance(value, tuple):
        return tuple(_scrubbed(item, secrets, depth + 1) for item in value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets, depth + 1) for key, item in value.items()}
    # pytest's Repr* objects: dataclasses (ExceptionChainRepr, ReprEntry, ...) or plain
    # objects with attributes (CollectErrorRepr); only pytest's own are walked.
    if not type(value).__module__.startswith("_pytest."):
        return value
    names = (
        [field.name for field in dataclasses.fields(value)]
        if dataclasses.is_dataclass(value)
        else list(vars(value))
    )
    for name in names:
        current = getattr(value, name, None)
        new = _scrubbed(current, secrets, depth + 1)
        if new is not current:
            object.__setattr__(value, name, new)
    return value
