"""Contract-test receivers of ReachFive's End Job Notification webhook.

Every public name is importable from here. The names are resolved lazily (PEP 562), so
that ``import jobhook_testkit`` -- which pytest does for every run of every user, through
the plugin entry point -- costs nothing until a name is actually used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobhook_testkit.assertions import (
        ContractFailedError,
        ReceiverAssertionError,
        assert_acknowledged,
        assert_answered_within,
        assert_conforms,
        assert_rejected,
    )
    from jobhook_testkit.contract import (
        CheckResult,
        ContractReport,
        ContractWarning,
        EndpointNotFoundError,
        ReceiverUnreachableError,
        check_names,
        check_receiver,
    )
    from jobhook_testkit.delivery import (
        Delivery,
        Outcome,
        SentRequest,
    )
    from jobhook_testkit.factory import (
        EdgeCase,
        JobReportFactory,
        JobReportProvider,
        edge_case,
        edge_case_names,
        edge_cases,
    )
    from jobhook_testkit.receiver_contract import (
        ContractCheckFailed,
        ReceiverContract,
    )
    from jobhook_testkit.recorder import (
        LiveRecorder,
        RecordedDelivery,
        RecordingReceiver,
        Refusal,
        serve_recorder,
    )
    from jobhook_testkit.schema import (
        ContractViolationError,
        Severity,
        Violation,
        assert_valid,
        load_schema,
        unknown_fields,
        validate,
    )
    from jobhook_testkit.sender import (
        FakeSender,
        SenderFactory,
    )
    from jobhook_testkit.server import (
        LifespanError,
        LiveServer,
        serve_asgi,
        serve_wsgi,
    )

__version__ = "0.1.0.dev0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "CheckResult": "contract",
    "ContractCheckFailed": "receiver_contract",
    "ContractFailedError": "assertions",
    "ContractReport": "contract",
    "ContractViolationError": "schema",
    "ContractWarning": "contract",
    "Delivery": "delivery",
    "EdgeCase": "factory",
    "EndpointNotFoundError": "contract",
    "FakeSender": "sender",
    "JobReportFactory": "factory",
    "JobReportProvider": "factory",
    "LifespanError": "server",
    "LiveRecorder": "recorder",
    "LiveServer": "server",
    "Outcome": "delivery",
    "ReceiverAssertionError": "assertions",
    "ReceiverContract": "receiver_contract",
    "ReceiverUnreachableError": "contract",
    "RecordedDelivery": "recorder",
    "RecordingReceiver": "recorder",
    "Refusal": "recorder",
    "SenderFactory": "sender",
    "SentRequest": "delivery",
    "Severity": "schema",
    "Violation": "schema",
    "assert_acknowledged": "assertions",
    "assert_answered_within": "assertions",
    "assert_conforms": "assertions",
    "assert_rejected": "assertions",
    "assert_valid": "schema",
    "check_names": "contract",
    "check_receiver": "contract",
    "edge_case": "factory",
    "edge_case_names": "factory",
    "edge_cases": "factory",
    "load_schema": "schema",
    "serve_asgi": "server",
    "serve_recorder": "recorder",
    "serve_wsgi": "server",
    "unknown_fields": "schema",
    "validate": "schema",
}

__all__ = [
    "CheckResult",
    "ContractCheckFailed",
    "ContractFailedError",
    "ContractReport",
    "ContractViolationError",
    "ContractWarning",
    "Delivery",
    "EdgeCase",
    "EndpointNotFoundError",
    "FakeSender",
    "JobReportFactory",
    "JobReportProvider",
    "LifespanError",
    "LiveRecorder",
    "LiveServer",
    "Outcome",
    "ReceiverAssertionError",
    "ReceiverContract",
    "ReceiverUnreachableError",
    "RecordedDelivery",
    "RecordingReceiver",
    "Refusal",
    "SenderFactory",
    "SentRequest",
    "Severity",
    "Violation",
    "assert_acknowledged",
    "assert_answered_within",
    "assert_conforms",
    "assert_rejected",
    "assert_valid",
    "check_names",
    "check_receiver",
    "edge_case",
    "edge_case_names",
    "edge_cases",
    "load_schema",
    "serve_asgi",
    "serve_recorder",
    "serve_wsgi",
    "unknown_fields",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jobhook_testkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"jobhook_testkit.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
