"""A one-line progress display on stderr for long runs (``jobhook validate``, ``replay``).

Shown only when stderr is a terminal, the run is not ``-q`` and not in CI, and only once
the run has lasted about a second: short runs and pipes, files and CI logs never see it.
It is redrawn at most ten times a second and erased at the end, so what is left on the
terminal is exactly what the command printed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "for_terminal", "wanted"]

DELAY = 1.0  # seconds before the first display
INTERVAL = 0.1  # seconds between redraws
_ERASE = "\r\x1b[K"


class Progress:
    """The status line: ``update()`` as work is done, ``clear()`` before printing other
    lines to the same terminal, ``close()`` at the end."""

    def __init__(
        self, stream: TextIO, *, unit: str = "lines", total_bytes: int | None = None,
        total_items: int | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream, self.unit, self.clock = stream, unit, clock
        self.total_bytes, self.total_items = total_bytes, total_items
        self.start = clock()
        self.next_draw = self.start + DELAY
        self.shown = False

    def update(self, items: int, done_bytes: int | None = None) -> None:
        now = self.clock()
        if now < self.next_draw:
            return
        self.next_draw = now + INTERVAL
        self._write(_ERASE + self.describe(items, done_bytes, now - self.start))
        self.shown = True

    def describe(self, items: int, done_bytes: int | None, elapsed: float) -> str:
        """The status line: ``12,345 lines  3.6 MB  41,000 lines/s  ETA 0:07``."""
        parts = [f"{items:,} {self.unit}"]
        if self.total_items:
            parts[0] = f"{items:,}/{self.total_items:,} {self.unit}"
        if done_bytes is not None:
            total = f"/{self.total_bytes / 1e6:,.1f}" if self.total_bytes else ""
            parts.append(f"{done_bytes / 1e6:,.1f}{total} MB")
        rate = items / elapsed if elapsed > 0 else 0.0
        parts.append(f"{rate:,.0f} {self.unit}/s")
        left = _remaining(items, done_bytes, self.total_items, self.total_bytes, elapsed)
        if left is not None:
            minutes, seconds = divmod(round(left), 60)
            parts.append(f"ETA {minutes}:{seconds:02d}")
        return "  ".join(parts)

    def clear(self) -> None:
        """Erase the status line (it comes back at the next update)."""
        if self.shown:
            self._write(_ERASE)
            self.shown = False
            self.next_draw = 0.0

    def close(self) -> None:
        self.clear()
        self.next_draw = float("inf")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop showing progress
            self.next_draw, self.shown = float("inf"), False


def _remaining(
    items: int, done_bytes: int | None, total_items: int | None, total_bytes: int | None,
    elapsed: float,
) -> float | None:
    if total_items and items:
        return elapsed * (total_items - items) / items
    if total_bytes and done_bytes:
        return elapsed * max(total_bytes - done_bytes, 0) / done_bytes
    return None


def for_terminal(
    *, quiet: bool = False, unit: str = "lines", total_bytes: int | None = None,
    total_items: int | None = None,
) -> Progress | None:
    """A :class:`Progress` on stderr, or None where none belongs (see :func:`wanted`)."""
    if not wanted(quiet=quiet):
        return None
    return Progress(sys.stderr, unit=unit, total_bytes=total_bytes, total_items=total_items)


def wanted(*, quiet: bool = False) -> bool:
    """Whether progress belongs on stderr: not with ``-q``, not when stderr is not a
    terminal (a pipe, a file, a CI log), not with ``CI`` set or ``TERM=dumb``."""
    if quiet or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, OSError, ValueError):
        return False
