"""What the jobhook plugin adds to a user's ``pytest --co``, against ``-p no:jobhook``.

    python benchmarks/bench_plugin_import.py [--rounds R] [--tests N]

Writes a small suite (N plain tests in a temporary directory, no conftest), then times
``python -m pytest --co -q`` in fresh interpreters, interleaved, median of R rounds:

  with jobhook          the plugin (and its sub-plugins) loaded through the entry point
  -p no:jobhook         the same run without it

each once with Faker's own pytest plugin (the default: it imports all of Faker) and once
with ``-p no:faker``. Prints the medians and the added cost of jobhook in ms and percent.
Target: within 5%. Also prints the plugin modules' own import time (``-X importtime``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(directory: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory, check=True, stdout=subprocess.DEVNULL, timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return time.perf_counter() - start


def own_import_ms() -> float:
    """Cumulative import time of jobhook's plugin modules, pytest already imported."""
    code = (
        "import pytest, jobhook_testkit.plugin, jobhook_testkit._plugin_sender, "
        "jobhook_testkit._plugin_recorder"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True, text=True, check=True, timeout=120,
    )
    total = 0
    for line in result.stderr.splitlines():
        parts = line.split("|")
        # Top-level imports of the -c line are indented by one space; nested ones by more.
        if len(parts) == 3 and parts[2].startswith(" jobhook_testkit"):
            total += int(parts[1])
    return total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, metavar="R")
    parser.add_argument("--tests", type=int, default=200, metavar="N")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "pytest.ini").write_text("[pytest]\n")
        for module in range(args.tests // 20):
            body = "".join(f"def test_{n}():\n    pass\n\n" for n in range(20))
            (directory / f"test_m{module}.py").write_text(body)

        variants = {
            ("faker plugin on", "with jobhook"): [],
            ("faker plugin on", "-p no:jobhook"): ["-p", "no:jobhook"],
            ("-p no:faker", "with jobhook"): ["-p", "no:faker"],
            ("-p no:faker", "-p no:jobhook"): ["-p", "no:faker", "-p", "no:jobhook"],
        }
        samples: dict[tuple[str, str], list[float]] = {key: [] for key in variants}
        for extra in variants.values():  # warm the OS caches once
            run_once(directory, extra)
        for _ in range(args.rounds):
            for key, extra in variants.items():
                samples[key].append(run_once(directory, extra))

    medians = {key: statistics.median(values) for key, values in samples.items()}
    print(f"pytest --co -q on {args.tests} tests, median of {args.rounds} fresh processes:")
    for faker_mode in ("faker plugin on", "-p no:faker"):
        with_ms = medians[(faker_mode, "with jobhook")] * 1000
        without_ms = medians[(faker_mode, "-p no:jobhook")] * 1000
        added = with_ms - without_ms
        print(
            f"  {faker_mode:16} with jobhook {with_ms:7.1f} ms   -p no:jobhook "
            f"{without_ms:7.1f} ms   added {added:+6.1f} ms ({added / without_ms:+.1%})"
        )
    print(f"jobhook plugin modules' own import time: {own_import_ms():.1f} ms")


if __name__ == "__main__":
    main()
