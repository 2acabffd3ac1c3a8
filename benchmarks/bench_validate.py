"""Throughput of `jobhook validate` against the obvious alternatives, in one run.

    python benchmarks/bench_validate.py [--lines N] [--naive-lines N]

Writes a large NDJSON file of realistic reports (a few of them invalid), then measures
lines/s for:
  jobhook validate      the command's code path (main(["validate", "-q", FILE]))
  cached jsonschema     json.loads + one prebuilt Draft 2020-12 validator with formats on
  naive jsonschema      json.loads + jsonschema.validate(report, schema) per line
and prints the ratios. Targets: jobhook >= 0.8x cached, >= 40x naive. Machines are shared
and noisy: each figure is the best of several interleaved rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema

from jobhook_testkit import load_schema
from jobhook_testkit.cli import main
from jobhook_testkit.schema import _fast_validator

NAMES = ["User export", "Export des consentements", "Daily events → BigQuery", "Import CRM",
         "顧客エクスポート", "Consents import (nightly)"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def make_lines(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        operations = rng.choice([0, 1, 3, 120, 25_000, 1_250_000])
        failed = rng.randint(0, operations // 10) if operations else 0
        second = rng.randint(0, 58)
        report = {
            "id": "A" + "".join(rng.choice(ALPHABET) for _ in range(19)),
            "type": rng.choice(["export", "import"]),
            "status": rng.choice(["SUCCESS", "SUCCESS", "FAILURE"]),
            "created_at": f"2026-11-{rng.randint(1, 28):02d}T10:{rng.randint(0, 59):02d}:"
                          f"{second:02d}.{rng.randint(0, 999):03d}Z",
            "updated_at": f"2026-11-28T23:{rng.randint(0, 59):02d}:59.999Z",
            "total_operations": operations,
            "total_succeeded": operations - failed,
            "total_failed": failed,
            "definition_id": "A" + "".join(rng.choice(ALPHABET) for _ in range(19)),
            "definition_name": rng.choice(NAMES),
        }
        if index % 1000 == 999:
            report["total_failed"] = -1  # keep the error path in the measurement
        lines.append(json.dumps(report, ensure_ascii=False))
    return lines


def best_rates(runs: dict[str, tuple[int, Callable[[], object]]], rounds: int) -> dict[str, float]:
    """Best lines/s of each contender, rounds interleaved so they share the machine's noise."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for label, (_, run) in runs.items():
            start = time.perf_counter()
            run()
            best[label] = min(best[label], time.perf_counter() - start)
    rates = {}
    for label, (lines, _) in runs.items():
        rates[label] = lines / best[label]
        print(f"  {label:<22} {rates[label]:>12,.0f} lines/s  (best of {rounds}, {lines:,} lines)")
    return rates


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--naive-lines", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    lines = make_lines(options.lines)
    schema = load_schema()
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reports.ndjson"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{options.lines:,} reports, {path.stat().st_size / 1e6:.1f} MB of NDJSON")

        def jobhook() -> None:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                io.StringIO()
            ):
                main(["validate", "-q", str(path)])

        def cached() -> None:
            for line in path.read_text(encoding="utf-8").splitlines():
                list(validator.iter_errors(json.loads(line)))

        def naive() -> None:
            for line in lines[: options.naive_lines]:
                with contextlib.suppress(jsonschema.ValidationError):
                    jsonschema.validate(json.loads(line), schema,
                                        format_checker=cls.FORMAT_CHECKER)

        jobhook()  # warm the cached validator and imports
        rates = best_rates(
            {
                "jobhook validate": (options.lines, jobhook),
                "cached jsonschema": (options.lines, cached),
                "naive jsonschema": (options.naive_lines, naive),
            },
            options.rounds,
        )
        ours, alone = rates["jobhook validate"], rates["cached jsonschema"]
        slow = rates["naive jsonschema"]
    fast = _fast_validator() is not None
    print(f"validator: {'jsonschema-rs pre-check + jsonschema' if fast else 'jsonschema only'}"
          " (JOBHOOK_PURE_PYTHON=1 turns the pre-check off)")
    print(f"jobhook / cached jsonschema = {ours / alone:.2f}x   (target >= 0.8x)")
    print(f"jobhook / naive jsonschema  = {ours / slow:.1f}x   (target >= 40x)")


if __name__ == "__main__":
    main_bench()
