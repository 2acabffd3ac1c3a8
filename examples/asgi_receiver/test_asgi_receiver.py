"""Tests of the FastAPI example receiver: no server code, the plugin runs the app.

``ReceiverContract`` serves the app under uvicorn on an ephemeral port (the hang-up and
concurrency checks need a socket), lifespan included; ``jobhook_sender`` calls it
in-process, on an event loop of its own, with the same hard timeout.
"""

from __future__ import annotations

from jobhook_testkit import ReceiverContract, SenderFactory, assert_acknowledged, assert_rejected

from .app import HOOK_PATH, create_app

AUTH = "Bearer s3cret"


class TestHook(ReceiverContract):
    app = create_app  # a FastAPI app, or a zero-argument factory of one
    path = HOOK_PATH
    auth = AUTH


def test_a_redelivered_report_is_processed_once(
    jobhook_sender: SenderFactory, job_report: dict[str, object]
) -> None:
    app = create_app(auth=AUTH)
    sender = jobhook_sender(app, path=HOOK_PATH, auth=AUTH)

    assert_acknowledged(sender.deliver(job_report))
    assert_acknowledged(sender.deliver(job_report))

    assert app.state.processed == {job_report["id"]: 1}


def test_hostile_bodies_get_a_4xx_not_a_crash(jobhook_sender: SenderFactory) -> None:
    sender = jobhook_sender(create_app, path=HOOK_PATH, auth=AUTH)

    assert_rejected(sender.deliver(body=b"[" * 100_000), statuses={400})  # too deep to parse
    assert_rejected(sender.deliver(body=b" " * (2 * 1024 * 1024)), statuses={413})
