"""The fake sender and serve_wsgi against the obvious alternatives, in one run.

    python benchmarks/bench_sender.py [--deliveries N] [--rounds R] [--samples S] [--quick]

Prints four measurements, each next to the alternative measured in the same run (the
machine is shared and noisy: throughputs are the best of R interleaved rounds):

  in-process   FakeSender(app).deliver(report) vs a bare werkzeug.test.Client(app).post
               loop (target >= 0.7x)
  loopback     FakeSender(url).deliver(report) vs requests.post(url, json=report) in a loop,
               both over 127.0.0.1 to the same serve_wsgi server (target >= 1.0x)
  overshoot    how long past a 0.5 s timeout the sender returns, p50/p99 over S deliveries,
               against a receiver that never answers and one that trickles its body a byte
               every 100 ms (target p99 <= 5 ms); requests.post(timeout=0.5) against the same
               trickler, once, for comparison
  start+stop   LiveServer start+stop (what serve_wsgi and live_receiver do) vs a default
               werkzeug make_server + serve_forever + shutdown (target <= 15 ms, >= 30x)
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import requests
from werkzeug.serving import make_server
from werkzeug.test import Client

from jobhook_testkit import load_schema
from jobhook_testkit.sender import FakeSender
from jobhook_testkit.server import LiveServer, serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

TIMEOUT = 0.5
TRICKLE_PAUSE = 0.1
TRICKLE_SECONDS = 3.0
REPORT: dict[str, Any] = load_schema()["examples"][0]


def receiver(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A typical quick receiver: reads the body, answers 204."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("204 No Content", [])
    return []


def rate(count: int, loop: Callable[[], None]) -> float:
    started = time.perf_counter()
    loop()
    return count / (time.perf_counter() - started)


def best_of(rounds: int, contenders: dict[str, Callable[[], float]]) -> dict[str, float]:
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(rounds):
        for name, measure in contenders.items():  # interleaved: drift hits all alike
            best[name] = max(best[name], measure())
    return best


def in_process(count: int, rounds: int) -> dict[str, float]:
    sender = FakeSender(receiver, path="/hooks")
    client = Client(receiver)

    def ours() -> None:
        for _ in range(count):
            assert sender.deliver(REPORT).acknowledged

    def werkzeug_client() -> None:
        for _ in range(count):
            assert client.post("/hooks", json=REPORT).status_code == 204

    ours()  # warm up (imports, worker thread)
    return best_of(
        rounds, {"ours": lambda: rate(count, ours), "alt": lambda: rate(count, werkzeug_client)}
    )


def loopback(count: int, rounds: int) -> dict[str, float]:
    with serve_wsgi(receiver) as server:
        url = server.url + "/hooks"
        sender = FakeSender(url)

        def ours() -> None:
            for _ in range(count):
                assert sender.deliver(REPORT).acknowledged

        def with_requests() -> None:
            for _ in range(count):
                assert requests.post(url, json=REPORT, timeout=5).status_code == 204

        return best_of(
            rounds, {"ours": lambda: rate(count, ours), "alt": lambda: rate(count, with_requests)}
        )


@contextmanager
def raw_receiver(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection-at-a-time raw TCP receiver; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn, suppress(OSError):
                handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    finally:
        stop.set()
        thread.join()
        listener.close()


def _read_head(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def silent(conn: socket.socket) -> None:
    _read_head(conn)
    conn.settimeout(10)
    while conn.recv(65536):  # until the sender hangs up
        pass


def trickler(conn: socket.socket) -> None:
    _read_head(conn)
    length = int(TRICKLE_SECONDS / TRICKLE_PAUSE)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % length)
    for _ in range(length):
        time.sleep(TRICKLE_PAUSE)
        conn.sendall(b"x")


def overshoot(samples: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, handle in (("silent", silent), ("trickling", trickler)):
        with raw_receiver(handle) as url:
            sender = FakeSender(url, timeout=TIMEOUT)
            late = []
            for _ in range(samples):
                delivery = sender.deliver(REPORT)
                assert delivery.outcome == "timed_out", delivery
                late.append(delivery.elapsed - TIMEOUT)
        cuts = statistics.quantiles(late, n=100, method="inclusive")
        results[name] = (cuts[49], cuts[98])
    with raw_receiver(trickler) as url:
        started = time.perf_counter()
        requests.post(url, json=REPORT, timeout=TIMEOUT)
        results["requests"] = time.perf_counter() - started
    return results


def start_stop(rounds: int, default_rounds: int) -> dict[str, float]:
    def ours() -> float:
        started = time.perf_counter()
        LiveServer(receiver).start().stop()
        return time.perf_counter() - started

    def default() -> float:
        started = time.perf_counter()
        server = make_server("127.0.0.1", 0, receiver, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        server.shutdown()
        thread.join()
        server.server_close()
        return time.perf_counter() - started

    ours()
    return {
        "ours": statistics.median(ours() for _ in range(rounds)),
        "alt": statistics.median(default() for _ in range(default_rounds)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20, help="timed-out deliveries each")
    parser.add_argument("--quick", action="store_true", help="fewer of everything")
    args = parser.parse_args()
    if args.quick:
        args.deliveries, args.rounds, args.samples = 200, 1, 5

    inproc = in_process(args.deliveries, args.rounds)
    print(
        f"in-process   {inproc['ours']:>8,.0f} deliveries/s  vs werkzeug Client.post "
        f"{inproc['alt']:>8,.0f} /s   {inproc['ours'] / inproc['alt']:.2f}x (target >= 0.7x)"
    )
    wire = loopback(max(1, args.deliveries // 2), args.rounds)
    print(
        f"loopback     {wire['ours']:>8,.0f} deliveries/s  vs requests.post        "
        f"{wire['alt']:>8,.0f} /s   {wire['ours'] / wire['alt']:.2f}x (target >= 1.0x)"
    )
    late = overshoot(args.samples)
    for name in ("silent", "trickling"):
        p50, p99 = late[name]
        print(
            f"overshoot    {name:<9} receiver, {TIMEOUT} s timeout: p50 {p50 * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms over {args.samples} (target p99 <= 5 ms)"
        )
    print(
        f"             requests.post(timeout={TIMEOUT}) against the trickler returned after "
        f"{late['requests']:.2f} s"
    )
    times = start_stop(20 if not args.quick else 5, 5 if not args.quick else 2)
    print(
        f"start+stop   LiveServer {times['ours'] * 1000:.1f} ms  vs default make_server "
        f"{times['alt'] * 1000:.0f} ms   {times['alt'] / times['ours']:.0f}x faster "
        "(target <= 15 ms, >= 30x)"
    )


if __name__ == "__main__":
    main()
