"""The jobhook_sender and live_receiver fixtures, used directly and inside pytester runs."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pytest

from jobhook_testkit._plugin_sender import _parse_timeout
from jobhook_testkit.sender import MAX_TIMEOUT, FakeSender, SenderFactory
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


class Service:
    """Like Flask, whose ``app.wsgi_app`` is a bound method: a new object at each access."""

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return accept(environ, start_response)


SERVICE = Service()


def test_a_bound_method_app_gets_one_server(live_receiver: ServeApp) -> None:
    server = live_receiver(SERVICE.wsgi_app)
    assert live_receiver(SERVICE.wsgi_app) is server
    assert live_receiver(Service().wsgi_app) is not server  # another object, another app


def test_summary_shows_the_last_count_deliveries(jobhook_sender: SenderFactory) -> None:
    sender = jobhook_sender(accept, auth="Bearer s3cret")
    for _ in range(3):
        sender.deliver()
    assert jobhook_sender.summary(2).startswith("3 deliveries in this test, the last 2,")
    assert jobhook_sender.summary(2).count("Receiver acknowledged") == 2
    assert jobhook_sender.summary(0) == ""
    assert "s3cret" not in jobhook_sender.summary(5)


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
            "    A factory serving apps over real sockets: ``live_receiver(app)`` -> server.",
        ]
    )


@pytest.mark.parametrize("text", ["soon", "0", "-1", "inf", "nan"])
def test_bad_ini_timeout_is_a_usage_error(text: str) -> None:
    with pytest.raises(pytest.UsageError, match="jobhook_timeout: expected a positive number"):
        _parse_timeout(text)


def test_ini_timeout_beyond_what_the_sender_takes_is_a_usage_error() -> None:
    # Not an error at the first jobhook_sender(...) call of every test.
    with pytest.raises(pytest.UsageError, match="jobhook_timeout: at most 604800 seconds"):
        _parse_timeout("1e10")
    assert _parse_timeout(str(MAX_TIMEOUT)) == MAX_TIMEOUT
    assert FakeSender("http://127.0.0.1:1/", timeout=MAX_TIMEOUT).timeout == MAX_TIMEOUT


def test_ini_timeout_parses() -> None:
    assert _parse_timeout(" 2.5 ") == 2.5


# One inner pytest run covers the ini default, the report section and live_receiver's
# session life: each inner run costs over a second of plugin loading.
INNER_TESTS = """
PORTS = {ports!r}


def reject(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"down for maintenance"]


def broken(environ, start_response):
    raise KeyError("definition_name")


def note_port(server):
    with open(PORTS, "a") as ports:
        ports.write(f"{{server.port}}\\n")


def test_timeout(jobhook_sender):
    assert jobhook_sender("http://127.0.0.1:9/").timeout == 0.25
    assert jobhook_sender("http://127.0.0.1:9/", timeout=2).timeout == 2


def test_hook(jobhook_sender):
    sender = jobhook_sender(reject, path="/hooks/jobs", auth="Bearer s3cret-value")
    for _ in range(4):
        delivery = sender.deliver()
    assert delivery.acknowledged, delivery


def test_passes_with_deliveries(jobhook_sender):
    jobhook_sender(reject).deliver()


def test_broken(live_receiver, jobhook_sender):
    server = live_receiver(broken)
    note_port(server)
    assert jobhook_sender(server.url).deliver().status_code == 500


def test_same_server_later(live_receiver, jobhook_sender):
    server = live_receiver(broken)
    note_port(server)
    jobhook_sender(server.url).deliver()
    server.errors.clear()  # on purpose: nothing is raised
"""


def test_fixtures_in_a_pytest_run(pytester: pytest.Pytester) -> None:
    ports = pytester.path / "ports.txt"
    pytester.makeini("[pytest]\njobhook_timeout = 0.25\n")
    pytester.makepyfile(test_inner=INNER_TESTS.format(ports=str(ports)))
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=1, errors=1)
    output = result.stdout.str()

    # A failing test's report shows its last deliveries, redacted; passing ones show none.
    result.stdout.fnmatch_lines(
        [
            "*- jobhook deliveries -*",
            "4 deliveries in this test, the last 3, oldest first:",
            "Receiver did not acknowledge the job report.",
            "*sent:      POST http://localhost/hooks/jobs  ("
            "* bytes, Authorization: Bearer ?redacted?)",
            "*received:  503 Service Unavailable after *'down for maintenance'",
            "*expected:  a 2xx answer within 0.25 s (the configured timeout)",
        ]
    )
    for section in output.split("- jobhook deliveries -")[1:]:
        section = re.split(r"\n(?:_{3,}|={3,})", section)[0]
        assert "s3cret-value" not in section  # (the test source, shown above it, has it)
    assert "AssertionError: <Delivery rejected after " in output

    # The app's exception fails the test that provoked it, at teardown.
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_broken*", "*KeyError*"])
    assert output.count("- jobhook deliveries -") == 2  # test_hook, test_broken's teardown

    # One server per app for the session, stopped when the session ends.
    first, second = ports.read_text().split()
    assert first == second
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", int(first))) != 0


def test_comparing_deliveries_in_an_assert_does_not_print_the_authorization(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_compare="""
from jobhook_testkit import FakeSender

def app(environ, start_response):
    start_response("204 No Content", [])
    return []

def test_same():
    first = FakeSender(app, auth="Bearer s3cret-one").deliver({"id": "1"})
    second = FakeSender(app, auth="Bearer s3cret-two").deliver({"id": "1"})
    assert first.request == second.request
"""
    )
    result = pytester.runpytest("-vv", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    failure = result.stdout.str().split("assert first.request == second.request")[1]
    assert "s3cret-" not in failure  # pytest drilled into the headers and showed both values
    assert "Bearer [redacted]" in failure
