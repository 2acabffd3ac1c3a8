"""Tests of the Django example receiver, as WSGI and as ASGI, the way its own suite would be.

``DJANGO_SETTINGS_MODULE`` is set by ``wsgi.py`` / ``asgi.py`` (Django's own convention),
so importing either is all the setup a test needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobhook_testkit import ReceiverContract, SenderFactory, assert_acknowledged, assert_rejected

from .asgi import application as asgi_application
from .views import times_processed
from .wsgi import application as wsgi_application

AUTH = "Bearer s3cret"
PATH = "/hooks/jobs"


class TestHookUnderWsgi(ReceiverContract):
    app = wsgi_application  # served by Werkzeug's threaded server
    path = PATH
    auth = AUTH

    def probe(self, report: Mapping[str, Any]) -> int:
        return times_processed(report["id"])


class TestHookUnderAsgi(TestHookUnderWsgi):
    app = asgi_application  # served by uvicorn


def test_in_process_under_both_interfaces(
    jobhook_sender: SenderFactory, job_report: dict[str, Any]
) -> None:
    for application in (wsgi_application, asgi_application):
        sender = jobhook_sender(application, path=PATH, auth=AUTH)
        assert_acknowledged(sender.deliver(job_report))
        assert_rejected(sender.deliver(job_report, auth="Bearer wrong"), statuses={401})
        assert_rejected(sender.deliver(method="GET", body=b""), statuses={405})
    assert times_processed(job_report["id"]) == 1
