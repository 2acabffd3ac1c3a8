"""The registry of checks, Check.run's bookkeeping, ContractReport and its three renderings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from jobhook_testkit._report_render import render, render_json, render_junit, render_text
from jobhook_testkit.assertions import describe
from jobhook_testkit.contract import (
    Check,
    CheckContext,
    CheckResult,
    ContractReport,
    Level,
    Status,
    Verdict,
    check_names,
    checks,
    get_check,
    select_checks,
)
from jobhook_testkit.delivery import Delivery, Outcome, SentRequest

SECRET = "Bearer s3cret-value"

# What the issue asks the suite to cover, by name (renaming one is a breaking change).
REQUIRED = {
    "acknowledges-success-report": Level.MUST,
    "acknowledges-failure-report": Level.MUST,
    "acknowledges-export-report": Level.MUST,
    "acknowledges-import-report": Level.MUST,
    "acknowledges-edge-cases": Level.MUST,
    "acknowledges-byte-variants": Level.MUST,
    "tolerates-unknown-fields": Level.MUST,
    "acknowledges-redelivery": Level.MUST,
    "processes-redelivery-once": Level.MUST,
    "refuses-missing-authorization": Level.MUST,
    "refuses-wrong-authorization": Level.MUST,
    "refuses-wrong-credential": Level.MUST,
    "refuses-empty-authorization": Level.MUST,
    "rejects-invalid-json": Level.MUST,
    "rejects-empty-body": Level.MUST,
    "rejects-non-object-json": Level.MUST,
    "rejects-invalid-utf8": Level.MUST,
    "tolerates-odd-content-type": Level.MUST,
    "survives-hang-up": Level.MUST,
    "acknowledges-concurrent-deliveries": Level.MUST,
    "answers-well-within-timeout": Level.SHOULD,
    "rejects-get": Level.SHOULD,
    "rejects-schema-invalid-report": Level.SHOULD,
}


def test_the_registry_covers_the_issue_with_stable_names_and_levels() -> None:
    assert {check.name: check.level for check in checks()} == REQUIRED
    assert check_names() == [check.name for check in checks()]


@pytest.mark.parametrize("check", checks(), ids=lambda c: c.name)
def test_each_check_is_named_in_kebab_case_and_says_what_it_protects(check: Check) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", check.name)
    assert check.protects.endswith(".")
    assert "\n" not in check.protects
    assert 20 < len(check.protects) < 160


def test_refusal_checks_need_auth_and_the_side_effect_check_needs_a_probe() -> None:
    needs = {check.name: check.needs for check in checks() if check.needs}
    assert needs == {
        "processes-redelivery-once": "probe",
        "refuses-missing-authorization": "auth",
        "refuses-wrong-authorization": "auth",
        "refuses-wrong-credential": "auth",
        "refuses-empty-authorization": "auth",
    }


def test_unknown_names_are_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(KeyError, match="known checks: acknowledges-success-report"):
        get_check("acknowledge-everything")
    with pytest.raises(ValueError, match=r"unknown check name\(s\): nope, nada; known"):
        select_checks(["rejects-get", "nope", "nada"])


def test_selection_keeps_registry_order_and_drops_duplicates() -> None:
    chosen = select_checks(["rejects-get", "acknowledges-success-report", "rejects-get"])
    assert [c.name for c in chosen] == ["acknowledges-success-report", "rejects-get"]
    assert select_checks(None) == checks()


def test_a_single_name_given_as_a_string_selects_that_check() -> None:
    assert [c.name for c in select_checks("rejects-get")] == ["rejects-get"]


def test_listing_the_checks_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from jobhook_testkit.contract import check_names\n"
        "assert len(check_names()) > 20\n"
        "print(sorted(m for m in ('faker', 'werkzeug', 'requests', 'jsonschema') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


# -- Check.run ----------------------------------------------------------------------------


def _ctx(auth: str | None = None) -> CheckContext:
    return CheckContext(url="http://127.0.0.1:9/", auth=auth, timeout=5.0, seed=1,
                        check_name="x")


def _failing(ctx: CheckContext) -> Verdict:
    return Verdict(Status.FAIL, "it went wrong")


def _crashing(ctx: CheckContext) -> Verdict:
    raise KeyError("boom")


def test_a_failed_should_check_is_a_warning_and_a_failed_must_check_a_failure() -> None:
    must = Check("demo-must", Level.MUST, "Protects something.", _failing)
    should = Check("demo-should", Level.SHOULD, "Protects something.", _failing)

    assert must.run(_ctx()).status is Status.FAIL
    assert should.run(_ctx()).status is Status.WARN
    assert should.run(_ctx()).ok


def test_a_check_whose_precondition_is_missing_is_skipped_with_the_reason() -> None:
    check = Check("demo-auth", Level.MUST, "Protects something.", _failing, needs="auth")

    skipped = check.run(_ctx(auth=None))
    assert skipped.status is Status.SKIP
    assert "no Authorization value configured" in skipped.reason
    assert check.run(_ctx(auth="Bearer x")).status is Status.FAIL


def test_a_crash_inside_a_check_is_a_failure_that_blames_us_not_a_traceback() -> None:
    result = Check("demo-crash", Level.MUST, "Protects something.", _crashing).run(_ctx())

    assert result.status is Status.FAIL
    assert "the check itself crashed (a jobhook-testkit bug" in result.reason
    assert "KeyError" in result.reason


# -- ContractReport and rendering --------------------------------------------------------


def _delivery(status: int | None, outcome: Outcome, *, body: bytes = b"") -> Delivery:
    return Delivery(
        outcome=outcome,
        status_code=status,
        elapsed=0.004,
        request=SentRequest("POST", "http://127.0.0.1:8000/hooks/jobs",
                            {"Authorization": SECRET, "Content-Type": "application/json"},
                            b'{"id": "AXVLjQ3mR8sTq1y8Qkpx"}'),
        body_excerpt=body,
        reason="answered 500, not a 2xx" if status == 500 else "",
        timeout=5.0,
        status_text="INTERNAL SERVER ERROR" if status == 500 else "NO CONTENT",
    )


def _result(name: str, status: Status, level: Level = Level.MUST, **kw: object) -> CheckResult:
    return CheckResult(name=name, level=level, status=status, protects="Protects a thing.",
                       **kw)  # type: ignore[arg-type]


@pytest.fixture
def report() -> ContractReport:
    ok = _delivery(204, Outcome.ACKNOWLEDGED)
    crashed = _delivery(500, Outcome.REJECTED, body=b"\x00\x1b[31m Traceback s3cret-value")
    return ContractReport(
        target="http://127.0.0.1:8000/hooks/jobs",
        seed=1234,
        timeout=5.0,
        auth="Bearer [redacted]",
        results=(
            _result("acknowledges-success-report", Status.PASS, deliveries=(ok,)),
            _result("acknowledges-failure-report", Status.FAIL,
                    reason="expected 2xx within 5 s",
                    details=describe(crashed, headline="Receiver crashed.",
                                     expected="a 2xx answer"),
                    deliveries=(crashed,)),
            _result("answers-well-within-timeout", Status.WARN, Level.SHOULD,
                    reason="slowest took 3.1 s", deliveries=(ok, ok)),
            _result("refuses-empty-authorization", Status.SKIP,
                    reason="no Authorization value configured"),
        ),
        elapsed=0.25,
    )


def test_the_report_counts_and_decides(report: ContractReport) -> None:
    assert not report.passed
    assert report.exit_code == 1
    assert report.summary() == "1 passed, 1 failed (MUST), 1 warning (SHOULD), 1 skipped"
    assert report["answers-well-within-timeout"].status is Status.WARN
    assert len(report.deliveries) == 4


def test_a_report_with_only_warnings_and_skips_passes(report: ContractReport) -> None:
    kept = tuple(r for r in report if r.status is not Status.FAIL)
    relaxed = ContractReport(report.target, report.seed, report.timeout, None, kept)
    assert relaxed.passed
    assert relaxed.exit_code == 0


def test_text_is_a_table_with_reasons_details_and_the_seed(report: ContractReport) -> None:
    text = render_text(report)
    lines = text.splitlines()

    assert lines[0].startswith("jobhook check http://127.0.0.1:8000/hooks/jobs")
    assert "seed 1234" in lines[0]
    assert re.search(r"^PASS  acknowledges-success-report\s+204 in 0\.004 s$", text, re.M)
    assert re.search(
        r"^FAIL  acknowledges-failure-report\s+500 in 0\.004 s  \(expected 2xx within 5 s\)$",
        text, re.M)
    assert re.search(r"^WARN  answers-well-within-timeout\s+2 deliveries", text, re.M)
    assert re.search(r"^SKIP  refuses-empty-authorization\s+\(no Authorization", text, re.M)
    assert "FAIL acknowledges-failure-report (MUST): Protects a thing." in text
    assert lines[-1].startswith("1 passed, 1 failed (MUST), 1 warning (SHOULD), 1 skipped")
    assert "--seed 1234" in lines[-1]
    assert str(report) == text


def test_json_is_one_document_for_machines(report: ContractReport) -> None:
    data = json.loads(render_json(report))

    assert data["passed"] is False
    assert data["seed"] == 1234
    assert data["counts"] == {"pass": 1, "fail": 1, "warn": 1, "skip": 1}
    failed = data["checks"][1]
    assert failed["status"] == "fail"
    assert failed["level"] == "MUST"
    assert failed["deliveries"][0]["status_code"] == 500
    assert failed["deliveries"][0]["authorization"] == "Bearer [redacted]"


def test_junit_is_valid_xml_with_failures_skips_and_should_warnings_as_passes(
    report: ContractReport,
) -> None:
    root = ET.fromstring(render_junit(report))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}

    assert list(cases["acknowledges-success-report"]) == []
    failure = cases["acknowledges-failure-report"].find("failure")
    assert failure is not None
    assert failure.get("message") == "expected 2xx within 5 s"
    assert "Receiver crashed." in (failure.text or "")
    warned = cases["answers-well-within-timeout"]
    assert warned.find("failure") is None
    assert "WARNING (SHOULD): slowest took 3.1 s" in (warned.findtext("system-out") or "")
    skipped = cases["refuses-empty-authorization"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "no Authorization value configured"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["seed"] == "1234"


def test_no_rendering_carries_the_secret(report: ContractReport) -> None:
    # The failing delivery sent the secret and the receiver echoed it in its body.
    for fmt in ("text", "json", "junit"):
        rendered = render(report, fmt)
        assert "s3cret-value" not in rendered, fmt
    assert "Authorization: Bearer [redacted]" in render_text(report)


def test_control_characters_from_a_response_do_not_break_the_xml() -> None:
    result = _result("acknowledges-success-report", Status.FAIL, reason="got \x00\x1b junk",
                     details="body: '\x07\x00'")
    xml = render_junit(ContractReport("http://x/", 1, 5.0, None, (result,)))
    failure = ET.fromstring(xml).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "got \ufffd\ufffd junk"


def test_render_refuses_an_unknown_format(report: ContractReport) -> None:
    with pytest.raises(ValueError, match="choose one of text, json, junit"):
        render(report, "yaml")


def test_the_table_says_how_a_delivery_without_an_answer_ended() -> None:
    timed_out = _delivery(None, Outcome.TIMED_OUT)
    result = _result("acknowledges-success-report", Status.FAIL, deliveries=(timed_out,))
    assert result.summary == "timed out after 0.004 s"


def test_control_characters_are_escaped_in_the_text_report() -> None:
    result = _result("acknowledges-success-report", Status.FAIL,
                     reason="got 400 Bad\x1b[2J\rRequest",
                     details="Receiver did not acknowledge it.\n  received:  400 A\x0bB\x85C")
    report = ContractReport("http://x/", 1, 5.0, None, (result,), app_errors=("E: \x07",))

    text = render_text(report)

    assert "(got 400 Bad\\x1b[2J\\rRequest)" in text
    assert "    Receiver did not acknowledge it.\n      received:  400 A\\x0bB\\x85C\n" in text
    assert "  E: \\x07" in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


def test_control_characters_are_escaped_in_a_receiver_contract_failure() -> None:
    from jobhook_testkit.receiver_contract import result_message

    result = _result("rejects-get", Status.FAIL, reason="a GET: 200 O\x1b[1mK",
                     details="  received:  200 O\x1b[1mK\x0bafter")
    message = result_message(result)
    assert "a GET: 200 O\\x1b[1mK" in message
    assert "200 O\\x1b[1mK\\x0bafter" in message
    assert "\x1b" not in message and "\x0b" not in message


def test_an_interrupted_run_starts_no_more_checks_and_stops_the_running_ones() -> None:
    import threading
    import time

    from jobhook_testkit._contract_run import Liveness, run_checks
    from jobhook_testkit.contract import ReceiverStoppedAnswering

    started: list[str] = []
    stopped: list[str] = []
    release = threading.Event()

    def slow(ctx: CheckContext) -> Verdict:
        if ctx.check_name == "check-0":  # runs alone first (it sets the concurrency)
            return Verdict(Status.PASS)
        started.append(ctx.check_name)
        release.wait(5)
        try:
            ctx.ensure_answering()  # where the next delivery would go
        except ReceiverStoppedAnswering:
            stopped.append(ctx.check_name)
            raise
        return Verdict(Status.PASS)

    selected = [Check(f"check-{i}", Level.MUST, "Protects.", slow) for i in range(7)]
    liveness = Liveness()

    def make_context(check: Check) -> CheckContext:
        if check.name == "check-6":  # Ctrl-C arrives while the others are queued
            deadline = time.monotonic() + 10  # a broken pool fails the test, not hangs it
            while len(started) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            raise KeyboardInterrupt
        return CheckContext("http://127.0.0.1:9/", None, 1.0, 1, check.name,
                            liveness=liveness)

    with pytest.raises(KeyboardInterrupt):
        run_checks(selected, make_context, concurrency=2, liveness=liveness)
    release.set()
    deadline = time.monotonic() + 5
    while len(stopped) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # a queued check, had it not been dropped, would have started by now

    assert sorted(started) == ["check-1", "check-2"]
    assert sorted(stopped) == ["check-1", "check-2"]
