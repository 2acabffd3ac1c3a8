"""Hypothesis strategies for job reports (``pip install 'jobhook-testkit[hypothesis]'``).

``job_reports()`` draws only reports that satisfy the contract, including the rules JSON
Schema cannot express (``updated_at`` not before ``created_at``, counts that add up, a
terminal status), so ``validate(report, strict=True)`` is always empty. It is written with
Hypothesis' own strategies, so it shrinks well and is fast.

Example::

    from hypothesis import given
    from jobhook_testkit.strategies import job_reports

    @given(job_reports(type="import"))
    def test_receiver_accepts_any_import_report(report): ...
"""

from __future__ import annotations

import string
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "jobhook_testkit.strategies needs Hypothesis: pip install 'jobhook-testkit[hypothesis]'"
    ) from exc

from jobhook_testkit.factory import _count, _format_time, _parse_time, _time_pair, _truncate

__all__ = ["job_ids", "job_reports", "timestamps"]

_URLSAFE = string.ascii_letters + string.digits + "-_"
# 2015-01-01 .. 2036-01-01, microseconds since the epoch.
_TIME_RANGE = (1_420_070_400_000_000, 2_082_758_400_000_000)
_MAX_DURATION = 12 * 3600 * 1_000_000  # jobs last from an instant to hours
_MAX_OPERATIONS = 10**10


def job_ids() -> st.SearchStrategy[str]:
    """20-character URL-safe ids starting with a letter, like the platform's."""
    return st.builds(
        str.__add__,
        st.sampled_from(string.ascii_letters),
        st.text(alphabet=_URLSAFE, min_size=19, max_size=19),
    )


def _precisions() -> st.SearchStrategy[int]:
    return st.sampled_from((3, 0, 6))


def timestamps() -> st.SearchStrategy[str]:
    """RFC 3339 UTC timestamps with no, 3 or 6 fractional digits, as the platform prints."""
    return st.builds(
        lambda micros, digits: _format_time(_truncate(micros, digits), digits),
        st.integers(*_TIME_RANGE),
        _precisions(),
    )


@st.composite
def _reports(draw: st.DrawFn, fixed: dict[str, Any]) -> dict[str, Any]:
    given = {
        key: draw(value) if isinstance(value, st.SearchStrategy) else value
        for key, value in fixed.items()
    }
    report: dict[str, Any] = {
        "id": draw(job_ids()),
        "type": draw(st.sampled_from(("export", "import"))),
        "status": draw(st.sampled_from(("SUCCESS", "FAILURE"))),
    }

    created, updated = _parse_time(given.get("created_at")), _parse_time(given.get("updated_at"))
    duration = draw(st.integers(0, _MAX_DURATION))
    if created is None:
        created = updated - duration if updated is not None else draw(st.integers(*_TIME_RANGE))
    if updated is None:
        updated = created + duration
    start_digits, end_digits = draw(_precisions()), draw(_precisions())
    report["created_at"], report["updated_at"] = _time_pair(
        created, updated, start_digits, end_digits, given
    )

    operations = _count(given.get("total_operations"))
    succeeded = _count(given.get("total_succeeded"))
    failed = _count(given.get("total_failed"))
    if operations is None:
        operations = (succeeded or 0) + (failed or 0) + draw(
            st.integers(0, _MAX_OPERATIONS) if succeeded is None or failed is None
            else st.just(0)
        )
    if failed is None:
        rest = max(0, operations - (succeeded or 0))
        failed = rest if succeeded is not None else draw(st.integers(0, operations))
    if succeeded is None:
        succeeded = max(0, operations - failed)
    report["total_operations"] = operations
    report["total_succeeded"] = succeeded
    report["total_failed"] = failed

    report["definition_id"] = draw(job_ids())
    report["definition_name"] = draw(st.text(max_size=200))
    report.update(given)
    return report


def job_reports(**fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Valid job reports; keyword arguments fix fields to a value or to a strategy.

    ``job_reports(status="FAILURE", total_operations=st.integers(0, 10))``: the other
    fields are drawn consistent with the fixed ones (counts add up to a fixed
    ``total_operations``, ``updated_at`` follows a fixed ``created_at``). Unknown keys
    are added as extra fields. A fixed value that breaks the contract is kept as given.
    """
    return _reports(fixed)
