"""The Locust user (examples/load/locustfile.py), run by Locust itself in subprocesses.

Importing Locust monkey-patches the standard library with gevent, so this process never
imports it: every run is ``python -m locust`` against a recording receiver served here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _receivers import free_port

from jobhook_testkit.recorder import LiveRecorder, serve_recorder

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "examples" / "load" / "locustfile.py"
SECRET = "s3cret-l0ad"
AUTH = f"Bearer {SECRET}"
NAMES = {f"{t} {s}" for t in ("export", "import") for s in ("SUCCESS", "FAILURE")}


def locust_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def swarm(
    recorder: LiveRecorder, *extra: str, users: int = 2, seconds: int = 1, auth: bool = True
) -> list[str]:
    """Headless options for a short run against ``recorder``; stats as JSON on stdout."""
    return [
        "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
        "--stop-timeout", "5",  # deliveries in flight at the end finish and are counted
        "--host", recorder.url, "--jobhook-path", "/hooks/jobs",
        *(["--jobhook-auth", AUTH] if auth else []), "--json", *extra,
    ]


def run(
    command: list[str], timeout: float = 60, **env_vars: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_vars}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, env=env,
        cwd=ROOT,
    )


def stats(stdout: str) -> dict[str, dict[str, Any]]:
    """Locust's --json stats by request name (the JSON list is the last thing printed)."""
    entries = json.loads(stdout[stdout.index("["):])
    return {e["name"]: e for e in entries if e["method"] == "POST"}


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


