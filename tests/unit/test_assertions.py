"""assert_acknowledged / assert_rejected / assert_answered_within / assert_conforms."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from jobhook_testkit.assertions import (
    ContractFailedError,
    ReceiverAssertionError,
    assert_acknowledged,
    assert_answered_within,
    assert_conforms,
    assert_rejected,
)
from jobhook_testkit.delivery import Delivery
from jobhook_testkit.sender import FakeSender

AUTH = "Bearer s3cret-token"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _app(status: str, body: bytes = b"", *, delay: float = 0.0) -> WsgiApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if delay:
            time.sleep(delay)
        start_response(status, [("Content-Length", str(len(body)))])
        return [body]

    return app


def _deliver(status: str, body: bytes = b"", *, delay: float = 0.0, timeout: float = 2.0
             ) -> Delivery:
    return FakeSender(_app(status, body, delay=delay), auth=AUTH, timeout=timeout).deliver()


def test_assert_acknowledged_passes_on_a_2xx() -> None:
    assert_acknowledged(_deliver("204 No Content"))


def test_assert_acknowledged_says_what_was_sent_received_and_expected() -> None:
    delivery = _deliver("500 Internal Server Error", b'{"error": "KeyError"}')

    with pytest.raises(ReceiverAssertionError) as caught:
        assert_acknowledged(delivery)

    message = str(caught.value)
    assert message.startswith("Receiver did not acknowledge the job report.")
    assert "  sent:      POST http://localhost/" in message
    assert "Authorization: Bearer [redacted]" in message
    assert "  received:  500" in message
    assert "KeyError" in message
    assert "  expected:  a 2xx answer within 2 s (the configured timeout)" in message
    assert "s3cret-token" not in message
    assert caught.value.delivery is delivery
    assert isinstance(caught.value, AssertionError)


def test_assert_acknowledged_within_a_tighter_bound() -> None:
    delivery = _deliver("200 OK", delay=0.06)

    assert_acknowledged(delivery, within=1.0)
    with pytest.raises(ReceiverAssertionError, match="acknowledged the job report, but too"):
        assert_acknowledged(delivery, within=0.01)


def test_assert_rejected_defaults_to_any_4xx() -> None:
    assert_rejected(_deliver("422 Unprocessable Entity"))
    with pytest.raises(ReceiverAssertionError, match=r"answered 204, not a 4xx answer"):
        assert_rejected(_deliver("204 No Content"))
    with pytest.raises(ReceiverAssertionError, match=r"answered 503, not a 4xx answer"):
        assert_rejected(_deliver("503 Service Unavailable"))


def test_assert_rejected_with_given_statuses() -> None:
    assert_rejected(_deliver("403 Forbidden"), statuses={401, 403})
    with pytest.raises(ReceiverAssertionError) as caught:
        assert_rejected(_deliver("400 Bad Request"), statuses={401, 403})
    message = str(caught.value)
    assert "answered 400, not one of 401, 403" in message
    assert "expected:  one of 401, 403 within 2 s" in message
    assert "not a 2xx" not in message  # the delivery's own note assumed a 2xx was wanted
    with pytest.raises(ReceiverAssertionError, match="not a 401 answer"):
        assert_rejected(_deliver("403 Forbidden"), statuses={401})


def test_a_timed_out_delivery_is_neither_acknowledged_nor_rejected() -> None:
    delivery = _deliver("200 OK", delay=0.5, timeout=0.1)

    with pytest.raises(ReceiverAssertionError, match="did not acknowledge"):
        assert_acknowledged(delivery)
    with pytest.raises(ReceiverAssertionError,
                       match=r"^Receiver gave no answer \(timed out\), not a 4xx answer\."):
        assert_rejected(delivery)
    with pytest.raises(ReceiverAssertionError, match=r"did not answer within 0\.1 s"):
        assert_answered_within(delivery, 0.1)


def test_assert_answered_within_accepts_any_status_in_time() -> None:
    assert_answered_within(_deliver("500 Internal Server Error"), 1.0)
    with pytest.raises(ReceiverAssertionError, match=r"did not answer within 0\.01 s"):
        assert_answered_within(_deliver("200 OK", delay=0.05), 0.01)


def test_assertions_hide_their_own_frames() -> None:
    for function in (assert_acknowledged, assert_rejected, assert_answered_within,
                     assert_conforms):
        assert "__tracebackhide__" in function.__code__.co_varnames


def test_assert_conforms_returns_the_report_of_a_conforming_receiver() -> None:
    report = assert_conforms(_app("204 No Content"), only=["acknowledges-success-report"],
                             timeout=2.0, seed=7)

    assert report.passed
    assert report.seed == 7


def test_assert_conforms_lists_each_failed_check_with_its_story() -> None:
    with pytest.raises(ContractFailedError) as caught:
        assert_conforms(_app("500 Internal Server Error"), timeout=2.0, seed=7,
                        only=["acknowledges-success-report", "rejects-get"])

    message = str(caught.value)
    assert "broke 1 check(s) of the contract" in message
    assert "seed 7" in message
    assert "FAIL acknowledges-success-report (MUST): expected 2xx within 2 s" in message
    assert "  received:  500" in message
    assert "rejects-get" not in message.split("\n", 1)[1]  # a SHOULD warning is not a failure
    assert caught.value.report.warnings[0].name == "rejects-get"
    assert caught.value.delivery is not None


def test_assert_conforms_strict_fails_on_should_warnings_too() -> None:
    assert_conforms(_app("204 No Content"), only=["rejects-get"], timeout=2.0)  # a warning
    with pytest.raises(ContractFailedError, match="WARN rejects-get"):
        assert_conforms(_app("204 No Content"), only=["rejects-get"], timeout=2.0, strict=True)


def test_control_characters_a_receiver_sent_are_shown_escaped_not_obeyed() -> None:
    from dataclasses import replace

    delivery = replace(_deliver("400 Bad Request"), status_text="Bad\x1b[2J\x0bRe\rquest")

    with pytest.raises(ReceiverAssertionError) as caught:
        assert_acknowledged(delivery)

    message = str(caught.value)
    assert "  received:  400 Bad\\x1b[2J\\x0bRe\\rquest after " in message
    assert not any(ch in message for ch in "\x1b\x0b\r")
    # Still the five lines of the block (headline, sent + body, received, expected).
    assert len(message.splitlines()) == 5, message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: assert_answered_within(d, float("nan")),
         "seconds must be a positive number of seconds, got nan"),
        (lambda d: assert_answered_within(d, 0), "seconds must be a positive number"),
        (lambda d: assert_acknowledged(d, within=float("nan")),
         "within must be a positive number of seconds, got nan"),
        (lambda d: assert_acknowledged(d, within=-1), "within must be a positive number"),
        (lambda d: assert_rejected(d, statuses=[]), "statuses must be HTTP status codes"),
        (lambda d: assert_rejected(d, statuses=["401"]), "statuses must be HTTP status codes"),
    ],
    ids=["nan-seconds", "zero-seconds", "nan-within", "negative-within", "no-statuses",
         "string-statuses"],
)
def test_a_bound_that_could_never_fail_is_a_usage_error(
    call: Callable[[Delivery], None], message: str
) -> None:
    # Compared with NaN, every delivery is "in time": the assertion could not fail.
    with pytest.raises(ValueError, match=message):
        call(_deliver("204 No Content"))


def test_a_refusal_whose_body_never_ended_is_not_called_a_refusal() -> None:
    from dataclasses import replace

    from jobhook_testkit.delivery import Outcome

    cut = replace(_deliver("401 Unauthorized"), outcome=Outcome.TIMED_OUT)

    with pytest.raises(ReceiverAssertionError) as caught:
        assert_rejected(cut, statuses={401, 403})
    assert str(caught.value).startswith(
        "Receiver began answering 401 but did not finish (timed out), not one of 401, 403.")
