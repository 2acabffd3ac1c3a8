"""Reports/s of ``JobReportFactory.build()`` against a naive all-Faker factory, in one run.

    python benchmarks/bench_factory.py [--reports N] [--rounds R]

Measures, interleaved, best of R rounds (the machine is shared and noisy):

  JobReportFactory.build()   Faker for names (company names in the locale), its seeded
                             random stream for ids, numbers and times
  fake.job_report()          the same generator through the Faker provider
  naive all-Faker            one Faker call per field (pystr, random_element, random_int,
                             date_time_between, catch_phrase ...), the obvious way to
                             write a Faker factory

and prints reports/s and the ratio against the naive one. Target: build() >= 3x naive.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from faker import Faker

from jobhook_testkit.factory import JobReportFactory, JobReportProvider
from jobhook_testkit.schema import validate


def naive_factory(seed: int) -> Callable[[], dict[str, Any]]:
    """The straightforward Faker factory: every field comes from a Faker call."""
    fake = Faker()
    fake.seed_instance(seed)

    def build() -> dict[str, Any]:
        operations = fake.random_int(0, 5_000_000)
        failed = fake.random_int(0, operations)
        created = fake.date_time_between(start_date="-5y", end_date="now", tzinfo=UTC)
        updated = created + timedelta(seconds=fake.random_int(1, 7200))
        return {
            "id": fake.pystr(min_chars=20, max_chars=20),
            "type": fake.random_element(("export", "import")),
            "status": fake.random_element(("SUCCESS", "FAILURE")),
            "created_at": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "updated_at": updated.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "total_operations": operations,
            "total_succeeded": operations - failed,
            "total_failed": failed,
            "definition_id": fake.pystr(min_chars=20, max_chars=20),
            "definition_name": fake.catch_phrase(),
        }

    return build


def provider_factory(seed: int) -> Callable[[], dict[str, Any]]:
    fake = Faker()
    fake.add_provider(JobReportProvider)
    fake.seed_instance(seed)
    job_report: Callable[[], dict[str, Any]] = fake.job_report
    return job_report


def rate(build: Callable[[], dict[str, Any]], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        build()
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000, metavar="N")
    parser.add_argument("--rounds", type=int, default=5, metavar="R")
    args = parser.parse_args()

    candidates: dict[str, Callable[[], dict[str, Any]]] = {
        "JobReportFactory.build()": JobReportFactory(seed=1).build,
        "fake.job_report() (provider)": provider_factory(1),
        "naive all-Faker": naive_factory(1),
    }
    for build in candidates.values():  # warm up, and check every candidate is a report
        assert not [v for v in validate(build()) if v.is_error]
    best = dict.fromkeys(candidates, 0.0)
    for _ in range(args.rounds):
        for name, build in candidates.items():
            best[name] = max(best[name], rate(build, args.reports))

    naive = best["naive all-Faker"]
    print(f"reports per second, best of {args.rounds} rounds of {args.reports}:")
    for name, value in best.items():
        print(f"  {name:30} {value:>10,.0f}/s   {value / naive:5.1f}x naive")
    verdict = "met" if best["JobReportFactory.build()"] >= 3 * naive else "NOT met"
    print(f"target build() >= 3x naive: {verdict}")


if __name__ == "__main__":
    main()
