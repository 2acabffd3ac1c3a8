"""Nothing acknowledged is ever lost: append-only, line-atomic, fsync before the 2xx.

The SIGKILL test runs ``jobhook serve --record`` as a real process under concurrent load,
kills it mid-load, and checks the file against what the senders saw acknowledged.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema
from jobhook_testkit._jsonio import read_documents
from jobhook_testkit._recording_file import RecordingFile
from jobhook_testkit.recorder import is_recording_line

STARTUP_TIMEOUT = 15.0


def sample(report_id: str) -> dict[str, Any]:
    report: dict[str, Any] = load_schema()["examples"][0]
    report["id"] = report_id
    return report


# -- the appender on its own ------------------------------------------------------------


def test_reopening_appends_and_never_truncates(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    with RecordingFile(path) as first:
        first.append({"n": 1})
        first.append({"n": 2})
    before = path.read_bytes()
    with RecordingFile(path) as second:
        second.append({"n": 3})
    after = path.read_bytes()
    assert after.startswith(before)
    assert [json.loads(line)["n"] for line in after.splitlines()] == [1, 2, 3]


@pytest.mark.parametrize("torn", [b'{"report": {"id": "AX', b"{", b"\xe2\x80"])
def test_a_torn_last_line_stays_on_its_own_line(tmp_path: Path, torn: bytes) -> None:
    path = tmp_path / "r.ndjson"
    good = b'{"n":1}\n'
    path.write_bytes(good + torn)  # what a crash in the middle of a write leaves
    with RecordingFile(path) as recording:
        recording.append({"n": 2})
        recording.append({"n": 3})
    assert path.read_bytes() == good + torn + b'\n{"n":2}\n{"n":3}\n'


def test_a_file_that_may_be_appended_to_but_not_read_is_recorded_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"n":1}\n{"n":2')  # torn, and (below) not readable: chmod 200
    real_open = Path.open

    def write_only(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self == path and "r" in mode:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", write_only)
    with RecordingFile(path) as recording:
        recording.append({"n": 3})
    monkeypatch.undo()
    assert path.read_bytes() == b'{"n":1}\n{"n":2\n{"n":3}\n'


def test_a_torn_line_costs_only_itself_when_read_back(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    path.write_bytes(b'{"n":1}\n{"n":2}\n{"report": {"id')
    with RecordingFile(path) as recording:
        recording.append({"n": 3})
    documents = read_documents(str(path))
    assert [d.value for d in documents if d.error is None] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert [d.line for d in documents if d.error is not None] == [3]


def test_concurrent_appends_never_interleave_within_a_line(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    threads, per_thread = 8, 40
    with RecordingFile(path) as recording:

        def write(worker: int) -> None:
            for n in range(per_thread):
                # lines of a few KiB, so a torn or interleaved write would show
                recording.append({"worker": worker, "n": n, "pad": "x" * (1000 * (n % 7))})

        workers = [threading.Thread(target=write, args=(w,)) for w in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert len(records) == threads * per_thread
    assert {(r["worker"], r["n"]) for r in records} == {
        (w, n) for w in range(threads) for n in range(per_thread)
    }


def test_line_breaks_inside_values_cannot_split_a_record(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    with RecordingFile(path) as recording:
        recording.append({"definition_name": "two\nlines\r\u2028here"})
    (line,) = path.read_bytes().splitlines()
    assert json.loads(line) == {"definition_name": "two\nlines\r\u2028here"}


def test_a_file_deleted_while_recording_is_created_again(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    with RecordingFile(path) as recording:
        recording.append({"n": 1})
        path.unlink()  # by hand, or a clean-up job
        recording.append({"n": 2})  # must not vanish into the unlinked file
        recording.append({"n": 3})
    assert [json.loads(line)["n"] for line in path.read_bytes().splitlines()] == [2, 3]


def test_a_file_whose_directory_is_gone_refuses_instead_of_writing_in_the_dark(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "captures"
    directory.mkdir()
    path = directory / "r.ndjson"
    with RecordingFile(path) as recording:
        recording.append({"n": 1})
        path.unlink()
        directory.rmdir()
        with pytest.raises(OSError, match=r"r\.ndjson was deleted and cannot be created again"):
            recording.append({"n": 2})
        directory.mkdir()  # back again: recording resumes
        recording.append({"n": 3})
    assert [json.loads(line)["n"] for line in path.read_bytes().splitlines()] == [3]


def open_recording_file(path: Path) -> RecordingFile | OSError:
    """``RecordingFile(path)``, or the OSError it raised; fails the test if it blocks."""
    result: list[RecordingFile | OSError] = []

    def open_it() -> None:
        try:
            result.append(RecordingFile(path))
        except OSError as exc:
            result.append(exc)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(timeout=10)
    if opener.is_alive():  # unblock it (a writer and a reader), so no thread is left behind
        os.close(os.open(path, os.O_RDWR))
        opener.join(timeout=10)
        if result and isinstance(result[0], RecordingFile):
            result[0].close()
        pytest.fail(f"opening the FIFO {path.name} blocked")
    return result[0]


def test_a_pipe_is_recorded_to_without_fsync(tmp_path: Path) -> None:
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # like `cat capture.fifo`
    try:
        recording = open_recording_file(fifo)  # durable: an fsync would fail (EINVAL)
        assert isinstance(recording, RecordingFile), recording
        with recording:
            recording.append({"n": 1})
        assert os.read(reader, 1000) == b'{"n":1}\n'
    finally:
        os.close(reader)


def test_a_pipe_nobody_reads_is_refused_at_once_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    assert isinstance(open_recording_file(fifo), OSError)


# -- a real `jobhook serve` process ------------------------------------------------------


@contextlib.contextmanager
def jobhook_serve(*options: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start ``jobhook serve --port 0 OPTIONS``; yield the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "jobhook_testkit", "serve", "--port", "0", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        url = None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(process.stderr, selectors.EVENT_READ)
            while url is None and time.monotonic() < deadline:
                if not selector.select(timeout=deadline - time.monotonic()):
                    break
                line = process.stderr.readline().decode()
                if not line:
                    break
                found = re.search(r"listening on (http://\S+)", line)
                url = found.group(1) if found else None
        assert url is not None, "jobhook serve did not report its address in time"
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def post(url: str, report: dict[str, Any], timeout: float = 5.0) -> int:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with contextlib.closing(http.client.HTTPConnection(host, int(port), timeout=timeout)) as conn:
        body = json.dumps(report).encode()
        conn.request("POST", "/hooks", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status


@pytest.mark.slow
def test_sigkill_under_load_keeps_every_acknowledged_delivery_and_restart_appends(
    tmp_path: Path,
) -> None:
    path = tmp_path / "deliveries.ndjson"
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    with jobhook_serve("--record", str(path)) as (process, url):

        def load(worker: int) -> None:
            n = 0
            while not stop.is_set():
                report_id = f"W{worker}-{n:05d}"
                n += 1
                try:
                    status = post(url, sample(report_id))
                except OSError:  # the server was killed under us
                    return
                if 200 <= status < 300:
                    with lock:
                        acknowledged.add(report_id)

        workers = [threading.Thread(target=load, args=(w,)) for w in range(6)]
        for worker in workers:
            worker.start()
        try:
            deadline = time.monotonic() + 20
            while len(acknowledged) < 150 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)  # mid-load: the senders are still going
            process.wait(timeout=10)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 150

    data = path.read_bytes()
    *complete, tail = data.split(b"\n")
    # A write cut short by the kill can only be the very last line (never acknowledged:
    # the answer goes out after the whole line is written), so only complete lines count.
    records = [json.loads(line) for line in complete]
    assert all(is_recording_line(record) for record in records)
    recorded = {record["report"]["id"] for record in records}
    assert acknowledged <= recorded, f"lost: {sorted(acknowledged - recorded)[:5]}"

    # Restart on the same file: earlier lines stay byte for byte, new ones are appended.
    with jobhook_serve("--record", str(path)) as (process, url):
        assert post(url, sample("after-restart")) == 204
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    after = path.read_bytes()
    assert after.startswith(data)
    documents = read_documents(str(path))
    parsed = [d.value for d in documents if d.error is None]
    assert len(parsed) == len(records) + 1
    assert parsed[-1]["report"]["id"] == "after-restart"
    assert len([d for d in documents if d.error is not None]) == (0 if tail == b"" else 1)
