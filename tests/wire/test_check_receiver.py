"""check_receiver over real sockets: each check fails on a receiver built to break it.

The receivers are examples/broken_receiver (one switchable bug per check); with no bug it
is correct and passes everything.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from jobhook_testkit.contract import (
    ContractReport,
    Level,
    ReceiverUnreachableError,
    Status,
    check_receiver,
    get_check,
)
from jobhook_testkit.server import serve_wsgi

AUTH = "Bearer s3cret"
PATH = "/hooks/jobs"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "broken_receiver" / "app.py"


def _broken() -> ModuleType:
    name = "jobhook_example_broken_receiver"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


BUGS: dict[str, str] = _broken().BUGS


def _run(app: Any, **options: Any) -> ContractReport:
    options.setdefault("timeout", 2.0)
    return check_receiver(app, path=PATH, auth=AUTH, probe=_probe(app), **options)


def _probe(app: Any) -> Callable[[Mapping[str, Any]], int | None]:
    return lambda report: app.times_processed(report["id"])


def test_a_correct_receiver_passes_every_check() -> None:
    report = _run(_broken().create_app([]), seed=11)

    assert [(r.name, r.status) for r in report if r.status is not Status.PASS] == []
    assert report.passed
    assert report.exit_code == 0
    assert len(report) == len(BUGS)


def test_every_check_has_a_bug_that_breaks_it() -> None:
    from jobhook_testkit.contract import check_names

    assert sorted(BUGS) == sorted(check_names())


@pytest.mark.parametrize("name", sorted(BUGS))
def test_each_check_fails_on_the_receiver_built_to_break_it(name: str) -> None:
    app = _broken().create_app([name], delay=0.35)

    result = _run(app, only=[name], timeout=0.6, seed=5)[name]

    if get_check(name).level is Level.MUST:
        assert result.status is Status.FAIL, result
    else:
        assert result.status is Status.WARN, result
    assert result.reason
    assert result.deliveries
    # Every failure tells what was sent, what came back and what was expected.
    for part in ("  sent:      ", "  received:  ", "  expected:  "):
        assert part in result.details, (part, result.details)
    assert "s3cret" not in result.details


def test_a_missing_probe_or_auth_is_a_skip_with_the_reason() -> None:
    report = check_receiver(_broken().create_app([], auth=None), path=PATH, timeout=2.0)

    skipped = {r.name: r.reason for r in report.skipped}
    assert set(skipped) == {
        "processes-redelivery-once",
        "refuses-missing-authorization",
        "refuses-wrong-authorization",
        "refuses-wrong-credential",
        "refuses-empty-authorization",
    }
    assert "no side-effect probe configured" in skipped["processes-redelivery-once"]
    assert "no Authorization value configured" in skipped["refuses-empty-authorization"]
    assert report.passed


def test_a_url_target_is_checked_over_the_wire_with_the_path_appended() -> None:
    app = _broken().create_app([])
    with serve_wsgi(app) as server:
        report = check_receiver(server.url, path=PATH, auth=AUTH, timeout=2.0,
                                only=["acknowledges-success-report", "rejects-get"])
    assert report.passed
    assert report.target == server.url + PATH
    assert report["acknowledges-success-report"].deliveries[0].request.url == report.target


def test_a_refused_port_is_unreachable_before_any_check_runs() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there

    with pytest.raises(ReceiverUnreachableError, match=f"unreachable at http://127.0.0.1:{port}/"):
        check_receiver(f"http://127.0.0.1:{port}/", timeout=1.0)


def test_a_receiver_that_never_answers_is_unreachable_within_the_timeout() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
        with pytest.raises(ReceiverUnreachableError) as caught:
            check_receiver(url, timeout=0.3)
    assert caught.value.delivery is not None
    assert str(caught.value.delivery.outcome) == "timed_out"


def test_a_receiver_that_dies_mid_run_is_a_run_of_failures_not_an_error() -> None:
    from jobhook_testkit.server import LiveServer

    inner = _broken().create_app([])
    calls = []

    def dying(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(1)
        if len(calls) == 1:  # the first probe: stop the whole server from another thread
            threading.Thread(target=server.stop).start()
            time.sleep(0.1)
        result: Iterable[bytes] = inner(environ, start_response)
        return result

    server = LiveServer(dying).start()
    try:
        report = check_receiver(server.url + PATH, auth=AUTH, timeout=1.0)
    finally:
        server.stop()
    assert not report.passed
    assert any("connection failed" in r.reason for r in report.failures), report


def _recording_app(delay: float = 0.0) -> tuple[Any, list[str], list[int]]:
    ids: list[str] = []
    in_flight = [0, 0]  # current, highest
    lock = threading.Lock()
    inner = _broken().create_app([], auth=None)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            with contextlib.suppress(ValueError, TypeError, KeyError):
                ids.append(json.loads(body)["id"])
        time.sleep(delay)
        with lock:
            in_flight[0] -= 1
        environ["wsgi.input"] = io.BytesIO(body)
        result: Iterable[bytes] = inner(environ, start_response)
        return result

    return app, ids, in_flight


def test_runs_use_fresh_ids_unless_the_seed_is_given() -> None:
    only = ["acknowledges-success-report", "acknowledges-edge-cases"]
    runs = []
    for seed in (None, None, 42, 42):
        app, ids, _ = _recording_app()
        report = check_receiver(app, path=PATH, timeout=2.0, only=only, seed=seed)
        assert report.passed
        runs.append(ids)
    first, second, seeded, again = runs
    assert not set(first) & set(second)
    assert sorted(seeded) == sorted(again)
    edge_ids = [i for i in seeded if "-" in i or "_" in i]
    assert edge_ids  # the dash-and-underscore edge case keeps its shape with a fresh id


def test_independent_checks_run_concurrently_and_exclusive_ones_alone() -> None:
    shared = ["acknowledges-success-report", "acknowledges-failure-report",
              "acknowledges-export-report", "acknowledges-import-report"]
    app, _, in_flight = _recording_app(delay=0.08)
    assert check_receiver(app, path=PATH, timeout=2.0, only=shared).passed
    assert in_flight[1] > 1

    app, _, in_flight = _recording_app(delay=0.02)
    assert check_receiver(app, path=PATH, timeout=2.0, only=shared, concurrency=1).passed
    assert in_flight[1] == 1

    app, _, in_flight = _recording_app(delay=0.01)
    report = check_receiver(app, path=PATH, timeout=2.0, only=["answers-well-within-timeout"])
    assert report.passed
    assert in_flight[1] == 1


def test_a_bad_timeout_or_unknown_check_is_a_value_error() -> None:
    app = _broken().create_app([])
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        check_receiver(app, timeout=0)
    with pytest.raises(ValueError, match="unknown check name"):
        check_receiver(app, only=["acknowledges-everything"])


def test_edge_cases_stop_after_three_unanswered_deliveries_in_a_row() -> None:
    def silent(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        time.sleep(0.25)  # past the 0.1 s timeout: the sender has hung up by then
        start_response("204 No Content", [])
        return [b""]

    result = check_receiver(silent, timeout=0.1, only=["acknowledges-edge-cases"])[
        "acknowledges-edge-cases"]

    assert result.status is Status.FAIL
    assert len(result.deliveries) == 3
    assert "stopped after 3 unanswered in a row" in result.reason
    assert result.summary.startswith("3 deliveries, slowest 0.1")


def test_an_https_receiver_is_checked_with_the_given_ca(tmp_path: Path) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    only = ["acknowledges-success-report", "refuses-wrong-credential"]
    with serve_wsgi(_broken().create_app([]), ssl_context=context) as server:
        assert server.url.startswith("https://")
        report = check_receiver(server.url, path=PATH, auth=AUTH, timeout=2.0, only=only,
                                verify=str(ca_file))
        with pytest.raises(ReceiverUnreachableError, match="certificate"):
            check_receiver(server.url, path=PATH, auth=AUTH, timeout=2.0, only=only)
        from jobhook_testkit.assertions import assert_conforms

        assert assert_conforms(server.url, path=PATH, auth=AUTH, timeout=2.0, only=only,
                               verify=str(ca_file)).passed
    assert report.passed, report


def test_the_configured_authorization_never_shows_even_when_the_receiver_echoes_it() -> None:
    from jobhook_testkit._report_render import render

    def echoing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        got = environ.get("HTTP_AUTHORIZATION", "")
        if got == AUTH:
            start_response("204 No Content", [])
            return [b""]
        if got.startswith("Bearer "):  # the right scheme: blame the token it got
            raise RuntimeError(f"token {got!r} is not the configured one")
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [f"got {got!r}, expected {AUTH!r}".encode()]  # a leaky receiver

    only = ["refuses-missing-authorization", "refuses-wrong-authorization",
            "refuses-wrong-credential", "refuses-empty-authorization"]
    report = check_receiver(echoing, auth=AUTH, timeout=2.0, only=only)

    assert [r.status for r in report] == [Status.FAIL] * 4
    assert report.app_errors  # the wrong credential made the app raise, naming it
    for fmt in ("text", "json", "junit"):
        rendered = render(report, fmt)
        # Neither the secret nor the wrong credential made from it (its last character
        # changed) may be printed.
        assert "s3cre" not in rendered, (fmt, rendered)


def _silent_after_preflight() -> tuple[Any, list[str], threading.Event]:
    """A receiver that acknowledges the run's first report and then never answers in time."""
    posts: list[str] = []
    release = threading.Event()
    first = threading.Lock()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if first.acquire(blocking=False):  # the first request only
            start_response("204 No Content", [])
            return [b""]
        posts.append(environ["REQUEST_METHOD"])
        release.wait(10)  # far past the timeout; released when the test ends
        start_response("204 No Content", [])
        return [b""]

    return app, posts, release


