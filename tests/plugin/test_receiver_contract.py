"""ReceiverContract: subclassing it yields one test per check, through pytest itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobhook_testkit.contract import Level, check_names, get_check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HEADER = f"""
import sys
sys.path.insert(0, {str(EXAMPLES)!r})
from broken_receiver.app import create_app
from jobhook_testkit.receiver_contract import ReceiverContract
"""


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_hook=HEADER + source)
    # Hypothesis' plugin costs ~0.7 s per in-process run and plays no part here. The inner
    # run inherits this suite's "error" warning filter; users see SHOULD warnings as such.
    return pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:cacheprovider",
                              "-W", "default::jobhook_testkit.contract.ContractWarning", *args)


def test_a_correct_receiver_gets_one_passing_test_per_check(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
APP = create_app([])

class TestJobHook(ReceiverContract):
    app = APP
    path = "/hooks/jobs"
    auth = "Bearer s3cret"
    timeout = 2

    def probe(self, report):
        return APP.times_processed(report["id"])
""", "-v")

    result.assert_outcomes(passed=len(check_names()))
    for name in check_names():
        result.stdout.fnmatch_lines(
            [f"*test_hook.py::TestJobHook::test_contract[[]{name}[]] PASSED*"]
        )


def test_each_check_fails_through_the_base_class_on_the_receiver_built_to_break_it(
    pytester: pytest.Pytester,
) -> None:
    classes = "".join(
        f"""
APP_{i} = create_app([{name!r}], delay=0.35)

class TestBreaks{i}(ReceiverContract):
    app = APP_{i}
    path = "/hooks/jobs"
    auth = "Bearer s3cret"
    timeout = 0.6
    only = [{name!r}]

    def probe(self, report):
        return APP_{i}.times_processed(report["id"])
"""
        for i, name in enumerate(check_names())
    )
    result = _run(pytester, classes, "-rfE")

    must = [n for n in check_names() if get_check(n).level is Level.MUST]
    should = [n for n in check_names() if get_check(n).level is Level.SHOULD]
    result.assert_outcomes(failed=len(must), passed=len(should), warnings=len(should))
    out = result.stdout.str()
    for i, name in enumerate(check_names()):
        failed = f"FAILED test_hook.py::TestBreaks{i}::test_contract[{name}]"
        assert (failed in out) == (name in must), name
    for name in should:
        assert f"ContractWarning: {name} (SHOULD):" in out, name


def test_a_failure_reads_sent_received_expected_and_says_how_to_replay(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, """
class TestJobHook(ReceiverContract):
    app = create_app(["refuses-wrong-credential"])
    path = "/hooks/jobs"
    auth = "Bearer s3cret"
    only = ["refuses-wrong-credential"]
""")

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "ContractCheckFailed: refuses-wrong-credential (MUST): a report with the right " \
           "scheme and a wrong credential: accepted it with 204" in out
    assert "protects against: Checking only the scheme" in out
    for line in ("  sent:      POST http://127.0.0.1:", "  received:  204 NO CONTENT",
                 "  expected:  401 or 403"):
        assert line in out
    assert "Authorization: Bearer [redacted]" in out
    assert "s3cret" not in out
    assert re.search(r"replay: pytest --jobhook-seed=\d+ 'test_hook.py::TestJobHook::"
                     r"test_contract\[refuses-wrong-credential\]'", out)
    # The check's own frames stay out of the way: the message is the story.
    assert "_checks.py" not in out


