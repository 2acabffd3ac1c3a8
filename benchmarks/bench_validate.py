"""`jobhook validate` against the obvious alternatives, in one run, as ratios.

    python benchmarks/bench_validate.py [--lines N] [--rounds R] [--big-mb MB] [--skip-big]

check-jsonschema is not a dependency: `pip install check-jsonschema` to include it (it is
skipped otherwise). Every contender runs as a command, the way a user runs it (so each
figure includes its start-up), on the same files, rounds interleaved so they share the
machine's noise; the best round counts. Measured:

1. lines/s on NDJSON, on one JSON array and on 1,000 single files, for
     jobhook validate       (default install: compiled validator + pure pre-check)
     jobhook, pure path     (JOBHOOK_PURE_PYTHON=1)
     cached jsonschema      a 10-line script: one prebuilt Draft 2020-12 validator, formats on
     check-jsonschema       (reads whole documents: no NDJSON; the array gets an array schema)
2. peak RSS (VmHWM) of `jobhook validate` on 5 lines, 59 MB and 1 GB of NDJSON made with
   `jobhook generate --count N` (the big files are deleted afterwards);
3. an all-invalid capture against an all-valid one, default and pure path (start-up
   subtracted); also one whose broken values are all distinct (messages not remembered).

Targets (issue 13): default >= 3x cached, pure >= 1.0x cached; peak RSS for 59 MB and 1 GB
within ~40 MB of the 5-line peak; all-invalid >= 0.5x all-valid.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jobhook_testkit import JobReportFactory, load_schema

CACHED_SCRIPT = """
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
for path in sys.argv[3:]:
    with open(path) as handle:
        if sys.argv[2] == "ndjson":
            docs = (json.loads(line) for line in handle)
        else:
            docs = json.load(handle)
            docs = docs if isinstance(docs, list) else [docs]
        for doc in docs:
            list(validator.iter_errors(doc))
