"""No credential given to the library appears in a pytest report: any traceback style,
assertion introspection, captured output or JUnit XML, in any letter case."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobhook_testkit import FakeSender

SECRET = "SuperSecret123"

USER_TESTS = f'''
from jobhook_testkit import FakeSender

TOKEN = "Bearer {SECRET}"
DOWN = "http://127.0.0.1:9/hook"  # nothing listens on the discard port


def echo_lowercased(environ, start_response):
    start_response("401 Unauthorized", [("Content-Type", "text/plain")])
    return [("refused " + environ["HTTP_AUTHORIZATION"].lower()).encode()]


def test_fixture_with_a_bad_timeout(jobhook_sender):
    jobhook_sender(DOWN, auth=TOKEN, timeout=-1)


def test_assert_on_a_failed_delivery(jobhook_sender):
    sender = jobhook_sender(DOWN, auth=TOKEN, timeout=1)
    assert sender.deliver().acknowledged


def test_assert_on_an_inline_sender():
    assert FakeSender(DOWN, auth=TOKEN, timeout=1).deliver().acknowledged


def test_auth_with_a_line_break():
    FakeSender(DOWN, auth=TOKEN + "\\nX-Evil: 1")


def test_per_delivery_auth_with_a_line_break():
    FakeSender(DOWN, timeout=1).deliver(auth=TOKEN + "\\n")


def test_secret_header_value():
    FakeSender(DOWN, headers={{"X-Api-Key": "{SECRET}\\n"}})


def test_an_echo_in_another_case(jobhook_sender):
    delivery = jobhook_sender(echo_lowercased, auth=TOKEN).deliver()
    print("printed by the test:", delivery, TOKEN.upper())
    assert delivery.acknowledged, str(delivery)


def test_a_password_in_the_url():
    FakeSender("http://user:{SECRET}@127.0.0.1:9/hook")
'''


@pytest.mark.parametrize("style", ["auto", "long", "short"])
def test_no_report_shows_a_credential(pytester: pytest.Pytester, style: str) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    xml = pytester.path / "junit.xml"
    result = pytester.runpytest(
        f"--tb={style}", f"--junitxml={xml}", "-rA", "-p", "no:randomly", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=8)
    written = "\n".join(result.outlines + result.errlines) + xml.read_text(encoding="utf-8")
    assert SECRET.lower() not in written.lower()
    assert "[redacted]" in written  # the failures are still told, with the value hidden


def test_the_libraries_own_frames_are_hidden_from_tracebacks() -> None:
    # Without the report scrubbing: pytest's traceback filter drops frames marked
    # __tracebackhide__, so the sender's frames holding the value never show at all.
    with pytest.raises(ValueError, match="line break") as excinfo:
        FakeSender("http://127.0.0.1:9/", auth=f"Bearer {SECRET}\n")
    # (mutmut's trampoline frames, present only under mutation testing, are not ours.)
    shown = [entry for entry in excinfo.traceback.filter(excinfo)
             if "mutmut" not in str(entry.path)]
    for entry in shown:
        assert SECRET not in repr(entry.frame.f_locals) or entry.frame.code.name.startswith(
            "test_"
        )
    assert [entry.frame.code.name for entry in shown] == [
        "test_the_libraries_own_frames_are_hidden_from_tracebacks"
    ]


def test_reprs_of_a_half_built_sender_do_not_fail() -> None:
    sender = FakeSender.__new__(FakeSender)
    assert repr(sender) == "FakeSender('?', auth=None, timeout=?)"


def test_a_collection_error_is_scrubbed_too(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(
        test_broken=f'''
from jobhook_testkit import FakeSender
SENDER = FakeSender("http://127.0.0.1:9/", auth="Bearer {SECRET}", headers={{"X": 1}})
'''
    )
    result = pytester.runpytest("--tb=long", "-p", "no:randomly", "-p", "no:cacheprovider")
    assert result.ret == 2
    assert SECRET.lower() not in "\n".join(result.outlines + result.errlines).lower()
    result.stdout.fnmatch_lines(["*TypeError: the value of header 'X' must be a str*"])
