"""The jobhook_sender and live_receiver fixtures, used directly and inside pytester runs."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pytest

from jobhook_testkit.sender import SenderFactory
from jobhook_testkit.server import LiveServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ServeApp = Callable[["WSGIApplication"], LiveServer]


def accept(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Length", "0")])
    return []


def test_sender_factory_keeps_every_delivery(
    jobhook_sender: SenderFactory, live_receiver: ServeApp
) -> None:
    server = live_receiver(accept)
    over_the_wire = jobhook_sender(server.url + "/hook", auth="Bearer s3cret")
    in_process = jobhook_sender(accept, path="/hook")
    first = over_the_wire.deliver()
    second = in_process.deliver()
    assert jobhook_sender.deliveries == (first, second)
    assert jobhook_sender.last is second
    assert first.acknowledged and second.acknowledged
    assert over_the_wire.timeout == 5.0  # ini jobhook_timeout's default


def test_live_receiver_serves_one_server_per_app(live_receiver: ServeApp) -> None:
    server = live_receiver(accept)
    assert live_receiver(accept) is server
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert not server.url.endswith("/")

    def other(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return accept(environ, start_response)

    assert live_receiver(other).port != server.port


def test_no_delivery_yet_is_a_clear_error(jobhook_sender: SenderFactory) -> None:
    with pytest.raises(LookupError, match="no delivery yet"):
        _ = jobhook_sender.last


def test_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "jobhook_sender -- *",
            "    A factory of FakeSenders for this test: ``jobhook_sender(target, **options)``.",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "live_receiver -- *",
            "    A factory serving WSGI apps over real sockets: ``live_receiver(app)`` -> server.",
        ]
    )


def test_timeout_comes_from_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobhook_timeout = 0.25\n")
    pytester.makepyfile(
        """
        def test_timeout(jobhook_sender):
            assert jobhook_sender("http://127.0.0.1:9/").timeout == 0.25
            assert jobhook_sender("http://127.0.0.1:9/", timeout=2).timeout == 2
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_bad_ini_timeout_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobhook_timeout = soon\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*jobhook_timeout: expected a positive number*'soon'*"])


def test_failing_test_report_shows_the_last_deliveries_redacted(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def reject(environ, start_response):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]

        def test_hook(jobhook_sender):
            sender = jobhook_sender(reject, path="/hooks/jobs", auth="Bearer s3cret-value")
            for _ in range(4):
                delivery = sender.deliver()
            assert delivery.acknowledged, delivery

        def test_passes(jobhook_sender):
            jobhook_sender(reject).deliver()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*- jobhook deliveries -*",
            "4 deliveries in this test, the last 3, oldest first:",
            "Receiver did not acknowledge the job report.",
            "*sent:      POST http://localhost/hooks/jobs  ("
            "* bytes, Authorization: Bearer ?redacted?)",
            "*received:  503 Service Unavailable after *'down for maintenance'",
        ]
    )
    output = result.stdout.str()
    assert output.count("- jobhook deliveries -") == 1
    section = output.split("- jobhook deliveries -")[1].split("short test summary")[0]
    assert "s3cret-value" not in section  # (the test's own source, shown above it, has it)
    assert "AssertionError: <Delivery rejected after " in output


def test_app_errors_fail_the_test_and_servers_stop_at_session_end(
    pytester: pytest.Pytester,
) -> None:
    ports = pytester.path / "ports.txt"
    pytester.makepyfile(
        f"""
        PORTS = {str(ports)!r}

        def broken(environ, start_response):
            raise KeyError("definition_name")

        def test_broken(live_receiver, jobhook_sender):
            server = live_receiver(broken)
            with open(PORTS, "a") as ports:
                ports.write(f"{{server.port}}\\n")
            assert jobhook_sender(server.url).deliver().status_code == 500

        def test_same_server_later(live_receiver, jobhook_sender):
            server = live_receiver(broken)
            with open(PORTS, "a") as ports:
                ports.write(f"{{server.port}}\\n")
            jobhook_sender(server.url).deliver()
            server.errors.clear()  # on purpose: nothing is raised
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_broken*", "*KeyError*"])
    first, second = ports.read_text().split()
    assert first == second
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", int(first))) != 0  # stopped with the session
