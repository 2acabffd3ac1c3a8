"""The price of durability: recorded deliveries/s with fsync-before-ack vs without.

    python benchmarks/bench_recorder.py [--deliveries N] [--threads T] [--rounds R] [--dir D]

Two measurements, each with ``RecordingReceiver(record=FILE, durable=True)`` (every line
fsync-ed before the 2xx) against ``durable=False`` (line-atomic append, no fsync), in the
same run, interleaved, best of R rounds (the machine is shared and noisy):

  in-process   T threads call the WSGI app directly: the recording path alone
  wire         FakeSender.deliver_many over 127.0.0.1 with T at a time: what a sender sees

and prints deliveries/s and the ratio durable/not-durable. The figure depends on the disk
and file system under --dir (default: a temporary directory; tmpfs makes fsync nearly
free, so point --dir at the disk you will record on).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from jobhook_testkit import load_schema
from jobhook_testkit.recorder import RecordingReceiver, serve_recorder
from jobhook_testkit.sender import FakeSender


def reports(count: int) -> list[dict[str, Any]]:
    base: dict[str, Any] = load_schema()["examples"][0]
    return [{**base, "id": f"AYb{n:017d}"} for n in range(count)]


def in_process(directory: Path, durable: bool, bodies: list[bytes], threads: int) -> float:
    """Deliveries/s with ``threads`` threads calling the app directly (no sockets)."""
    path = directory / f"inproc-{durable}-{time.monotonic_ns()}.ndjson"
    with RecordingReceiver(record=path, durable=durable, keep=False) as receiver:
        chunks = [bodies[i::threads] for i in range(threads)]

        def work(chunk: list[bytes]) -> None:
            for body in chunk:
                environ = {
                    "REQUEST_METHOD": "POST", "PATH_INFO": "/hooks", "SCRIPT_NAME": "",
                    "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
                    "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
                    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                    "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                }
                receiver(environ, lambda status, headers, exc_info=None: None)

        workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    assert len(path.read_bytes().splitlines()) == len(bodies)
    return len(bodies) / elapsed


def over_the_wire(directory: Path, durable: bool, batch: list[dict[str, Any]],
                  threads: int) -> float:
    """Deliveries/s seen by a sender delivering ``threads`` at a time over 127.0.0.1."""
    path = directory / f"wire-{durable}-{time.monotonic_ns()}.ndjson"
    with serve_recorder(record=path, durable=durable, keep=False) as recorder:
        sender = FakeSender(recorder.url + "/hooks", timeout=30)
        started = time.perf_counter()
        deliveries = sender.deliver_many(batch, concurrency=threads)
        elapsed = time.perf_counter() - started
    assert all(d.acknowledged for d in deliveries)
    assert len(path.read_bytes().splitlines()) == len(batch)
    return len(batch) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to write the recordings (default: a temporary directory)")
    args = parser.parse_args()

    batch = reports(args.deliveries)
    bodies = [json.dumps(report).encode() for report in batch]
    wire_batch = batch[: max(1, args.deliveries // 4)]  # the wire is slower: fewer, same shape
    best: dict[tuple[str, bool], float] = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        for _ in range(args.rounds):
            for durable in (True, False):  # interleaved, so drift hits both alike
                rate = in_process(directory, durable, bodies, args.threads)
                best[("in-process", durable)] = max(best.get(("in-process", durable), 0), rate)
                rate = over_the_wire(directory, durable, wire_batch, args.threads)
                best[("wire", durable)] = max(best.get(("wire", durable), 0), rate)
        where = directory.resolve().parent

    print(f"recordings under {where}; {args.threads} concurrent, best of {args.rounds} rounds")
    print(f"{'':12} {'fsync before ack':>18} {'no fsync':>12} {'durable/no-fsync':>18}")
    for mode, count in (("in-process", len(bodies)), ("wire", len(wire_batch))):
        durable, fast = best[(mode, True)], best[(mode, False)]
        print(f"{mode:12} {durable:>12,.0f} /s    {fast:>8,.0f} /s {durable / fast:>17.2f}x"
              f"   ({count} deliveries)")


if __name__ == "__main__":
    main()
