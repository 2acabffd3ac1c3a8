"""Payloads that exercise both answers of every validator: the schema's examples, random
reports with one field broken or removed, odd values, edge cases and factory reports."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "schema" / "examples"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.0, 2.5, 2**63, 10**30, "", "x", [], {}, {"a": 1}, ["SUCCESS"],
    "SUCCESS", "FAILURE", "RUNNING", "success", "export", "import", "Export",
    "2020-11-21T14:26:10Z", "2020-11-21T14:26:10.3Z", "2020-11-21T14:26:10.345123456Z",
    "2020-11-21T14:26:10.1234567890Z", "2020-11-21T23:59:60Z", "2020-02-29T00:00:00Z",
    "2021-02-29T00:00:00Z", "2020-11-21t14:26:10z", "2020-11-21T14:26:10+00:00",
    "2020-11-21 14:26:10Z", "2020-11-21T24:00:00Z", "2020-11-21T14:60:00Z", "0000-01-01T00:00:00Z",
    "AYb3kQ2zVx81LmNq0pQr", "é", "\u0000", "1", 3.0, -0.0, 10**400, "export\n",
    "2020-11-21T14:26:10Z\n", "2020-11-21T14:26:10.Z",
]


def _random_report(rng: random.Random) -> dict[str, Any]:
    operations = rng.choice([0, 1, 3, 120, 25_000, 1_250_000])
    failed = rng.randint(0, operations)
    fraction = rng.choice(["", ".345", ".345123", ".5"])
    return {
        "id": "A" + "".join(rng.choice(ALPHABET) for _ in range(19)),
        "type": rng.choice(["export", "import"]),
        "status": rng.choice(["SUCCESS", "FAILURE", "RUNNING"]),
        "created_at": f"2026-0{rng.randint(1, 9)}-{rng.randint(1, 28):02d}T"
                      f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
                      f"{rng.randint(0, 59):02d}{fraction}Z",
        "updated_at": f"2026-11-28T23:{rng.randint(0, 59):02d}:59.999Z",
        "total_operations": operations,
        "total_succeeded": operations - failed,
        "total_failed": failed,
        "definition_id": "A" + "".join(rng.choice(ALPHABET) for _ in range(19)),
        "definition_name": rng.choice(["User export", "", "顧客 🚀", '"<b>x</b>"', "x" * 500]),
    }


def payloads(count: int) -> Iterator[object]:
    for path in sorted(EXAMPLES.rglob("*.json")):
        if path.name != "expected-errors.json":
            yield json.loads(path.read_text(encoding="utf-8"))
    rng = random.Random(20261128)
    for _ in range(count):
        report = _random_report(rng)
        mutation = rng.randrange(4)
        if mutation == 1:
            report[rng.choice(list(report))] = rng.choice(ODD_VALUES)
        elif mutation == 2:
            del report[rng.choice(list(report))]
        elif mutation == 3:
            report[rng.choice(["definition", "extra", "total"])] = rng.choice(ODD_VALUES)
        yield report
    yield from ODD_VALUES
    from jobhook_testkit import JobReportFactory, edge_cases

    for case in edge_cases():
        yield case.payload
    for seed in range(count // 4):
        yield JobReportFactory(seed=seed).build()


def odd_python_payloads() -> list[object]:
    import types
    from decimal import Decimal

    from jobhook_testkit import edge_case

    report = edge_case("docs-sample").payload
    return [
        dict(report, total_operations=Decimal("3")),  # json.loads(parse_float=Decimal) users
        dict(report, total_failed=Decimal("1.0")),
        types.MappingProxyType(report),
        {**report, 1: "an int key"},
        dict(report, extra=types.MappingProxyType({"a": 1})),
        dict(report, created_at="2020-11-21T14:26:10.345Z\n"),
        dict(report, total_failed=-(10**5000)),  # jsonschema-rs called this valid
        dict(report, id=_Text("a str subclass")),
    ]


class _Text(str):
    """A str subclass: the pre-checks leave anything that is not a plain str to the reference."""