def test_a_receiver_gone_silent_stops_the_run_instead_of_timing_out_every_delivery() -> None:
    from jobhook_testkit._contract_run import STOP_AFTER_UNANSWERED
    from jobhook_testkit.contract import check_names

    app, posts, release = _silent_after_preflight()
    with serve_wsgi(app) as server:
        try:
            report = check_receiver(server.url, auth=AUTH, timeout=0.2, concurrency=4)
        finally:
            release.set()

    timed_out = [d for d in report.deliveries if str(d.outcome) == "timed_out"]
    # The limit, plus what the other workers had in flight when it was reached (without
    # the limit: every delivery of every check, some 40 timeouts).
    assert len(timed_out) <= 6 + 3, len(timed_out)
    assert len(posts) <= 6 + 4, posts
    assert report.summary() == (
        f"0 passed, {len(report.failures)} failed (MUST), 3 warnings (SHOULD), 1 skipped")
    assert len(report.failures) == len(check_names()) - 4
    stopped = [r for r in report if "receiver stopped answering" in r.reason]
    assert len(stopped) >= len(check_names()) - 4 - STOP_AFTER_UNANSWERED
    for result in stopped:  # still the sent / received / expected story
        for part in ("  sent:      ", "  received:  ", "  expected:  "):
            assert part in result.details, (part, result.details)


