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


@pytest.fixture
def many() -> list[dict[str, Any]]:
    # Built per test, not once per module: mutation testing runs only the tests that call
    # the code it changed, and a shared fixture would call it in the first test only.
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
    assert 6 <= len(names_by_id) < 20  # a handful of definitions, each run many times
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


_EVENT_WORDS = ("event", "login", "activity", "événements", "connexions", "ereignisse",
                "logins", "eventos", "inicios", "イベント", "ログイン")


@pytest.mark.parametrize("locale", [None, "fr_FR", "de_DE", "es_ES", "ja_JP"])
def test_an_overridden_type_shapes_the_definition_name(locale: str | None) -> None:
    factory = JobReportFactory(seed=17, locale=locale)
    imports = [factory.build(type="import")["definition_name"] for _ in range(150)]
    exports = [factory.build(type="export")["definition_name"] for _ in range(150)]
    assert not [n for n in imports if "export" in n.lower()]
    assert not [n for n in exports if "import" in n.lower()]
    # Events are exported, never imported.
    assert not [n for n in imports if any(word in n.lower() for word in _EVENT_WORDS)]
    assert [n for n in exports if any(word in n.lower() for word in _EVENT_WORDS)]


def test_an_overridden_status_shapes_the_counts() -> None:
    factory = JobReportFactory(seed=23)
    failures = [factory.failure() for _ in range(400)]
    assert 0.2 < sum(r["total_operations"] == 0 for r in failures) / len(failures) < 0.4
    assert all(r["total_failed"] >= 1 for r in failures if r["total_operations"])
    for status in ("SUCCESS", "RUNNING"):
        reports = [factory.build(status=status) for _ in range(400)]
        assert {r["status"] for r in reports} == {status}
        assert all(r["total_failed"] <= max(1, r["total_operations"] // 20) for r in reports)
        assert sum(r["total_operations"] == 0 for r in reports) / len(reports) < 0.1


_PREFIX = re.compile(r"\[PROD\] |\[staging\] |TEST - |\(old\) |v2 ")
_EN_KINDS = ("user", "profile", "member", "event", "activity", "consent", "opt-in")


def test_english_names_start_capitalised_and_spell_the_kind_whole() -> None:
    reports = JobReportFactory(seed=41).build_batch(600)
    for report in reports:
        name = report["definition_name"]
        name = name[_PREFIX.match(name).end():] if _PREFIX.match(name) else name
        if name.startswith(("export_", "import_", "Migration: ", "Import ", "Daily ",
                            "Nightly ")):
            continue
        assert name[0].isupper(), name
        assert not re.search(r"\b[A-Z]{2}[a-z]", name), name
        assert any(kind in name.lower() for kind in _EN_KINDS), name


def test_a_few_names_carry_an_environment_prefix() -> None:
    names = [r["definition_name"] for r in JobReportFactory(seed=7).build_batch(3000)]
    prefixed = [n for n in names if _PREFIX.match(n)]
    assert 0.02 < len(prefixed) / len(names) < 0.25


def test_a_localised_factory_still_names_some_definitions_in_english() -> None:
    factory = JobReportFactory(seed=3, locale="ja_JP")
    names = [r["definition_name"] for r in factory.build_batch(400)]
    japanese = [n for n in names if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n)]
    assert 0.55 < len(japanese) / len(names) < 0.9


def test_most_ids_start_with_a_capital_a_like_the_platform_s(many: list[dict[str, Any]]) -> None:
    share = sum(r["id"].startswith("A") for r in many) / len(many)
    assert 0.85 < share < 0.95
    assert any(not r["id"].startswith("A") for r in many)


def test_times_come_in_three_precisions_at_both_ends(many: list[dict[str, Any]]) -> None:
    for field in ("created_at", "updated_at"):
        lengths = Counter(len(r[field]) for r in many)  # 20 / 24 / 27 characters
        assert set(lengths) == {20, 24, 27}, field
        assert 0.05 < lengths[20] / len(many) < 0.2, field  # whole seconds: one in ten
        assert lengths[24] > lengths[27], field  # milliseconds are the usual form


def test_some_jobs_take_between_one_and_two_seconds(many: list[dict[str, Any]]) -> None:
    assert any(1 <= _seconds(r) < 2 for r in many)


def test_a_whole_second_is_written_without_a_fraction(many: list[dict[str, Any]]) -> None:
    stamps = [r[field] for r in many for field in ("created_at", "updated_at")]
    assert not [s for s in stamps if s.endswith((".000Z", ".000000Z"))]


_LAST = "9999-12-31T23:59:59"


@pytest.mark.parametrize(
    ("created", "allowed"),
    [
        (f"{_LAST}Z", {f"{_LAST}Z", f"{_LAST}.999Z", f"{_LAST}.999999Z"}),
        (f"{_LAST}.999Z", {f"{_LAST}.999Z", f"{_LAST}.999999Z"}),
        (f"{_LAST}.999999Z", {f"{_LAST}.999999Z"}),
    ],
)
def test_a_job_created_at_the_last_instant_ends_then_never_before_it(
    created: str, allowed: set[str]
) -> None:
    # No later instant exists: the end is the start, written in a precision that keeps it
    # there (a coarser one would put the end before the start).
    ends = {JobReportFactory(seed=seed).build(created_at=created)["updated_at"]
            for seed in range(80)}
    assert ends <= allowed, ends


def test_a_time_without_a_zone_is_taken_as_utc() -> None:
    report = JobReportFactory(seed=3).build(created_at="2030-01-02T03:04:05")
    assert report["created_at"] == "2030-01-02T03:04:05"
    assert report["updated_at"].startswith("2030-01-02T")
    assert report["updated_at"].endswith("Z")


def test_a_fixed_count_of_operations_keeps_the_status_shape_of_failures() -> None:
    failures = [JobReportFactory(seed=n).build(status="FAILURE", total_operations=100)
                for n in range(60)]
    assert any(r["total_failed"] == 100 for r in failures)
    assert all(r["total_failed"] >= 1 for r in failures)
    successes = [JobReportFactory(seed=n).build(status="SUCCESS", total_operations=1000)
                 for n in range(60)]
    assert all(r["total_failed"] <= 50 for r in successes)
    assert sum(r["total_failed"] == 0 for r in successes) > 20


@pytest.mark.parametrize(("succeeded", "failed"), [(10, 0), (0, 10), (4, 6)])
def test_operations_and_succeeded_fix_the_failed_count(succeeded: int, failed: int) -> None:
    report = JobReportFactory(seed=1).build(total_operations=10, total_succeeded=succeeded)
    assert (report["total_succeeded"], report["total_failed"]) == (succeeded, failed)
