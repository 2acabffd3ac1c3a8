"""`jobhook replay` streams a recording: its memory does not grow with the file.

A real subprocess replays a file of big reports to a receiver on 127.0.0.1; its peak RSS
(VmHWM) is compared with a replay of a one-report file. Reading the whole file into a list
first (as replay once did) keeps every report alive and fails this at once.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema, serve_wsgi

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc"),
]

CHILD = """
import sys
from jobhook_testkit.cli import main
code = main(["replay", sys.argv[1], sys.argv[2]])
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
sys.stderr.write(f"\\nPEAK {peak.split()[1]}\\n")
raise SystemExit(code)
"""

REPORT_BYTES = 400_000
FILE_BYTES = 48 * 1024 * 1024
ALLOWED_GROWTH = 16 * 1024 * 1024


def _acknowledge(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("204 No Content", [])
    return [b""]


def _write(path: Path, count: int) -> None:
    report = copy.deepcopy(load_schema()["examples"][0])
    report["definition_name"] = "x" * REPORT_BYTES  # big lines: many MB, few deliveries
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            report["id"] = f"AReplayMemory{number:07d}"
            handle.write(json.dumps(report) + "\n")


def _peak_kib(path: Path, url: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stderr.rsplit("PEAK ", 1)[1].split()[0])


def test_replaying_a_big_recording_does_not_hold_it_in_memory(tmp_path: Path) -> None:
    small, big = tmp_path / "one.ndjson", tmp_path / "many.ndjson"
    _write(small, 1)
    _write(big, FILE_BYTES // REPORT_BYTES)
    with serve_wsgi(_acknowledge) as server:
        baseline = _peak_kib(small, server.url)
        peak = _peak_kib(big, server.url)
    growth = (peak - baseline) * 1024
    assert growth < ALLOWED_GROWTH, (
        f"replaying {big.stat().st_size // 2**20} MiB grew peak RSS by {growth // 2**20} MiB"
    )