def test_should_warnings_can_be_made_errors_by_the_user(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestJobHook(ReceiverContract):
    app = create_app(["rejects-get"])
    path = "/hooks/jobs"
    only = ["rejects-get"]
""", "-W", "error::jobhook_testkit.contract.ContractWarning")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ContractWarning: rejects-get (SHOULD): a GET: accepted it*"])


def test_an_unreachable_url_fails_once_and_skips_the_rest(pytester: pytest.Pytester) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _run(pytester, f"""
class TestJobHook(ReceiverContract):
    url = "http://127.0.0.1:{port}"
    path = "/hooks/jobs"
    timeout = 1
""", "-rfs")

    result.assert_outcomes(failed=1, skipped=len(check_names()))
    out = result.stdout.str()
    assert "FAILED test_hook.py::TestJobHook::test_contract[receiver-reachable]" in out
    assert f"receiver unreachable at http://127.0.0.1:{port}/hooks/jobs" in out
    assert "Nothing was checked: start the receiver" in out
    assert "Traceback" not in out
    assert re.search(rf"SKIPPED \[{len(check_names())}\] .*: receiver unreachable at ", out)


def test_a_reachable_url_is_checked_like_an_app(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
import pytest
from jobhook_testkit.server import LiveServer

SERVER = LiveServer(create_app([], auth=None)).start()

class TestJobHook(ReceiverContract):
    url = SERVER.url
    path = "/hooks/jobs"
    only = ["acknowledges-success-report", "rejects-get"]

def teardown_module():
    SERVER.stop()
""", "-v")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_contract[[]receiver-reachable[]] PASSED*"])


def test_checks_that_cannot_apply_are_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestJobHook(ReceiverContract):
    app = staticmethod(lambda: create_app([], auth=None))   # a zero-argument factory
    path = "/hooks/jobs"
    only = ["refuses-missing-authorization", "processes-redelivery-once",
            "acknowledges-success-report"]
""", "-rs")

    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED*no Authorization value configured*"])
    result.stdout.fnmatch_lines(["SKIPPED*no side-effect probe configured*"])


def test_skip_checks_leaves_checks_out(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestJobHook(ReceiverContract):
    app = create_app([], auth=None)
    path = "/hooks/jobs"
    skip_checks = [n for n in __import__("jobhook_testkit.contract").contract.check_names()
                   if n != "rejects-get"]
""", "--co", "-q")

    result.stdout.fnmatch_lines(["test_hook.py::TestJobHook::test_contract[[]rejects-get[]]",
                                 "1 test collected*"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("path = '/hooks/jobs'", "TestJobHook sets neither 'app' nor 'url'"),
        ("app = create_app([])\n    url = 'http://127.0.0.1:9'", "sets both 'app' and 'url'"),
        ("app = create_app([])\n    only = ['no-such-check']", "names unknown checks"),
        ("def app(scope): pass", "TestJobHook.app is an ASGI 2 (double-callable) app: "
         "app(scope) returning a coroutine; ASGI 3 is needed"),
        ("app = 42", "TestJobHook.app is a int, not a WSGI or ASGI application"),
        ("app = create_app([])\n    path = '/hooks\\njobs'",
         "TestJobHook.path must not contain control characters"),
        ("app = create_app([])\n    timeout = 0",
         "TestJobHook: timeout must be a positive number of seconds, got 0"),
        ("url = 'http://127.0.0.1:9'\n    timeout = 'soon'",
         "TestJobHook: timeout must be a number of seconds, got 'soon'"),
        ("app = create_app([])\n    auth = 'Bearer s3cret\\nX-Other: 1'",
         "TestJobHook: the value of header 'Authorization' contains a line break"),
    ],
    ids=["neither", "both", "unknown-check", "asgi2-app", "not-callable", "path-line-break",
         "zero-timeout", "str-timeout", "auth-line-break"],
)
def test_a_misconfigured_class_fails_once_saying_what_to_do(
    pytester: pytest.Pytester, body: str, message: str
) -> None:
    result = _run(pytester, f"""
class TestJobHook(ReceiverContract):
    {body}
""")

    result.assert_outcomes(failed=1)
    assert message in result.stdout.str()


