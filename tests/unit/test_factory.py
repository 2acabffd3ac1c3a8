"""JobReportFactory and JobReportProvider: realism, reproducibility, overrides."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest

from jobhook_testkit.factory import JobReportFactory, JobReportProvider
from jobhook_testkit.schema import ContractViolationError, validate

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{19}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")


def _seconds(report: dict[str, object]) -> float:
    start = datetime.fromisoformat(str(report["created_at"]))
    end = datetime.fromisoformat(str(report["updated_at"]))
    return (end - start).total_seconds()


def test_first_report_of_thousands_of_seeds_is_valid_strictly() -> None:
    for seed in range(2000):
        report = JobReportFactory(seed=seed).build()
        assert validate(report, strict=True) == [], (seed, report)


def test_a_long_run_from_one_factory_stays_valid_and_realistic() -> None:
    reports = JobReportFactory(seed=99).build_batch(3000)
    problems = [(r, validate(r, strict=True)) for r in reports if validate(r, strict=True)]
    assert problems == []
    assert all(ID.match(r["id"]) and ID.match(r["definition_id"]) for r in reports)
    assert all(TIMESTAMP.match(r["created_at"]) for r in reports)

    statuses = Counter(r["status"] for r in reports)
    assert set(statuses) == {"SUCCESS", "FAILURE"}  # RUNNING only when asked for
    assert statuses["SUCCESS"] > statuses["FAILURE"]
    assert {r["type"] for r in reports} == {"export", "import"}
    assert any(r["status"] == "SUCCESS" and r["total_failed"] > 0 for r in reports)
    assert any(r["status"] == "FAILURE" and r["total_operations"] == 0 for r in reports)
    assert any(r["total_failed"] == r["total_operations"] > 0 for r in reports)

    operations = sorted(r["total_operations"] for r in reports)
    assert operations[0] == 0 and operations[-1] >= 1_000_000  # empty jobs to millions
    assert operations[len(operations) // 2] < 10_000  # ...with most jobs small

    precisions = Counter(len(r["created_at"]) for r in reports)  # 20 / 24 / 27 characters
    assert set(precisions) == {20, 24, 27}
    durations = [_seconds(r) for r in reports]
    assert min(durations) >= 0 and max(durations) > 3600  # seconds to hours
    assert sorted(durations)[len(durations) // 10] >= 1


def test_same_seed_same_reports_other_seed_other_reports() -> None:
    assert JobReportFactory(seed=5).build_batch(20) == JobReportFactory(seed=5).build_batch(20)
    assert JobReportFactory(seed=5).build() != JobReportFactory(seed=6).build()
    localized = JobReportFactory(seed=5, locale="fr_FR").build_batch(20)
    assert localized == JobReportFactory(seed=5, locale="fr_FR").build_batch(20)


def test_no_seed_picks_one_that_replays() -> None:
    factory = JobReportFactory()
    assert isinstance(factory.seed, int)
    assert factory.build_batch(5) == JobReportFactory(seed=factory.seed).build_batch(5)


def test_faker_global_seed_is_left_alone() -> None:
    from faker.generator import random as faker_global_random

    state = faker_global_random.getstate()
    factory = JobReportFactory(seed=1)
    factory.build_batch(200)
    factory.faker.name()
    assert faker_global_random.getstate() == state
    assert factory.faker is factory.faker  # one private instance


def test_locale_gives_names_in_that_language_unknown_locale_fails_early() -> None:
    names = [r["definition_name"] for r in JobReportFactory(3, locale="ja_JP").build_batch(200)]
    japanese = [n for n in names if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n)]
    assert len(japanese) > len(names) // 2
    french = [r["definition_name"] for r in JobReportFactory(3, "fr_FR").build_batch(200)]
    assert any(("Export" in n or "Import" in n) and "des" in n for n in french)
    with pytest.raises(ValueError, match="unknown Faker locale 'xx_YY'"):
        JobReportFactory(locale="xx_YY")


def test_names_match_the_job_type() -> None:
    for report in JobReportFactory(seed=11).build_batch(300):
        name = report["definition_name"].lower()
        other = "import" if report["type"] == "export" else "export"
        assert other not in name, report


def test_overrides_win_and_the_rest_follows_them() -> None:
    factory = JobReportFactory(seed=21)
    report = factory.build(status="FAILURE", type="import", total_operations=10)
    assert (report["status"], report["type"], report["total_operations"]) == (
        "FAILURE", "import", 10)
    assert report["total_succeeded"] + report["total_failed"] == 10

    report = factory.build(total_failed=7)
    assert report["total_failed"] == 7
    assert report["total_operations"] == report["total_succeeded"] + 7

    report = factory.build(created_at="2030-01-02T03:04:05Z")
    assert report["created_at"] == "2030-01-02T03:04:05Z" and _seconds(report) >= 1
    report = factory.build(updated_at="2030-01-02T03:04:05.123Z")
    assert report["updated_at"] == "2030-01-02T03:04:05.123Z" and _seconds(report) >= 1

    report = factory.build(shard="eu-west-1", definition={"id": "x"})
    assert report["shard"] == "eu-west-1" and report["definition"] == {"id": "x"}
    assert validate(report, strict=True) == []


def test_invalid_overrides_are_kept_unless_validate_is_asked() -> None:
    factory = JobReportFactory(seed=2)
    report = factory.build(total_failed=-1, status="DONE")
    assert report["total_failed"] == -1 and report["status"] == "DONE"
    with pytest.raises(ContractViolationError, match="/total_failed"):
        factory.build(validate=True, total_failed=-1)
    assert factory.build(validate=True, status="FAILURE")["status"] == "FAILURE"


def test_success_and_failure_shortcuts() -> None:
    factory = JobReportFactory(seed=8)
    assert {factory.success()["status"] for _ in range(20)} == {"SUCCESS"}
    failures = [factory.failure() for _ in range(50)]
    assert {r["status"] for r in failures} == {"FAILURE"}
    assert factory.failure(type="import")["type"] == "import"


def test_build_batch_ids_are_distinct_and_arguments_checked() -> None:
    factory = JobReportFactory(seed=4)
    batch = factory.build_batch(500, type="import")
    assert len({r["id"] for r in batch}) == 500
    assert {r["type"] for r in batch} == {"import"}
    assert factory.build_batch(0) == []
    assert len(factory.build_batch(1, id="AAAAAAAAAAAAAAAAAAAA")) == 1
    with pytest.raises(ValueError, match="distinct ids"):
        factory.build_batch(2, id="AAAAAAAAAAAAAAAAAAAA")
    with pytest.raises(ValueError, match="non-negative"):
        factory.build_batch(-1)


def test_faker_provider_is_reproducible_and_valid() -> None:
    from faker import Faker

    fake = Faker("de_DE")
    fake.add_provider(JobReportProvider)
    fake.seed_instance(17)
    first = [fake.job_report() for _ in range(50)]
    fake.seed_instance(17)
    assert [fake.job_report() for _ in range(50)] == first
    assert all(validate(report, strict=True) == [] for report in first)
    assert fake.job_report(status="FAILURE", total_operations=0)["total_failed"] == 0
    assert any(re.search("[äöüß]|Export|Import", r["definition_name"]) for r in first)


def test_provider_class_is_a_faker_provider() -> None:
    from faker.providers import BaseProvider

    assert issubclass(JobReportProvider, BaseProvider)
    assert JobReportProvider.__module__ == "jobhook_testkit.factory"


@pytest.mark.parametrize(
    "fixed",
    [
        {"created_at": "9999-12-31T23:59:59Z"},
        {"updated_at": "0001-01-01T00:00:05Z"},
        {"created_at": "1960-05-01T10:00:00.5Z"},
        {"created_at": "2022-01-17T23:59:58.123456789Z"},
    ],
)
def test_times_derived_from_extreme_fixed_times_stay_valid(fixed: dict[str, str]) -> None:
    report = JobReportFactory(seed=1).build(**fixed)
    assert validate(report, strict=True) == []
    assert all(report[key] == value for key, value in fixed.items())


@pytest.mark.parametrize(
    "fixed",
    [{"total_operations": 10**400}, {"total_succeeded": 10**400}, {"total_failed": 10**309},
     {"total_operations": 2**64}],
    ids=["operations-10**400", "succeeded-10**400", "failed-10**309", "operations-2**64"],
)
def test_absurd_counts_still_build_a_job_of_hours(fixed: dict[str, int]) -> None:
    # Users test their receiver with counts no platform sends: build() raised
    # OverflowError past a double, and 2**64 records made the job end in year 9999.
    report = JobReportFactory(seed=1).build(**fixed)
    assert all(report[key] == value for key, value in fixed.items())
    assert validate(report) == []
    assert 1 <= _seconds(report) <= 24 * 3600


@pytest.mark.parametrize("locale", [["fr_FR", "de_DE"], 5])
def test_a_locale_that_is_not_one_name_is_a_clear_type_error(locale: object) -> None:
    # Faker accepts a list of locales; here it was an AttributeError from deep inside.
    with pytest.raises(TypeError, match="locale must be one Faker locale name such as 'fr_FR'"):
        JobReportFactory(seed=1, locale=locale)  # type: ignore[arg-type]
