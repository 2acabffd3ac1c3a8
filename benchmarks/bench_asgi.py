"""ASGI receivers: in-process delivery and serve_asgi against the obvious alternatives, in one run.

    python benchmarks/bench_asgi.py [--deliveries N] [--rounds R] [--samples S]

Prints two measurements, each next to the alternatives measured in the same run (the
machine is shared and noisy: throughputs are the best of R interleaved rounds, start+stop
times the median of S):

  in-process   FakeSender(app).deliver(report) -- the app on a loop thread of its own,
               with the hard deadline -- vs httpx.AsyncClient(transport=ASGITransport(app))
               awaiting posts on the caller's loop (no deadline at all), and vs Starlette's
               TestClient(app).post; the same FastAPI app for all (target >= 1.0x the
               faster peer)
  start+stop   serve_asgi(app) entered and left (lifespan included) vs the uvicorn-in-a-
               thread boilerplate the FastAPI example used to need: Server.run in a thread,
               poll server.started, should_exit = True, join (target: at least as fast)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from asgi_receiver.app import HOOK_PATH, create_app
from bench_sender import best_of, rate  # the same measuring as the WSGI benchmark

from jobhook_testkit import FakeSender, load_schema, serve_asgi
from jobhook_testkit.sender import encode_report

AUTH = "Bearer s3cret"
REPORT: dict[str, Any] = load_schema()["examples"][0]
BODY = encode_report(REPORT)
HEADERS = {"Authorization": AUTH, "Content-Type": "application/json"}


def in_process(count: int, rounds: int) -> dict[str, float]:
    app = create_app(auth=AUTH)
    sender = FakeSender(app, path=HOOK_PATH, auth=AUTH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's notice about its httpx dependency
        from starlette.testclient import TestClient

        client = TestClient(app)

    def ours() -> None:
        for _ in range(count):
            assert sender.deliver(REPORT).acknowledged

    def with_httpx() -> None:
        async def posts() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
                for _ in range(count):
                    response = await c.post(HOOK_PATH, content=BODY, headers=HEADERS)
                    assert response.status_code == 204

        asyncio.run(posts())

    def with_testclient() -> None:
        for _ in range(count):
            assert client.post(HOOK_PATH, content=BODY, headers=HEADERS).status_code == 204

    ours()  # warm up (imports, the loop thread, lifespan)
    try:
        with client:
            return best_of(rounds, {
                "ours": lambda: rate(count, ours),
                "httpx": lambda: rate(count, with_httpx),
                "testclient": lambda: rate(count, with_testclient),
            })
    finally:
        sender.close()


def _boilerplate() -> None:
    """What examples/asgi_receiver/test_asgi_receiver.py did before serve_asgi existed."""
    app = create_app(auth=AUTH)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    server.servers[0].sockets[0].getsockname()  # the URL a test needs
    server.should_exit = True
    thread.join(10)


def _ours() -> None:
    with serve_asgi(create_app(auth=AUTH)) as server:
        assert server.url


def start_stop(samples: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"ours": [], "boilerplate": []}
    _ours()  # warm up (imports)
    _boilerplate()
    for _ in range(samples):
        for name, run in (("ours", _ours), ("boilerplate", _boilerplate)):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()

    rates = in_process(args.deliveries, args.rounds)
    faster = max(rates["httpx"], rates["testclient"])
    print(f"in-process  ours {rates['ours']:8.0f}/s   httpx ASGITransport "
          f"{rates['httpx']:8.0f}/s   TestClient {rates['testclient']:8.0f}/s   "
          f"ratio vs faster peer {rates['ours'] / faster:.2f}x (target >= 1.0x)")
    medians = start_stop(args.samples)
    print(f"start+stop  serve_asgi {medians['ours'] * 1000:7.1f} ms   uvicorn thread "
          f"boilerplate {medians['boilerplate'] * 1000:7.1f} ms   "
          f"{medians['boilerplate'] / medians['ours']:.1f}x faster (target >= 1.0x)")


if __name__ == "__main__":
    main()
