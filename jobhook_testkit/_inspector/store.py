"""What the inspector knows: the latest deliveries, as data the page can show.

Each recorded or refused request becomes an :class:`Entry` (numbered from 1); a forward's
outcome is attached to its entry later. Every change is also appended to a short log that
the page's event streams read from, each at its own pace. Nothing here serves HTTP.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jobhook_testkit._text import printable

if TYPE_CHECKING:
    from jobhook_testkit._forward import ForwardResult
    from jobhook_testkit.recorder import Event, RecordedDelivery

__all__ = ["Entry", "Store", "curl_command", "pretty_lines"]

MAX_KEPT = 1000  # deliveries the page can show; older ones are only in the recording
MAX_LOG = 2000  # changes kept for streams that fall behind (they reload past that)
AUTH_PLACEHOLDER = "$JOBHOOK_AUTH"
Change = tuple[str, dict[str, Any]]  # ("delivery" | "forward", what the page gets)


@dataclass(eq=False)
class Entry:
    """One request the receiver answered; ``auth`` (as it came) never leaves the server."""

    number: int
    event: Event
    auth: str | None = field(repr=False)
    forward: ForwardResult | None = None

    @property
    def delivery(self) -> RecordedDelivery | None:
        from jobhook_testkit.recorder import RecordedDelivery

        return self.event if isinstance(self.event, RecordedDelivery) else None

    @property
    def verdict(self) -> str:
        delivery = self.delivery
        if delivery is None:  # the sender hanging up is not the receiver refusing
            return "incomplete" if getattr(self.event, "kind", "") == "incomplete" else "refused"
        if delivery.report is None:
            return "malformed"
        return "valid" if delivery.valid else "invalid"

    def summary(self) -> dict[str, Any]:
        """The row: what the list shows and filters on."""
        event = self.event
        delivery = self.delivery
        report = delivery.report if delivery is not None and delivery.report else {}
        row: dict[str, Any] = {
            "number": self.number,
            "time": event.received_at.isoformat(timespec="milliseconds"),
            "method": event.method,
            "path": event.path,
            "http_status": event.status,
            "verdict": self.verdict,
            "type": _text_or_none(report.get("type")),
            "status": _text_or_none(report.get("status")),
            "id": _text_or_none(report.get("id")),
            "violations": [],
            "unknown_fields": [],
            "reason": "",
            "forward": self.forward.as_dict() if self.forward is not None else None,
        }
        if delivery is None:
            row["reason"] = event.reason  # type: ignore[union-attr]
        else:
            row["violations"] = [
                {"pointer": v.pointer, "message": v.message, "severity": str(v.severity)}
                for v in delivery.violations
            ]
            row["unknown_fields"] = delivery.unknown_fields
            if delivery.report is None:
                row["reason"] = delivery.violations[0].message
        return row

    def detail(self) -> dict[str, Any]:
        """The row plus the headers (already redacted) and the body, pretty and marked."""
        found = self.summary()
        found["headers"] = dict(self.event.headers)
        delivery = self.delivery
        found["size"] = len(delivery.body) if delivery is not None else None
        found["lines"] = []
        found["raw"] = None
        if delivery is not None and delivery.report is not None:
            found["lines"] = pretty_lines(delivery.report, found["violations"])
        elif delivery is not None:
            found["raw"] = printable(delivery.body.decode("utf-8", "replace"), limit=100_000)
        return found


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None if value is None else json.dumps(value)


def _pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def pretty_lines(
    value: Any, violations: list[dict[str, Any]] | tuple[()] = ()
) -> list[dict[str, Any]]:
    """``value`` as indented JSON, one dict per line: ``text``, the JSON ``pointer`` the
    line shows (None for closing brackets) and ``marks``, the messages of the violations
    at that pointer. A violation at a pointer no line shows (a missing field) is marked
    at the closest line above it (its object)."""
    lines: list[dict[str, Any]] = []

    def emit(item: Any, pointer: str, prefix: str, comma: str, depth: int) -> None:
        pad = "  " * depth
        if isinstance(item, dict | list) and item:
            opening, closing = ("{", "}") if isinstance(item, dict) else ("[", "]")
            lines.append({"text": pad + prefix + opening, "pointer": pointer, "marks": []})
            pairs = list(item.items()) if isinstance(item, dict) else list(enumerate(item))
            for index, (key, child) in enumerate(pairs):
                label = json.dumps(key, ensure_ascii=False) + ": " if isinstance(item, dict) else ""
                emit(child, f"{pointer}/{_pointer_part(str(key))}", label,
                     "," if index < len(pairs) - 1 else "", depth + 1)
            lines.append({"text": pad + closing + comma, "pointer": None, "marks": []})
        else:
            text = json.dumps(item, ensure_ascii=False)
            lines.append({"text": printable(pad + prefix + text + comma), "pointer": pointer,
                          "marks": []})

    emit(value, "", "", "", 0)
    by_pointer = {line["pointer"]: line for line in lines if line["pointer"] is not None}
    for violation in violations:
        pointer = violation["pointer"]
        while pointer not in by_pointer and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        by_pointer[pointer]["marks"].append(violation["message"])
    return lines


def curl_command(entry: Entry, url: str) -> str:
    """A curl command that sends the delivery's body to ``url`` as it came; the
    credential stands as ``$JOBHOOK_AUTH`` (set it in the shell, never in a page)."""
    delivery = entry.delivery
    if delivery is None:
        raise ValueError("a refused request has no body to send again")
    words = ["curl", "-sS", "-X", "POST", shlex.quote(url)]
    for name, value in delivery.headers.items():
        if name.lower() == "content-type":
            words += ["-H", shlex.quote(f"{name}: {value}")]
    if entry.auth is not None:
        words += ["-H", f'"Authorization: {AUTH_PLACEHOLDER}"']
    body = delivery.body.decode("utf-8", "replace")
    words += ["--data-binary", shlex.quote(body)]
    return " ".join(words)


class Store:
    """The latest deliveries and a log of changes; thread-safe."""

    def __init__(self, *, keep: int = MAX_KEPT) -> None:
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)
        self._entries: deque[Entry] = deque(maxlen=keep)
        self._log: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=MAX_LOG)
        self._seq = 0
        self._count = 0
        self.closed = False

    def _note(self, kind: str, data: dict[str, Any]) -> None:
        self._seq += 1
        self._log.append((self._seq, kind, data))
        self.changed.notify_all()

    def add(self, event: Event, auth: str | None) -> Entry:
        with self._lock:
            self._count += 1
            entry = Entry(self._count, event, auth)
            self._entries.append(entry)
            self._note("delivery", entry.summary())
            return entry

    def forwarded(self, delivery: RecordedDelivery, result: ForwardResult) -> None:
        with self._lock:
            for entry in reversed(self._entries):
                if entry.event is delivery:
                    entry.forward = result
                    self._note("forward", {"number": entry.number, **result.as_dict()})
                    return

    def get(self, number: int) -> Entry | None:
        with self._lock:
            return next((e for e in self._entries if e.number == number), None)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def snapshot(self) -> tuple[int, list[dict[str, Any]]]:
        """The position in the log and every kept entry's row, oldest first."""
        with self._lock:
            return self._seq, [entry.summary() for entry in self._entries]

    def since(self, seq: int, timeout: float) -> tuple[int, list[Change]] | None:
        """Changes after ``seq`` (waiting up to ``timeout`` for one); None when the
        reader fell too far behind and must start again from a snapshot."""
        with self.changed:
            if self._seq == seq and not self.closed:
                self.changed.wait(timeout)
            if self._seq == seq:
                return seq, []
            if not self._log or self._log[0][0] > seq + 1:
                return None
            return self._seq, [(kind, data) for number, kind, data in self._log if number > seq]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self.changed.notify_all()
