"""The Hypothesis strategy draws only valid reports and honours fixed fields."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jobhook_testkit.schema import validate
from jobhook_testkit.strategies import job_ids, job_reports, timestamps

FEW = settings(max_examples=50, deadline=None)


@settings(max_examples=150, deadline=None)
@given(job_reports())
def test_every_drawn_report_is_valid_strictly(report: dict[str, Any]) -> None:
    assert validate(report, strict=True) == []
    assert report["status"] in {"SUCCESS", "FAILURE"}


@FEW
@given(job_ids(), timestamps())
def test_ids_and_timestamps_look_like_the_platform(job_id: str, stamp: str) -> None:
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{19}", job_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z", stamp)


@FEW
@given(job_reports(status="FAILURE", type="import", total_operations=st.integers(0, 10)))
def test_fixed_values_and_strategies_are_honoured(report: dict[str, Any]) -> None:
    assert report["status"] == "FAILURE" and report["type"] == "import"
    assert 0 <= report["total_operations"] <= 10
    assert validate(report, strict=True) == []


@FEW
@given(
    job_reports(
        created_at="2024-02-29T23:59:59.999Z",
        total_failed=st.integers(0, 5),
        region="eu",
    )
)
def test_other_fields_follow_the_fixed_ones(report: dict[str, Any]) -> None:
    assert report["created_at"] == "2024-02-29T23:59:59.999Z"
    assert report["region"] == "eu" and report["total_failed"] <= 5
    assert validate(report, strict=True) == []


def test_a_fixed_invalid_value_is_kept() -> None:
    seen: list[dict[str, Any]] = []

    @settings(max_examples=5, deadline=None)
    @given(job_reports(total_failed=-3))
    def collect(report: dict[str, Any]) -> None:
        seen.append(report)

    collect()
    assert seen and all(report["total_failed"] == -3 for report in seen)
    assert all(validate(report) for report in seen)


@FEW
@given(job_reports(updated_at="2021-01-01T00:00:00Z", total_operations=0))
def test_a_fixed_end_gets_a_start_before_it(report: dict[str, Any]) -> None:
    assert report["updated_at"] == "2021-01-01T00:00:00Z"
    assert report["created_at"] <= "2021-01-01T00:00:00Z"
    assert report["total_succeeded"] == report["total_failed"] == 0
    assert validate(report, strict=True) == []
