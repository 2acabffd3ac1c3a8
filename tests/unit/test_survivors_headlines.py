"""The first and last lines of every failure block, word for word: people read them in CI
logs, so a change to them is a change to the product (and must show up as a failing test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from jobhook_testkit.assertions import (
    ReceiverAssertionError,
    assert_acknowledged,
    assert_answered_within,
    assert_rejected,
)
from jobhook_testkit.delivery import Delivery
from jobhook_testkit.sender import FakeSender


def _answering(status: str) -> Any:
    def app(environ: Mapping[str, Any], start_response: Any) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, [("Content-Length", "0")])
        return [b""]

    return app


def _deliver(status: str) -> Delivery:
    return FakeSender(_answering(status), path="/hooks", auth="Bearer s3cret", timeout=2).deliver()


def _lines(error: pytest.ExceptionInfo[ReceiverAssertionError]) -> list[str]:
    return str(error.value).splitlines()


@pytest.mark.parametrize(
    ("status", "headline"),
    [
        ("204 No Content", "Receiver acknowledged the job report."),
        ("500 Internal Server Error", "Receiver did not acknowledge the job report."),
    ],
)
def test_a_delivery_block_starts_with_what_happened(status: str, headline: str) -> None:
    lines = str(_deliver(status)).splitlines()
    assert lines[0] == headline
    assert lines[1].startswith("  sent:      POST http://localhost/hooks  (")
    assert lines[1].endswith(" bytes, Authorization: Bearer [redacted])")
    assert lines[-1] == "  expected:  a 2xx answer within 2 s (the configured timeout)"


def test_assert_acknowledged_headline_and_expectation() -> None:
    with pytest.raises(ReceiverAssertionError) as error:
        assert_acknowledged(_deliver("503 Service Unavailable"))
    assert _lines(error)[0] == "Receiver did not acknowledge the job report."
    assert _lines(error)[-1] == "  expected:  a 2xx answer within 2 s (the configured timeout)"


def test_assert_acknowledged_too_slowly_headline() -> None:
    delivery = _deliver("204 No Content")
    with pytest.raises(ReceiverAssertionError) as error:
        assert_acknowledged(delivery, within=delivery.elapsed / 1000 or 1e-9)
    assert _lines(error)[0] == "Receiver acknowledged the job report, but too slowly."
    assert _lines(error)[-1].startswith("  expected:  a 2xx answer within ")


@pytest.mark.parametrize(
    ("statuses", "headline", "expected"),
    [
        (None, "Receiver answered 204, not a 4xx answer.", "a 4xx answer within 2 s"),
        ({401}, "Receiver answered 204, not a 401 answer.", "a 401 answer within 2 s"),
        ({403, 401}, "Receiver answered 204, not one of 401, 403.",
         "one of 401, 403 within 2 s"),
    ],
)
def test_assert_rejected_headline_names_what_was_wanted(
    statuses: set[int] | None, headline: str, expected: str
) -> None:
    with pytest.raises(ReceiverAssertionError) as error:
        assert_rejected(_deliver("204 No Content"), statuses=statuses)
    assert _lines(error)[0] == headline
    assert _lines(error)[-1] == f"  expected:  {expected}"


def test_assert_answered_within_headline() -> None:
    delivery = _deliver("204 No Content")
    with pytest.raises(ReceiverAssertionError) as error:
        assert_answered_within(delivery, delivery.elapsed / 1000 or 1e-9)
    assert _lines(error)[0].startswith("Receiver did not answer within ")
    assert _lines(error)[-1].startswith("  expected:  a complete answer (any status) within ")