def test_an_exception_in_a_served_app_is_named_in_the_failure(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
def crashing_app(environ, start_response):
    report = {}
    return report["status"]

class TestJobHook(ReceiverContract):
    app = crashing_app
    only = ["acknowledges-success-report"]
""")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*received:  500 INTERNAL SERVER ERROR*",
                                 "*the app raised: KeyError: 'status' at *test_hook.py:*"])


def test_an_exception_naming_the_authorization_value_is_printed_redacted(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, """
def leaky_app(environ, start_response):
    got = environ.get("HTTP_AUTHORIZATION")
    raise RuntimeError(f"cannot handle {got!r} (expected 'Bearer s3cret')")

class TestJobHook(ReceiverContract):
    app = leaky_app
    auth = "Bearer s3cret"
    only = ["acknowledges-success-report", "refuses-wrong-credential"]
""")

    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "the app raised: RuntimeError: cannot handle 'Bearer [redacted]'" in out
    # Neither the secret nor the wrong credential made from it (last character changed).
    assert "s3cre" not in out


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        ("def make():\n    raise RuntimeError('DATABASE_URL is not set')",
         "TestJobHook.app: make() raised RuntimeError: DATABASE_URL is not set"),
        ("def make():\n    return None",
         "TestJobHook.app: what make() returned is a NoneType, not a WSGI or ASGI application"),
    ],
    ids=["raises", "returns-none"],
)
def test_an_app_factory_that_fails_fails_one_test_and_skips_the_rest(
    pytester: pytest.Pytester, factory: str, message: str
) -> None:
    result = _run(pytester, f"""
{factory}

class TestJobHook(ReceiverContract):
    app = make
    only = ["acknowledges-success-report", "rejects-get", "rejects-empty-body"]
""", "-rs")

    result.assert_outcomes(failed=1, skipped=2)
    out = result.stdout.str()
    assert message in out
    assert "Nothing was checked; the other checks of TestJobHook are skipped." in out
    assert "Traceback" not in out and "ERROR" not in out
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]2[]] *the app could not be made (see test_contract[[]"
         "acknowledges-success-report[]])"])


def test_a_receiver_gone_silent_fails_the_remaining_checks_at_once(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, """
import threading
from jobhook_testkit.server import LiveServer

POSTS, RELEASE = [], threading.Event()

FIRST = threading.Lock()

def silent_after_preflight(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if FIRST.acquire(blocking=False):  # the first report, delivered before the checks
        start_response("204 No Content", [])
        return [b""]
    POSTS.append(1)
    RELEASE.wait(10)
    start_response("204 No Content", [])
    return [b""]

SERVER = LiveServer(silent_after_preflight).start()

class TestJobHook(ReceiverContract):
    url = SERVER.url
    timeout = 0.2
    skip_checks = ["processes-redelivery-once"]

def test_few_deliveries_were_spent_on_it():
    assert len(POSTS) <= 7, len(POSTS)

def teardown_module():
    RELEASE.set()
    SERVER.stop()
""", "-p", "no:randomly")

    must = [n for n in check_names()  # no auth: the four refusal checks are skipped
            if get_check(n).level is Level.MUST and get_check(n).needs is None]
    result.assert_outcomes(failed=len(must), passed=1 + 3 + 1, skipped=4, warnings=3)
    assert result.stdout.str().count("the receiver stopped answering (6 deliveries in a row") \
        >= len(must) - 6


def test_only_and_skip_checks_take_a_single_name_as_a_string(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, """
class TestOnly(ReceiverContract):
    app = create_app([], auth=None)
    path = "/hooks/jobs"
    only = "rejects-get"

class TestSkip(ReceiverContract):
    app = create_app([], auth=None)
    path = "/hooks/jobs"
    skip_checks = "rejects-get"
""", "--co", "-q")

    out = result.stdout.str()
    assert "test_hook.py::TestOnly::test_contract[rejects-get]" in out
    assert "TestOnly::test_contract[acknowledges" not in out
    assert "TestSkip::test_contract[rejects-get]" not in out
    assert f"{len(check_names())} tests collected" in out


def test_the_check_that_loads_the_receiver_is_the_last_test(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestJobHook(ReceiverContract):
    app = create_app([], auth=None)
    path = "/hooks/jobs"
""", "--co", "-q")

    collected = [line for line in result.stdout.lines if "::test_contract[" in line]
    assert collected[-1].endswith("[acknowledges-concurrent-deliveries]")
    assert len(collected) == len(check_names())
