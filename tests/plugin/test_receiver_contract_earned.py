"""ReceiverContract earns its verdicts: a wrong path is one failure, probe_url and headers
work, ``pytest --fixtures`` lists it, and no credential leaks into any pytest output."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobhook_testkit.contract import check_names

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Sup3rSecretPw"

HEADER = f"""
import sys
sys.path.insert(0, {str(ROOT / "examples")!r})
sys.path.insert(0, {str(ROOT / "tests")!r})
from flask_receiver.app import create_app
from _receivers import CREATED, BackgroundReceiver
from jobhook_testkit import ReceiverContract
from jobhook_testkit.server import LiveServer

def teardown_module():
    while CREATED:
        CREATED.pop().close()
"""


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_hook=HEADER + source)
    return pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:cacheprovider",
                              "-p", "no:randomly", "-W",
                              "default::jobhook_testkit.contract.ContractWarning", *args)


def test_a_wrong_path_on_an_app_is_one_failure_and_no_pass(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestHook(ReceiverContract):
    app = create_app
    path = "/hooks/wrong"
    auth = "Bearer s3cret"
""", "-rs")

    result.assert_outcomes(failed=1, skipped=len(check_names()) - 1)
    out = result.stdout.str()
    assert "no endpoint at /hooks/wrong: check TestHook.path (nothing was checked)" in out
    assert "  received:  404 NOT FOUND after " in out
    assert "nothing takes reports at this path (see test_contract[" in out
    assert "s3cret" not in out and "Traceback" not in out


