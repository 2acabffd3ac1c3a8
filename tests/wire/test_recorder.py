"""The recording receiver over real sockets (127.0.0.1, port 0), driven by FakeSender."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import serve_recorder
from jobhook_testkit.sender import FakeSender


def reports(count: int, prefix: str = "R") -> list[dict[str, Any]]:
    base: dict[str, Any] = load_schema()["examples"][0]
    return [{**base, "id": f"{prefix}{n:05d}"} for n in range(count)]


def test_hundreds_of_concurrent_deliveries_from_several_threads_are_all_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.ndjson"
    batches = [reports(60, prefix=f"T{t}-") for t in range(5)]
    results: list[list[Any]] = [[] for _ in batches]
    with serve_recorder(record=path) as recorder:
        sender = FakeSender(recorder.url + "/hooks", timeout=10)

        def send(index: int) -> None:
            results[index] = sender.deliver_many(batches[index], concurrency=4)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(batches))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    sent = {report["id"] for batch in batches for report in batch}
    assert all(d.acknowledged for batch in results for d in batch)
    assert len(sent) == 300
    assert {d.report["id"] for d in recorder.deliveries if d.report} == sent
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert len(lines) == 300
    assert {line["report"]["id"] for line in lines} == sent


def test_unauthenticated_deliveries_are_refused_and_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    report = reports(1)[0]
    with serve_recorder(auth="Bearer s3cret", record=path) as recorder:
        sender = FakeSender(recorder.url, auth="Bearer s3cret")
        missing = sender.deliver(report, auth=None)
        wrong = sender.deliver(report, auth="Bearer guess")
        right = sender.deliver(report)
    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 204)
    assert recorder.refused == 2
    (delivery,) = recorder.deliveries
    assert delivery.headers["Authorization"] == "Bearer [redacted]"
    assert len(path.read_bytes().splitlines()) == 1
    assert b"s3cret" not in path.read_bytes()


def test_oversize_bodies_are_refused_with_413(tmp_path: Path) -> None:
    report = reports(1)[0]
    with serve_recorder(max_body=4096, record=tmp_path / "r.ndjson") as recorder:
        sender = FakeSender(recorder.url)
        big = sender.deliver({**report, "definition_name": "x" * 20_000})
        small = sender.deliver(report)
    assert big.status_code == 413
    assert small.acknowledged
    assert [d.report for d in recorder.deliveries] == [report]
    assert recorder.receiver.counts["too_large"] == 1


def test_a_sender_that_hangs_up_mid_body_is_not_recorded() -> None:
    with serve_recorder() as recorder:
        delivery = FakeSender(recorder.url, timeout=2).deliver(reports(1)[0], hang_up_after=20)
        assert not delivery.acknowledged
        deadline = time.monotonic() + 5
        while not recorder.receiver.counts.get("incomplete") and time.monotonic() < deadline:
            time.sleep(0.01)
    assert recorder.receiver.counts == {"incomplete": 1}
    assert recorder.deliveries == ()


def test_scripted_delay_makes_a_sender_time_out_but_the_delivery_is_recorded() -> None:
    with serve_recorder() as recorder:
        recorder.respond_with(delay=2.0)
        delivery = FakeSender(recorder.url, timeout=0.2).deliver(reports(1)[0])
        assert delivery.outcome == "timed_out"
        assert len(recorder.wait_for(1, timeout=2)) == 1
        recorder.receiver.clear()  # cuts the scripted delay short so the server stops fast


def test_scripted_status_is_what_the_sender_sees() -> None:
    with serve_recorder() as recorder:
        recorder.respond_with(status=500)
        delivery = FakeSender(recorder.url).deliver(reports(1)[0])
    assert delivery.status_code == 500
    assert not delivery.acknowledged
    assert recorder.deliveries[0].status == 500
