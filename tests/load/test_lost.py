"""What the Locust user counts as a lost notification, and the run's one-line sum.

In-process and without Locust: jobhook_testkit._lost imports neither Locust nor gevent.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from jobhook_testkit._lost import LostNotification, LostTally
from jobhook_testkit.recorder import serve_recorder
from jobhook_testkit.sender import FakeSender


def test_each_unacknowledged_outcome_has_a_stable_message() -> None:
    with serve_recorder() as recorder:
        recorder.respond_with(status=503)
        rejected = FakeSender(recorder.url, timeout=2).deliver()
        recorder.respond_with(status=204, delay=5)
        timed_out = FakeSender(recorder.url, timeout=0.2).deliver()
        recorder.receiver.end_delays()
        port = recorder.server.url.rsplit(":", 1)[1]
    refused = FakeSender(f"http://127.0.0.1:{port}/", timeout=2).deliver()
    assert str(LostNotification.of(rejected)) == "answered 503, not 2xx"
    assert str(LostNotification.of(timed_out)) == "no 2xx within the 0.2 s timeout"
    assert str(LostNotification.of(refused)) == "connection failed: Connection refused (connecting)"


def test_tally_of_one_process_counts_only_job_report_requests() -> None:
    tally = LostTally()
    assert tally.summary() == ""
    for _ in range(6):
        tally.count("POST", "export SUCCESS", None)
    tally.count("POST", "import FAILURE", LostNotification("answered 503, not 2xx"))
    tally.count("POST", "export FAILURE", LostNotification("no 2xx within the 5 s timeout"))
    tally.count("POST", "export FAILURE", LostNotification("no 2xx within the 5 s timeout"))
    tally.count("GET", "export SUCCESS", LostNotification("someone else's request"))
    tally.count("POST", "/health", None)
    assert tally.summary() == (
        "jobhook: 9 job reports delivered, 3 lost (33.3%): "
        "2 no 2xx within the 5 s timeout; 1 answered 503, not 2xx"
    )


def test_tally_of_a_master_adds_up_its_workers_reports() -> None:
    tally = LostTally()
    report = {
        "stats": [
            {"method": "POST", "name": "export SUCCESS", "num_requests": 40, "num_failures": 3},
            {"method": "POST", "name": "import SUCCESS", "num_requests": 10, "num_failures": 0},
            {"method": "GET", "name": "/other", "num_requests": 99, "num_failures": 99},
        ],
        "errors": {
            "k1": {"method": "POST", "name": "export SUCCESS",
                   "error": "LostNotification('no 2xx within the 5 s timeout')", "occurrences": 3},
            "k2": {"method": "GET", "name": "/other", "error": "Boom()", "occurrences": 99},
        },
    }
    tally.merge_worker_report(report)
    tally.merge_worker_report({"stats": [], "errors": {}})
    tally.merge_worker_report(report)
    assert tally.summary() == (
        "jobhook: 100 job reports delivered, 6 lost (6.0%): 6 no 2xx within the 5 s timeout"
    )


@pytest.mark.slow
def test_importing_the_package_never_imports_locust_or_gevent() -> None:
    code = (
        "import sys, jobhook_testkit, jobhook_testkit.plugin, jobhook_testkit.cli, "
        "jobhook_testkit._lost\n"
        "from jobhook_testkit import *\n"
        "jobhook_testkit.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
