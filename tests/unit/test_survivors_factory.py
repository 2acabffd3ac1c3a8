"""What makes generated reports realistic, pinned where mutation testing found it loose:
job durations, count distributions, definition names, overrides of a single count."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import pytest

from jobhook_testkit.factory import JobReportFactory


def _seconds(report: dict[str, Any]) -> float:
    start = datetime.fromisoformat(report["created_at"])
    end = datetime.fromisoformat(report["updated_at"])
    return (end - start).total_seconds()


@pytest.fixture(scope="module")
def many() -> list[dict[str, Any]]:
    return JobReportFactory(seed=2026).build_batch(4000)


def test_job_durations_spread_from_seconds_to_hours_below_the_day_cap(
    many: list[dict[str, Any]],
) -> None:
    durations = sorted(_seconds(r) for r in many)
    # At least a second, give or take the rounding of each end to its printed precision.
    assert durations[0] >= 0 and durations[len(durations) // 10] >= 1
    assert durations[-1] < 12 * 3600  # the day cap is for absurd overridden counts only
    assert statistics.median(durations) < 600  # most jobs take minutes, not hours
    assert sum(d > 3600 for d in durations) >= 1  # ...and a long tail takes hours
    assert len({round(d) for d in durations}) > 500  # not all one value


def test_a_huge_overridden_count_is_capped_at_a_day() -> None:
    for seed in range(20):
        report = JobReportFactory(seed=seed).build(total_operations=10**15)
        assert 3600 < _seconds(report) <= 24 * 3600 + 1  # (+ rounding of the start)


def test_zero_operation_jobs_are_common_among_failures_and_rare_among_successes(
    many: list[dict[str, Any]],
) -> None:
    def empty_share(status: str) -> float:
        group = [r for r in many if r["status"] == status]
        return sum(r["total_operations"] == 0 for r in group) / len(group)

    assert 0.2 < empty_share("FAILURE") < 0.4
    assert 0.02 < empty_share("SUCCESS") < 0.1


def test_operation_counts_go_from_single_records_to_millions(
    many: list[dict[str, Any]],
) -> None:
    operations = [r["total_operations"] for r in many]
    assert sum(1 <= n < 10 for n in operations) > len(operations) * 0.05
    assert max(operations) >= 1_000_000
    assert max(operations) < 6_400_000  # 10 ** 6.8


def test_failed_records_follow_the_status(many: list[dict[str, Any]]) -> None:
    failures = [r for r in many if r["status"] == "FAILURE" and r["total_operations"] >= 100]
    all_failed = sum(r["total_failed"] == r["total_operations"] for r in failures)
    assert 0.25 < all_failed / len(failures) < 0.55
    assert all(r["total_failed"] >= 1 for r in failures)

    successes = [r for r in many if r["status"] == "SUCCESS" and r["total_operations"] > 0]
    clean = sum(r["total_failed"] == 0 for r in successes) / len(successes)
    assert 0.55 < clean < 0.75
    # A successful job has at most one record in twenty failed (at least one allowed).
    assert all(r["total_failed"] <= max(1, r["total_operations"] // 20) for r in successes)


def test_definitions_repeat_within_a_factory_like_real_traffic() -> None:
    reports = JobReportFactory(seed=12).build_batch(60, type="export")
    names_by_id: defaultdict[str, set[str]] = defaultdict(set)
    for report in reports:
        names_by_id[report["definition_id"]].add(report["definition_name"])
    assert len(names_by_id) < 20  # a handful of definitions, each run many times
    assert all(len(names) == 1 for names in names_by_id.values())  # an id keeps its name
    assert max(Counter(r["definition_id"] for r in reports).values()) >= 4


@pytest.mark.parametrize("locale", [None, "en_US", "fr_FR", "de_DE", "es_ES", "ja_JP"])
def test_definition_names_are_complete_phrases(locale: str | None) -> None:
    for report in JobReportFactory(seed=31, locale=locale).build_batch(400):
        name = report["definition_name"]
        assert name == name.strip(), report
        assert "None" not in name and "()" not in name, report
        assert not re.search(r"(\bfrom|\bto|\bvers|\bdepuis|\baus|\bnach|\bde|–|→|:)$", name), (
            f"dangling end in {name!r}"
        )


def test_an_english_definition_name_names_the_company_where_its_template_does() -> None:
    names = [r["definition_name"] for r in JobReportFactory(seed=5).build_batch(1500)]
    with_company = [n for n in names if n.startswith("Migration: ") and " from " in n]
    assert with_company, "no 'Migration: ... from COMPANY' name in 1500 reports"
    assert all(len(n.rpartition(" from ")[2]) > 2 for n in with_company)


def test_a_locale_without_templates_of_its_own_names_in_english() -> None:
    factory = JobReportFactory(seed=9, locale="pt_BR")
    names = [r["definition_name"] for r in factory.build_batch(50)]
    assert all(re.search(r"(?i)export|import|migration", n) for n in names), names


def test_a_hyphenated_locale_is_the_same_language() -> None:
    factory = JobReportFactory(seed=3, locale="fr-FR")
    names = [r["definition_name"] for r in factory.build_batch(200)]
    assert any("des" in n.split() for n in names), names[:10]


def test_overriding_only_total_succeeded_keeps_the_counts_adding_up() -> None:
    factory = JobReportFactory(seed=44)
    for succeeded in (0, 7, 5000):
        report = factory.build(total_succeeded=succeeded)
        assert report["total_succeeded"] == succeeded
        assert report["total_failed"] >= 0
        assert report["total_operations"] == succeeded + report["total_failed"]


def test_overriding_operations_and_succeeded_derives_the_failed_count() -> None:
    report = JobReportFactory(seed=1).build(total_operations=10, total_succeeded=4)
    assert (report["total_succeeded"], report["total_failed"]) == (4, 6)
    report = JobReportFactory(seed=1).build(total_operations=10, total_failed=3)
    assert (report["total_succeeded"], report["total_failed"]) == (7, 3)


@pytest.mark.parametrize("n", ["3", 2.0, None, True])
def test_build_batch_needs_a_whole_number(n: Any) -> None:
    with pytest.raises(ValueError, match=r"n must be a non-negative integer, got "):
        JobReportFactory(seed=1).build_batch(n)


def test_build_batch_with_an_id_explains_why_not() -> None:
    message = "build_batch() makes reports with distinct ids: do not override id"
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        JobReportFactory(seed=1).build_batch(2, id="AAAAAAAAAAAAAAAAAAAA")
    assert str(error.value) == message
