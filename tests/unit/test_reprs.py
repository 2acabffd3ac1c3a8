"""Every repr of ours redacts: pytest prints reprs in assertion explanations and in the
arguments of traceback frames."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jobhook_testkit import FakeSender, SenderFactory
from jobhook_testkit._transport import Request
from jobhook_testkit.contract import CheckContext
from jobhook_testkit.recorder import RecordingReceiver

SECRET = "Bearer S3cretValue-xyz"


def accept(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
    start_response("204 No Content", [])
    return [b""]


def test_no_repr_shows_the_credential() -> None:
    sender = FakeSender(accept, auth=SECRET, headers={"X-Api-Key": "key-S3cretValue-xyz"})
    delivery = sender.deliver()
    with RecordingReceiver(auth=SECRET) as receiver:
        shown = [
            repr(sender),
            repr(delivery),
            repr(delivery.request),
            repr(Request("POST", "http://x/", "/", [("Authorization", SECRET)], b"{}")),
            repr(CheckContext("http://x/", SECRET, 5.0, 1, "rejects-get")),
            repr(receiver),
            repr(SenderFactory()),
        ]
    for text in shown:
        assert "s3cretvalue" not in text.lower(), text
    assert "auth='Bearer [redacted]'" in shown[0]