def test_one_answer_resets_the_count_of_unanswered_deliveries() -> None:
    from jobhook_testkit._contract_run import Liveness
    from jobhook_testkit.delivery import Delivery, Outcome, SentRequest

    def delivery(outcome: Outcome) -> Delivery:
        return Delivery(outcome, None, 0.1, SentRequest("POST", "http://x/", {}, b""))

    liveness = Liveness(limit=3)
    liveness.record([delivery(Outcome.TIMED_OUT)] * 2)
    liveness.record([delivery(Outcome.REJECTED)])
    liveness.record([delivery(Outcome.TIMED_OUT), delivery(Outcome.CONNECTION_FAILED)] * 2)
    assert not liveness.silent  # 2 in a row, an answer, then 2 (a refused one is not silence)
    liveness.record([delivery(Outcome.TIMED_OUT)])
    assert liveness.silent


def test_a_malformed_answer_quoting_the_secret_is_redacted_in_the_json_report() -> None:
    from jobhook_testkit._report_render import render_json

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"

        def serve() -> None:  # the first report, then one answered with a broken header
            for answer in (b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                           b"HTTP/1.1 200 OK\r\nbroken header (expected " + AUTH.encode()
                           + b")\r\n\r\n"):
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536) or b"\r\n\r\n"
                    conn.sendall(answer)

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            report = check_receiver(url, auth=AUTH, timeout=2.0,
                                    only=["refuses-missing-authorization"])
        finally:
            thread.join(10)

    result = report["refuses-missing-authorization"]
    assert result.status is Status.FAIL
    assert "not valid HTTP/1.1" in result.deliveries[0].reason
    rendered = render_json(report)
    assert "s3cret" not in rendered
    assert "Bearer [redacted]" in json.loads(rendered)["checks"][0]["deliveries"][0]["reason"]


def test_a_probe_that_raises_is_blamed_not_jobhook_testkit() -> None:
    def probe(report: Mapping[str, Any]) -> int | None:
        raise LookupError(f"no table for {report['id'][:0]}reports")

    report = check_receiver(_broken().create_app([]), path=PATH, auth=AUTH, timeout=2.0,
                            probe=probe, only=["processes-redelivery-once"])

    result = report["processes-redelivery-once"]
    assert result.status is Status.FAIL
    assert result.reason == "the side-effect probe raised LookupError: no table for reports"
    assert "jobhook-testkit bug" not in result.reason
    assert "  expected:  probe(report) returns how many times" in result.details


