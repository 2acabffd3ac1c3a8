"""`jobhook validate` on streams far larger than the memory it may use (a real subprocess).

The child's peak RSS (VmHWM, which unlike ``ru_maxrss`` does not start from the forking
pytest process's size) is compared for a tiny input and for 80 MB of NDJSON, recordings
and a JSON array fed through a pipe: the difference must stay far below the input's size.
Reading the whole input (as validate once did) fails this at once.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from jobhook_testkit import load_schema

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc"),
]

# The CLI's own code path, then the peak RSS of this process as the kernel counts it.
CHILD = """
import sys
from jobhook_testkit.cli import main
code = main(["validate", "-q", "-"])
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
sys.stderr.write(f"\\nPEAK {peak.split()[1]}\\n")
raise SystemExit(code)
"""

STREAM_BYTES = 80 * 1024 * 1024
ALLOWED_GROWTH = 24 * 1024 * 1024


def _report() -> dict[str, object]:
    report = copy.deepcopy(load_schema()["examples"][0])
    report["definition_name"] = "x" * 40_000  # big lines: many MB, few documents to check
    return report


def _chunks(kind: str, total: int) -> Iterator[bytes]:
    report = _report()
    if kind == "recording":
        document = {"report": report, "path": "/hooks", "headers": {},
                    "received_at": "2026-11-28T12:00:00Z", "violations": []}
    else:
        document = report
    line = json.dumps(document).encode()
    count = max(1, total // (len(line) + 2))
    if kind == "array":
        yield b"[\n" + line
        for _ in range(count - 1):
            yield b",\n" + line
        yield b"\n]\n"
    else:
        for _ in range(count):
            yield line + b"\n"


def _peak_rss_kib(kind: str, total: int) -> int:
    """Run `jobhook validate -q -` on the generated stream; the child's peak RSS in KiB."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert child.stdin is not None
    output: list[tuple[bytes, bytes]] = []
    reader = threading.Thread(target=lambda: output.append(child.communicate()))
    try:
        for chunk in _chunks(kind, total):
            child.stdin.write(chunk)
    finally:
        reader.start()  # communicate() closes stdin and waits
        reader.join(60)
    out, err = output[0]
    assert child.returncode == 0, (out, err[-2000:])
    return int(err.rsplit(b"PEAK ", 1)[1])


@pytest.fixture(scope="module")
def baseline_kib() -> int:
    return _peak_rss_kib("ndjson", 1)


@pytest.mark.parametrize("kind", ["ndjson", "recording", "array"])
def test_memory_does_not_grow_with_the_stream(kind: str, baseline_kib: int) -> None:
    peak = _peak_rss_kib(kind, STREAM_BYTES)
    growth = (peak - baseline_kib) * 1024
    assert growth < ALLOWED_GROWTH, (
        f"{kind}: {STREAM_BYTES // 2**20} MiB of input raised peak memory by "
        f"{growth / 2**20:.1f} MiB (allowed {ALLOWED_GROWTH // 2**20} MiB)"
    )
