"""Tests of the Flask example receiver, written the way a receiver's own suite would be.

They use the jobhook pytest plugin's fixtures (active once jobhook-testkit is installed)
and ReceiverContract, which turns the whole conformance suite into one test per check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jobhook_testkit import (
    EdgeCase,
    JobReportFactory,
    LiveServer,
    ReceiverContract,
    SenderFactory,
    assert_acknowledged,
    assert_rejected,
)

from .app import HOOK_PATH, ReportStore, create_app

AUTH = "Bearer s3cret"


def test_acknowledges_a_report_and_processes_it(
    jobhook_sender: SenderFactory, job_report: dict[str, Any]
) -> None:
    store = ReportStore()
    sender = jobhook_sender(create_app(auth=AUTH, store=store), path=HOOK_PATH, auth=AUTH)

    delivery = sender.deliver(job_report)

    assert_acknowledged(delivery)
    assert store.times_processed(job_report["id"]) == 1


def test_every_edge_case_is_acknowledged(
    jobhook_sender: SenderFactory, jobhook_edge_case: EdgeCase
) -> None:
    _name, report = jobhook_edge_case
    sender = jobhook_sender(create_app(auth=None), path=HOOK_PATH)

    assert_acknowledged(sender.deliver(report))


def test_a_wrong_credential_is_refused(
    jobhook_sender: SenderFactory, job_report: dict[str, Any]
) -> None:
    sender = jobhook_sender(create_app(auth=AUTH), path=HOOK_PATH, auth="Bearer s3cres")

    assert_rejected(sender.deliver(job_report), statuses={401})


def test_several_jobs_ending_at_once_over_a_socket(
    live_receiver: Callable[[Any], LiveServer],
    jobhook_sender: SenderFactory,
    job_report_factory: JobReportFactory,
) -> None:
    store = ReportStore()
    server = live_receiver(create_app(auth=AUTH, store=store))
    sender = jobhook_sender(server.url + HOOK_PATH, auth=AUTH)

    deliveries = sender.deliver_many(job_report_factory.build_batch(6), concurrency=6)

    for delivery in deliveries:
        assert_acknowledged(delivery)
    assert len(store) == 6


_STORE = ReportStore()


class TestFlaskReceiverContract(ReceiverContract):
    """The whole conformance suite, one test per check, against the example app."""

    app = create_app(auth=AUTH, store=_STORE)
    path = HOOK_PATH
    auth = AUTH
    timeout = 2.0

    def probe(self, report: Mapping[str, Any]) -> int | None:
        return _STORE.times_processed(report["id"])


def test_hostile_bodies_get_a_4xx_not_a_crash(jobhook_sender: SenderFactory) -> None:
    sender = jobhook_sender(create_app(auth=None), path=HOOK_PATH)

    assert_rejected(sender.deliver(body=b"[" * 100_000), statuses={400})  # too deep to parse
    assert_rejected(sender.deliver(body=b" " * (2 * 1024 * 1024)), statuses={413})