def test_a_check_expecting_a_status_says_plainly_that_no_answer_came() -> None:
    release = threading.Event()

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        release.wait(5)
        start_response("405 Method Not Allowed", [])
        return [b""]

    try:
        result = check_receiver(slow, timeout=0.1, only=["rejects-get"])["rejects-get"]
    finally:
        release.set()

    assert result.status is Status.WARN
    assert result.details.startswith("Receiver gave no answer within 0.1 s to a GET.\n")


def test_the_timing_check_reads_well_for_an_answer_that_never_came() -> None:
    release = threading.Event()

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        release.wait(5)
        start_response("204 No Content", [])
        return [b""]

    try:
        result = check_receiver(slow, timeout=0.1, only=["answers-well-within-timeout"])[
            "answers-well-within-timeout"]
    finally:
        release.set()

    assert result.reason == ("no answer within 0.1 s; expected an answer under 0.05 s "
                             "(half the 0.1 s timeout)")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (b"http://127.0.0.1:9/", "got bytes"),
        ({"app": None}, "got dict"),
    ],
    ids=["bytes", "dict"],
)
def test_a_target_that_is_neither_a_url_nor_a_wsgi_app_is_a_type_error(
    target: Any, message: str
) -> None:
    with pytest.raises(
        TypeError, match=rf"target must be a URL or a WSGI or ASGI application .*, {message}"
    ):
        check_receiver(target, only=["acknowledges-success-report"])


def test_an_asgi2_app_is_a_type_error_saying_how_to_wrap_it() -> None:
    class Asgi2:  # the double-callable form: Asgi2(scope), then await instance(receive, send)
        def __init__(self, scope: Any) -> None:  # pragma: no cover
            self.scope = scope

        async def __call__(self, receive: Any, send: Any) -> None:  # pragma: no cover
            pass

    with pytest.raises(TypeError, match=r"ASGI 2 \(double-callable\).*guarantee_single_callable"):
        check_receiver(Asgi2, only=["acknowledges-success-report"])


def test_a_receiver_answering_one_request_at_a_time_fails_only_the_concurrency_check() -> None:
    one_at_a_time = threading.Lock()

    def serial(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with one_at_a_time:  # like a single-threaded server: requests wait in line
            time.sleep(0.15)
        if environ["REQUEST_METHOD"] != "POST":
            start_response("405 Method Not Allowed", [])
            return [b""]
        start_response("204 No Content", [])
        return [b""]

    only = ["acknowledges-success-report", "acknowledges-failure-report",
            "acknowledges-export-report", "acknowledges-import-report",
            "tolerates-unknown-fields", "rejects-get", "acknowledges-concurrent-deliveries"]
    report = check_receiver(serial, timeout=0.5, only=only)

    # 0.15 s per answer is fine for deliveries that come one by one, as the platform's
    # do; sent 4 at once, they used to wait in line past the timeout and fail every check.
    assert [r.name for r in report.failures] == ["acknowledges-concurrent-deliveries"], report


def test_a_check_that_loads_the_receiver_runs_after_every_other() -> None:
    from jobhook_testkit._contract_run import run_checks
    from jobhook_testkit.contract import Check, CheckContext, Verdict

    ran: list[str] = []

    def record(ctx: CheckContext) -> Verdict:
        ran.append(ctx.check_name)
        return Verdict(Status.PASS)

    selected = [Check("load", Level.MUST, "Load.", record, exclusive=True, loads=True),
                Check("timing", Level.SHOULD, "Timing.", record, exclusive=True),
                Check("plain", Level.MUST, "Plain.", record)]
    results = run_checks(selected, lambda c: CheckContext("http://x/", None, 1.0, 1, c.name))

    assert ran == ["plain", "timing", "load"]
    assert [r.name for r in results] == ["load", "timing", "plain"]  # reported in order


def test_the_broken_receiver_without_bugs_answers_deep_json_with_a_400() -> None:
    from jobhook_testkit.sender import FakeSender

    sender = FakeSender(_broken().create_app([]), path=PATH, auth=AUTH, timeout=2.0)
    assert sender.deliver(body=b"[" * 100_000).status_code == 400
