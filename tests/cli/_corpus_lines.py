"""NDJSON lines for the CLI tests: valid reports and reports with one field broken."""

from __future__ import annotations

import json
import random

from jobhook_testkit import JobReportFactory

BREAKS: list[tuple[str, object]] = [
    ("total_failed", -1), ("id", ""), ("type", "sync"), ("status", "success"),
    ("created_at", "yesterday"), ("updated_at", "2020-11-21T14:26:10+00:00"),
    ("total_operations", 2.5), ("definition_id", 7), ("definition_name", None),
    ("total_succeeded", True), ("id", None),
]


def corpus_lines(count: int, *, seed: int = 13, invalid_share: float = 0.5) -> list[str]:
    """``count`` reports as JSON lines; about ``invalid_share`` of them break one field
    (or lose one), so both the fast answer and the reference's messages are exercised."""
    rng = random.Random(seed)
    factory = JobReportFactory(seed=seed)
    lines = []
    for _ in range(count):
        report = factory.build()
        if rng.random() < invalid_share:
            if rng.random() < 0.15:
                del report[rng.choice(sorted(report))]
            else:
                field, value = rng.choice(BREAKS)
                report[field] = value
        lines.append(json.dumps(report, ensure_ascii=False))
    return lines