def test_a_wrong_path_on_a_url_fails_receiver_reachable_only(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
SERVER = LiveServer(create_app()).start()

class TestHook(ReceiverContract):
    url = SERVER.url
    path = "/hooks/wrong"
    auth = "Bearer s3cret"

def teardown_module():
    SERVER.stop()
""")

    result.assert_outcomes(failed=1, skipped=len(check_names()))
    result.stdout.fnmatch_lines([
        "*TestHook.test_contract[[]receiver-reachable[]]*",
        "no endpoint at /hooks/wrong: check TestHook.path (nothing was checked)",
    ])


@pytest.mark.parametrize(("dedupe", "outcome"), [(True, "passed"), (False, "failed")])
def test_probe_url_catches_background_double_processing(
    pytester: pytest.Pytester, dedupe: bool, outcome: str
) -> None:
    result = _run(pytester, f"""
class TestHook(ReceiverContract):
    app = lambda: BackgroundReceiver(0.05, dedupe={dedupe})
    path = "/hooks/jobs"
    timeout = 2
    only = ["processes-redelivery-once"]
    probe_url = "/processed/{{id}}"
""")

    result.assert_outcomes(**{outcome: 1})
    if not dedupe:
        assert "processed 2 times within " in result.stdout.str()


def test_probe_url_and_probe_together_is_a_misconfiguration(pytester: pytest.Pytester) -> None:
    result = _run(pytester, """
class TestHook(ReceiverContract):
    app = create_app
    probe_url = "/processed/{id}"

    def probe(self, report):
        return 1
""")
    result.assert_outcomes(failed=1)
    assert "TestHook: set probe_url or override probe(), not both" in result.stdout.str()


def test_headers_reach_a_gateway_and_never_show(pytester: pytest.Pytester) -> None:
    xml = pytester.path / "report.xml"
    result = _run(pytester, f"""
class TestHook(ReceiverContract):
    app = lambda: BackgroundReceiver(0.0, dedupe=True, required=("X-Gateway-Key", {SECRET!r}))
    path = "/hooks/jobs"
    headers = {{"X-Gateway-Key": {SECRET!r}}}
    only = ["acknowledges-success-report", "processes-redelivery-once"]
    probe_url = "/processed/{{id}}"

class TestWithout(ReceiverContract):
    app = lambda: BackgroundReceiver(0.0, dedupe=True, required=("X-Gateway-Key", {SECRET!r}))
    path = "/hooks/jobs"
    only = ["acknowledges-success-report"]
""", f"--junitxml={xml}", "--tb=long")

    result.assert_outcomes(passed=2, failed=1)
    shown = "\n".join(result.outlines + result.errlines).lower() + xml.read_text().lower()
    assert SECRET.lower() not in shown


def test_fixtures_lists_jobhook_fixtures_with_two_same_named_contract_classes(
    pytester: pytest.Pytester,
) -> None:
    source = HEADER + """
class TestHook(ReceiverContract):
    app = create_app
    path = "/hooks/jobs"
"""
    pytester.makepyfile(test_one=source, test_two=source)
    sub = pytester.mkpydir("sub")
    (sub / "test_one.py").write_text(source)  # same file name too, another directory

    result = pytester.runpytest("--fixtures", "-p", "no:hypothesispytest",
                                "-p", "no:cacheprovider")

    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert "INTERNALERROR" not in out
    result.stdout.fnmatch_lines([
        "job_report -- *plugin.py:*",
        "    A realistic, schema-valid job report, new for each test*",
    ])


def test_a_class_whose_tests_are_interleaved_with_another_gets_its_receiver_again(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("""
def pytest_collection_modifyitems(items):
    a = [i for i in items if "TestA" in i.nodeid]
    b = [i for i in items if "TestB" in i.nodeid]
    items[:] = [i for pair in zip(a, b) for i in pair]  # A, B, A, B: each class set up twice
""")
    result = _run(pytester, """
ONLY = ["acknowledges-success-report", "acknowledges-failure-report"]

class TestA(ReceiverContract):
    app = create_app
    path = "/hooks/jobs"
    auth = "Bearer s3cret"
    only = ONLY

class TestB(TestA):
    pass
""")
    result.assert_outcomes(passed=4)


# -- credentials never leak into pytest's output --------------------------------------------

# Five classes, each a way a credential could leak; each must be one failure, no error.
LEAKY = f"""
class TestUrlWithPassword(ReceiverContract):
    url = "http://jobhook:{SECRET}@127.0.0.1:1/hook"

class TestUrlWithPasswordAndAuth(ReceiverContract):
    url = "http://jobhook:{SECRET}@127.0.0.1:1"
    path = "/hook"
    auth = "Bearer {SECRET}"

class TestAuthWithALineBreak(ReceiverContract):
    url = "http://127.0.0.1:1/hook"
    auth = "Bearer {SECRET}\\r\\nX-Injected: 1"

class TestSecretHeaderWithALineBreak(ReceiverContract):
    url = "http://127.0.0.1:1/hook"
    headers = {{"X-Api-Key": "{SECRET}\\n"}}

class TestUnreachableWithAuthAndSecretHeader(ReceiverContract):
    url = "http://127.0.0.1:1/hook"
    auth = "Bearer {SECRET}"
    headers = {{"X-Api-Key": "{SECRET}-key"}}
"""


@pytest.mark.parametrize("tb", ["auto", "long", "short"])
def test_a_credential_never_shows_in_any_traceback_style_or_junit_xml(
    pytester: pytest.Pytester, tb: str
) -> None:
    xml = pytester.path / "report.xml"
    result = _run(pytester, LEAKY, f"--tb={tb}", f"--junitxml={xml}", "-rA")

    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 5, result.stdout.str()  # one clear failure per class...
    assert "error" not in outcomes and "errors" not in outcomes  # ...not one per check
    every_byte = b"\n".join(
        [*(line.encode() for line in result.outlines + result.errlines), xml.read_bytes()]
    )
    assert SECRET.lower().encode() not in every_byte.lower()
    assert b"[redacted]" in every_byte or b"credentials in the URL" in every_byte


def test_headers_that_the_checks_set_themselves_are_one_configuration_failure(
    pytester: pytest.Pytester,
) -> None:
    # A fixed Authorization would override the refusal checks' missing or wrong one: a
    # correct receiver failed three checks.
    result = _run(pytester, f"""
class TestHook(ReceiverContract):
    app = staticmethod(lambda: create_app(auth="Bearer {SECRET}"))
    path = "/hooks/jobs"
    auth = "Bearer {SECRET}"
    headers = {{"Authorization": "Bearer {SECRET}"}}
""", "--tb=short")
    result.assert_outcomes(failed=1)  # one failure, not one per check
    result.stdout.fnmatch_lines(["*TestHook: headers cannot set Authorization: give the "
                                 "Authorization value as auth*"])
    assert SECRET.lower() not in "\n".join(result.outlines + result.errlines).lower()
