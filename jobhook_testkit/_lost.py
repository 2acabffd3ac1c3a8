"""Lost notifications under load: the failure the Locust user reports, and the run's sum.

Kept apart from ``jobhook_testkit.locust`` so that it imports no Locust (and no gevent):
it reads Locust's statistics by their attribute names only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jobhook_testkit.delivery import Outcome

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery

REQUEST_TYPE = "POST"
# The request names the Locust user fires: "export SUCCESS", "import FAILURE", ...
NAME = re.compile(r"(export|import) (SUCCESS|FAILURE|RUNNING)")


class LostNotification(Exception):
    """A delivery the receiver did not acknowledge in time: the platform would not retry.

    Its text is what Locust groups failures by, so it holds no id, time or port.
    """

    @classmethod
    def of(cls, delivery: Delivery) -> LostNotification:
        if delivery.outcome is Outcome.TIMED_OUT:
            return cls(f"no 2xx within the {delivery.timeout:g} s timeout")
        if delivery.outcome is Outcome.REJECTED:
            return cls(f"answered {delivery.status_code}, not 2xx")
        reason = re.sub(r"\d+(\.\d+)? ?m?s\b", "", delivery.reason).strip()[:120]
        return cls(f"connection failed: {reason}" if reason else "connection failed")


class LostTally:
    """What the run delivered and lost, counted as Locust reports it.

    In one process Locust fires a request event per delivery (:meth:`count`); a master
    gets its workers' statistics as serialized deltas (:meth:`merge_worker_report`).
    Locust's own statistics cannot be read at the end: ``--json`` empties them.
    """

    def __init__(self) -> None:
        self.sent = 0
        self.lost = 0
        self.why: Counter[str] = Counter()

    def count(self, request_type: str, name: str, exception: object) -> None:
        if request_type != REQUEST_TYPE or not NAME.fullmatch(name):
            return
        self.sent += 1
        if exception is not None:
            self.lost += 1
            self.why[_error_text(exception)] += 1

    def merge_worker_report(self, data: Mapping[str, Any]) -> None:
        for entry in data.get("stats") or ():
            if entry.get("method") == REQUEST_TYPE and NAME.fullmatch(str(entry.get("name"))):
                self.sent += int(entry.get("num_requests") or 0)
                self.lost += int(entry.get("num_failures") or 0)
        for error in (data.get("errors") or {}).values():
            if error.get("method") == REQUEST_TYPE and NAME.fullmatch(str(error.get("name"))):
                self.why[_error_text(error.get("error"))] += int(error.get("occurrences") or 0)

    def summary(self) -> str:
        """One line: deliveries made and lost, and why, most frequent first ("" if none)."""
        if not self.sent:
            return ""
        line = (
            f"jobhook: {self.sent} job reports delivered, {self.lost} lost "
            f"({100.0 * self.lost / self.sent:.1f}%)"
        )
        ranked = sorted(self.why.items(), key=lambda item: (-item[1], item[0]))
        if ranked:
            line += ": " + "; ".join(f"{count} {text}" for text, count in ranked)
        return line


def _error_text(error: object) -> str:
    # Locust keeps the exception, or on a master its repr as received from the workers:
    # "LostNotification('answered 503, not 2xx')".
    text = str(error)
    match = re.fullmatch(r"LostNotification\((['\"])(.*)\1\)", text)
    return match.group(2) if match else text