def test_fast_receiver_every_delivery_counted_none_lost() -> None:
    with serve_recorder(auth=AUTH) as recorder:
        result = run(locust_command(*swarm(recorder)))
        recorded = recorder.deliveries
    assert result.returncode == 0, result.stderr[-3000:]
    by_name = stats(result.stdout)
    counted = sum(e["num_requests"] for e in by_name.values())
    assert counted == len(recorded) >= 1  # how many depends on the machine's load
    assert sum(e["num_failures"] for e in by_name.values()) == 0
    # Realistic traffic: named by type and status, a mix of both, every report valid.
    assert set(by_name) <= NAMES
    kinds = Counter(f"{d.report['type']} {d.report['status']}" for d in recorded if d.report)
    assert {name: e["num_requests"] for name, e in by_name.items()} == dict(kinds)
    assert all(d.valid and d.path == "/hooks/jobs" for d in recorded)
    assert all(d.headers["Authorization"] == "Bearer [redacted]" for d in recorded)
    assert recorder.refused == 0  # the Authorization was the one configured
    ids = [d.report["id"] for d in recorded if d.report]
    assert len(set(ids)) == len(ids)
    assert f"jobhook: {counted} job reports delivered, 0 lost (0.0%)" in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_slow_receiver_timeouts_are_lost_notifications() -> None:
    with serve_recorder(auth=AUTH, delay=1.0) as recorder:
        # The Authorization from the environment this time, as README suggests for CI.
        options = swarm(recorder, "--jobhook-timeout", "0.3", auth=False)
        result = run(locust_command(*options), LOCUST_JOBHOOK_AUTH=AUTH)
        received = len(recorder.deliveries)
        assert recorder.refused == 0
        recorder.receiver.end_delays()
    assert result.returncode == 1, result.stderr[-3000:]  # Locust's exit code on failures
    by_name = stats(result.stdout)
    counted = sum(e["num_requests"] for e in by_name.values())
    failed = sum(e["num_failures"] for e in by_name.values())
    assert counted == failed == received >= 1
    assert (
        f"jobhook: {counted} job reports delivered, {counted} lost (100.0%): "
        f"{counted} no 2xx within the 0.3 s timeout"
    ) in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_rejected_and_unauthorized_deliveries_are_lost_too() -> None:
    with serve_recorder(auth="Bearer another") as recorder:
        result = run(locust_command(*swarm(recorder, users=1, seconds=1)))
    assert result.returncode == 1
    by_name = stats(result.stdout)
    counted = sum(e["num_requests"] for e in by_name.values())
    assert counted == sum(e["num_failures"] for e in by_name.values()) == recorder.refused > 0
    assert f"{counted} answered 401, not 2xx" in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_distributed_master_and_worker_on_loopback() -> None:
    port = str(free_port())
    with serve_recorder(auth=AUTH) as recorder:
        master = subprocess.Popen(
            locust_command(
                *swarm(recorder), "--master", "--expect-workers", "1",
                "--expect-workers-max-wait", "30", "--master-bind-host", "127.0.0.1",
                "--master-bind-port", port, "--loglevel", "DEBUG",
            ),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        worker = subprocess.Popen(
            locust_command("--worker", "--master-host", "127.0.0.1", "--master-port", port,
                           "--loglevel", "DEBUG"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        try:
            master_out, master_err = master.communicate(timeout=60)
            worker_out, worker_err = worker.communicate(timeout=30)
        finally:
            for process in (master, worker):
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        recorded = recorder.deliveries
    assert master.returncode == 0, master_err[-3000:]
    assert worker.returncode == 0, worker_err[-3000:]
    by_name = stats(master_out)
    counted = sum(e["num_requests"] for e in by_name.values())
    assert counted == len(recorded) >= 1  # the worker delivered, the master counted
    assert sum(e["num_failures"] for e in by_name.values()) == 0
    assert all(d.path == "/hooks/jobs" and d.valid for d in recorded)  # options reached it
    assert f"jobhook: {counted} job reports delivered, 0 lost (0.0%)" in master_err
    assert "jobhook:" not in worker_err  # the master sums up the run, once
    assert_no_secret(master_out, master_err, worker_out, worker_err)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--jobhook-timeout", "0"], "argument --jobhook-timeout: must be more than 0"),
        (["--jobhook-path", "hooks"], "argument --jobhook-path: must start with '/', got 'hooks'"),
        ([], "jobhook: no receiver: pass --host http://HOST:PORT"),
        (["--host", "ftp://127.0.0.1"], "jobhook: target must be an http:// or https:// URL"),
        (["--jobhook-auth", AUTH + "\nX-Injected: 1"],
         "jobhook: the value of header 'Authorization' contains a line break or NUL"),
    ],
    ids=["timeout-zero", "relative-path", "no-host", "bad-host", "auth-with-line-break"],
)
def test_bad_options_are_one_clear_line_and_exit_2(options: list[str], message: str) -> None:
    command = ["--headless", "-u", "1", "-t", "1s", "--jobhook-auth", AUTH, *options]
    if options:
        command = ["--host", "http://127.0.0.1:9", *command]  # the last --host wins
    result = run(locust_command(*command))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_a_seed_repeats_the_reports_but_never_their_ids() -> None:
    with serve_recorder() as first, serve_recorder() as second:
        runs = [
            subprocess.Popen(
                locust_command(*swarm(recorder, "--jobhook-seed", "42", users=1)),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            )
            for recorder in (first, second)
        ]
        for process in runs:
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err[-3000:]
        reports = [[d.report for d in r.deliveries if d.report] for r in (first, second)]

    def shape(report: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(v for k, v in sorted(report.items()) if k != "id")

    # One user each: the same sequence, however far each got on a busy machine.
    both = min(len(reports[0]), len(reports[1]))
    assert both >= 1
    assert [shape(r) for r in reports[0][:both]] == [shape(r) for r in reports[1][:both]]
    assert not {r["id"] for r in reports[0]} & {r["id"] for r in reports[1]}


def test_the_web_ui_page_never_holds_the_authorization() -> None:
    port = free_port()
    ui = subprocess.Popen(
        locust_command("--web-host", "127.0.0.1", "--web-port", str(port),
                       "--host", "http://127.0.0.1:9", "--jobhook-auth", AUTH),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )
    try:
        page = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "jobhook" not in page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
    finally:
        ui.terminate()
        output, _ = ui.communicate(timeout=30)
    assert "jobhook_path" in page  # the page lists our other options
    assert "jobhook_auth" not in page
    assert_no_secret(page, output)