"""
PEAK = """
import sys
from jobhook_testkit.cli import main
code = main(sys.argv[1:])
line = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
sys.stderr.write(f"PEAK {line.split()[1]}\\n")
raise SystemExit(code)
"""
BREAKS: list[tuple[str, object]] = [
    ("total_failed", -1), ("status", "COMPLETED"), ("type", "sync"), ("id", ""),
    ("created_at", "2026-11-28 10:00:00"), ("total_operations", "12"), ("definition_id", None),
]


def reports(count: int, *, invalid: str = "", seed: int = 7) -> list[str]:
    """JSON lines of factory reports. ``invalid="mixed"``: each breaks one field (a mix of
    breaks, values repeating as when the platform changes a field); ``"distinct"``: each
    breaks two fields with values no other report has (nothing to remember)."""
    factory, rng = JobReportFactory(seed=seed), random.Random(seed)
    lines = []
    for index in range(count):
        report = factory.build()
        if invalid == "mixed":
            field, value = rng.choice(BREAKS)
            report[field] = value
        elif invalid == "distinct":
            report["total_failed"] = -1 - index
            report["created_at"] = report["created_at"].replace("T", " ")
        lines.append(json.dumps(report, ensure_ascii=False))
    return lines


def env(pure: bool) -> dict[str, str]:
    result = {k: v for k, v in os.environ.items() if k != "JOBHOOK_PURE_PYTHON"}
    if pure:
        result["JOBHOOK_PURE_PYTHON"] = "1"
    return result


def timed(argv: list[str], environ: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def race(contenders: dict[str, tuple[list[str], dict[str, str]]], count: int,
         rounds: int) -> dict[str, float]:
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for label, (argv, environ) in contenders.items():
            best[label] = min(best[label], timed(argv, environ))
    rates = {label: count / seconds for label, seconds in best.items()}
    base = rates["cached jsonschema"]
    for label, rate in rates.items():
        print(f"    {label:<22} {rate:>10,.0f} lines/s   {rate / base:5.2f}x cached")
    return rates


def throughput(tmp: Path, lines: list[str], rounds: int) -> None:
    schema_file = tmp / "schema.json"
    schema_file.write_text(json.dumps(load_schema()))
    array_schema = tmp / "array-schema.json"
    item = {k: v for k, v in load_schema().items() if k not in ("$schema", "$id")}
    array_schema.write_text(json.dumps({"type": "array", "items": item}))
    ndjson = tmp / "reports.ndjson"
    ndjson.write_text("\n".join(lines) + "\n", encoding="utf-8")
    array = tmp / "reports.json"
    array.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    single = tmp / "single"
    single.mkdir()
    for index, line in enumerate(lines[:1000]):
        (single / f"r{index:04d}.json").write_text(line, encoding="utf-8")
    files = sorted(str(p) for p in single.iterdir())
    jobhook = [sys.executable, "-m", "jobhook_testkit", "validate", "-q"]
    cached = [sys.executable, "-c", CACHED_SCRIPT, str(schema_file)]
    check = shutil.which("check-jsonschema")
    for title, data, count, kind in (("NDJSON", [str(ndjson)], len(lines), "ndjson"),
                                     ("one JSON array", [str(array)], len(lines), "array"),
                                     ("1,000 single files", files, len(files), "files")):
        print(f"  {title} ({count:,} reports)")
        contenders = {
            "jobhook validate": ([*jobhook, *data], env(False)),
            "jobhook, pure path": ([*jobhook, *data], env(True)),
            "cached jsonschema": ([*cached, kind, *data], env(False)),
        }
        if check and kind != "ndjson":
            schema = array_schema if kind == "array" else schema_file
            contenders["check-jsonschema"] = ([check, "--schemafile", str(schema), *data],
                                              env(False))
        race(contenders, count, rounds)
    if not check:
        print("  (check-jsonschema not installed: pip install check-jsonschema)")


def peak_kib(path: Path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PEAK, "validate", "-q", str(path)],
        capture_output=True, text=True, check=False,
    )
    return int(result.stderr.rsplit("PEAK ", 1)[1])


def memory(tmp: Path, big_mb: int, skip_big: bool) -> None:
    per_report = 295  # bytes per generated line, about
    sizes = [("5 lines", 5), ("59 MB", 59_000_000 // per_report)]
    if not skip_big:
        sizes.append((f"{big_mb / 1000:g} GB", big_mb * 1_000_000 // per_report))
    base = None
    for label, count in sizes:
        path = tmp / "capture.ndjson"
        with path.open("wb") as handle:
            subprocess.run([sys.executable, "-m", "jobhook_testkit", "generate", "--count",
                            str(count), "--seed", "5"], stdout=handle, check=True)
        size = path.stat().st_size
        start = time.perf_counter()
        peak = peak_kib(path)
        seconds = time.perf_counter() - start
        base = peak if base is None else base
        print(f"  {label:<8} ({size / 1e6:8,.1f} MB, {count:>10,} lines): peak RSS "
              f"{peak / 1024:6.1f} MiB (+{(peak - base) / 1024:5.1f} MiB), {seconds:6.1f} s, "
              f"{count / seconds:,.0f} lines/s")
        path.unlink()  # the big files do not outlive the measurement


def invalid_speed(tmp: Path, count: int, rounds: int) -> None:
    """Lines/s on an all-valid and an all-invalid capture, start-up subtracted (each kind is
    also timed on its first line alone): an invalid report makes the command import
    jsonschema once, ~0.3 s that says nothing about how fast a capture is checked."""
    files = {}
    kinds = ("valid", "invalid", "distinct")
    for label, invalid in (("valid", ""), ("invalid", "mixed"), ("distinct", "distinct")):
        lines = reports(count, invalid=invalid)
        files[label] = tmp / f"{label}.ndjson"
        files[label].write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[label + "-1"] = tmp / f"{label}-1.ndjson"
        files[label + "-1"].write_text(lines[0] + "\n", encoding="utf-8")
    jobhook = [sys.executable, "-m", "jobhook_testkit", "validate", "-q"]
    for title, pure in (("default", False), ("pure path", True)):
        best = dict.fromkeys(files, float("inf"))
        for _ in range(rounds):
            for label, path in files.items():
                best[label] = min(best[label], timed([*jobhook, str(path)], env(pure)))
        rate = {kind: (count - 1) / (best[kind] - best[kind + "-1"]) for kind in kinds}
        raw = {kind: count / best[kind] for kind in kinds}
        print(f"  {title:<10} all-valid {rate['valid']:>9,.0f} lines/s")
        for kind, what in (("invalid", "all-invalid"), ("distinct", "all-invalid, distinct")):
            print(f"  {'':<10} {what:<22} {rate[kind]:>9,.0f} lines/s   ratio "
                  f"{rate[kind] / rate['valid']:.2f}x   (with start-up: "
                  f"{raw[kind] / raw['valid']:.2f}x)")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=1000)
    parser.add_argument("--skip-big", action="store_true", help="no 1 GB capture")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        print("1. throughput (best of", options.rounds, "rounds, start-up included)")
        throughput(tmp, reports(options.lines), options.rounds)
        print("2. peak memory, NDJSON from `jobhook generate`")
        if os.path.exists("/proc/self/status"):
            memory(tmp, options.big_mb, options.skip_big)
        else:
            print("  (needs Linux's /proc)")
        print("3. all-invalid vs all-valid capture")
        invalid_speed(tmp, options.lines, options.rounds)


if __name__ == "__main__":
    main_bench()
