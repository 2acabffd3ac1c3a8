"""The named edge-case corpus: schema-valid job reports that break naive receivers.

Pure data and the standard library only (no Faker), so listing the names costs nothing at
pytest collection time. Every payload is built fresh on each call: a test that mutates its
report cannot leak into the next one. ``jobhook_testkit.factory`` re-exports the public
functions; this module is private.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["EdgeCase", "edge_case", "edge_case_names", "edge_cases"]


@dataclass(frozen=True)
class EdgeCase:
    """One named edge case: the payload and one sentence on why a receiver must cope.

    Unpacks as ``(name, payload)``: ``for name, report in edge_cases(): ...``.
    """

    name: str
    payload: dict[str, Any]
    why: str

    def __iter__(self) -> Iterator[Any]:
        yield self.name
        yield self.payload


# A plausible, consistent base every case starts from (the docs' sample, with full ids).
_BASE: dict[str, Any] = {
    "id": "AXVLjQ3mR8sTq1y8Qkpx",
    "type": "export",
    "status": "SUCCESS",
    "created_at": "2020-11-21T14:26:10.345Z",
    "updated_at": "2020-11-21T14:26:11.630Z",
    "total_operations": 3,
    "total_succeeded": 2,
    "total_failed": 1,
    "definition_id": "AWstKcLp0qw5seX89aZb",
    "definition_name": "User export",
}

_LONG_NAME = ("Export quotidien des profils clients vers l'entrepôt de données " * 80).strip()

# name -> (why, fields changed from _BASE). The order is the order users see.
_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "docs-sample": (
        "The sample the documentation publishes, with its odd field order; a receiver that "
        "cannot take it cannot take anything.",
        {},
    ),
    "millisecond-timestamps": (
        "Milliseconds are what the platform usually prints; leading zeros ('.001') break "
        "parsers that read the fraction as an integer.",
        {"created_at": "2021-07-14T06:30:00.001Z", "updated_at": "2021-07-14T06:31:02.090Z"},
    ),
    "whole-second-timestamps": (
        "The platform prints no fraction at all when an instant falls on a whole second, "
        "which breaks parsers that insist on '.%fZ'.",
        {"created_at": "2021-03-04T08:00:00Z", "updated_at": "2021-03-04T08:00:07Z"},
    ),
    "microsecond-timestamps": (
        "Six fractional digits occur in the platform's model and break parsers that "
        "expect exactly three.",
        {
            "created_at": "2020-06-04T14:16:34.658123Z",
            "updated_at": "2020-06-04T14:16:41.002907Z",
        },
    ),
    "nanosecond-timestamps": (
        "A JVM Instant can print nine fractional digits; Python before 3.11 and many "
        "regexes reject them.",
        {
            "created_at": "2022-01-17T23:59:58.123456789Z",
            "updated_at": "2022-01-18T00:00:03.000000001Z",
        },
    ),
    "mixed-timestamp-precisions": (
        "created_at and updated_at need not share a precision, so one format string "
        "cannot parse both.",
        {"created_at": "2023-05-09T10:11:12Z", "updated_at": "2023-05-09T10:11:40.5Z"},
    ),
    "same-instant": (
        "A job can end in the millisecond it was created: a zero duration must not "
        "divide by zero or be treated as out of order.",
        {"updated_at": "2020-11-21T14:26:10.345Z"},
    ),
    "crosses-new-year": (
        "A long job that starts on 31 December ends in another day, month and year, "
        "which trips naive date bucketing.",
        {"created_at": "2020-12-31T23:59:59.999Z", "updated_at": "2021-01-01T02:13:07.120Z"},
    ),
    "leap-day": (
        "29 February exists in leap years only; hand-written date validation often "
        "rejects it.",
        {"created_at": "2024-02-29T12:00:00.000Z", "updated_at": "2024-02-29T12:04:31.870Z"},
    ),
    "zero-operations": (
        "An export with nothing to export still ends and still notifies: all counts are 0.",
        {"total_operations": 0, "total_succeeded": 0, "total_failed": 0},
    ),
    "failure-with-zero-operations": (
        "The documentation's own FAILURE example has every count at 0: a job can fail "
        "before processing a single record.",
        {
            "status": "FAILURE",
            "created_at": "2020-09-10T15:27:32.183Z",
            "updated_at": "2020-09-10T15:27:35.477Z",
            "total_operations": 0,
            "total_succeeded": 0,
            "total_failed": 0,
        },
    ),
    "all-failed": (
        "Every record failed: success rates computed as succeeded/operations are 0, and "
        "alerting must still fire.",
        {"status": "FAILURE", "total_operations": 1200, "total_succeeded": 0,
         "total_failed": 1200},
    ),
    "success-with-failures": (
        "A SUCCESS job can still have failed records, so status alone does not say "
        "whether data was lost.",
        {"total_operations": 50_000, "total_succeeded": 49_873, "total_failed": 127},
    ),
    "very-large-counts": (
        "Counts beyond 2**31 overflow 32-bit integer columns and fields.",
        {"total_operations": 3_000_000_000, "total_succeeded": 2_999_999_000,
         "total_failed": 1_000},
    ),
    "counts-beyond-float-precision": (
        "Integers above 2**53 lose precision when parsed as JSON numbers into doubles "
        "(JavaScript, some JSON libraries).",
        {"total_operations": 9_007_199_254_740_993, "total_succeeded": 9_007_199_254_740_993,
         "total_failed": 0},
    ),
    "import-job": (
        "Imports send the same report with type 'import'; receivers written against the "
        "export sample often assume 'export'.",
        {"type": "import", "definition_name": "Consents import from CRM"},
    ),
    "failed-import": (
        "A failed import is the report that most needs an alert and the least tested one.",
        {"type": "import", "status": "FAILURE", "total_operations": 845,
         "total_succeeded": 12, "total_failed": 833,
         "definition_name": "Profile migration (legacy IdP)"},
    ),
    "running-status": (
        "The model lists RUNNING although the webhook fires when a job ends; a receiver "
        "must not crash on it.",
        {"status": "RUNNING", "total_operations": 0, "total_succeeded": 0, "total_failed": 0},
    ),
    "unknown-extra-fields": (
        "The platform may add fields at any time (strings, numbers, nulls, arrays, "
        "objects); strict deserializers that forbid unknown fields break.",
        {"duration_ms": 1285, "environment": "production", "tags": ["crm", "nightly"],
         "retry_of": None, "progress": {"percent": 100, "phase": "DONE"}},
    ),
    "definition-object": (
        "The model's report carries a 'definition' object; should it reach the webhook, "
        "a receiver expecting only flat fields must cope.",
        {"definition": {
            "id": "AWstKcLp0qw5seX89aZb", "name": "User export", "description": "",
            "type": "USER_EXPORT", "enabled": True, "recovery_strategy": "NONE",
            "settings": {}, "created_at": "2020-06-04T14:16:34.658123Z",
            "updated_at": "2020-06-04T14:16:34.658123Z"}},
    ),
    "accented-name": (
        "Administrators type names in their own language; accents break latin-1 "
        "decoding and naive logging.",
        {"definition_name": "Export des consentements – équipe Relation Client"},
    ),
    "non-latin-name": (
        "Names in other scripts (Japanese, Cyrillic, Arabic written right to left) break "
        "ASCII-only storage and display.",
        {"definition_name": "ユーザー書き出し / Выгрузка профилей / تصدير المستخدمين"},
    ),
    "emoji-name": (
        "Emoji lie outside the Basic Multilingual Plane (4 bytes in UTF-8, surrogate "
        "pairs in UTF-16) and break MySQL 'utf8' columns.",
        {"definition_name": "🚀 Nightly export 👩‍💻 (prod) 🇫🇷"},
    ),
    "quotes-in-name": (
        "Single, double and typographic quotes break hand-built SQL, CSV and shell "
        "command lines.",
        {"definition_name": "Bob's \"VIP\" export – ‘weekly’ „Kunden“"},
    ),
    "markup-in-name": (
        "A name is untrusted text: markup and SQL must be escaped wherever it is shown "
        "or stored.",
        {"definition_name": "<script>alert('export')</script> & '); DROP TABLE jobs;--"},
    ),
    "control-characters-in-name": (
        "Newlines, tabs and NUL are legal in JSON strings; they break log lines, CSV "
        "rows and PostgreSQL text columns.",
        {"definition_name": "Export\nline two\twith tab and \u0000 NUL"},
    ),
    "empty-name": (
        "The name is free text and may be empty; code that assumes a non-empty title "
        "fails on it.",
        {"definition_name": ""},
    ),
    "very-long-name": (
        "Names have no documented length limit; fixed-size columns and log fields "
        "truncate or reject them.",
        {"definition_name": _LONG_NAME},
    ),
    "ids-with-dash-and-underscore": (
        "Platform ids are URL-safe and contain '-' and '_', which some id regexes and "
        "URL routers mishandle.",
        {"id": "AW-_p1Ossnw9pvRbP9_-", "definition_id": "A_qW-3rTz_8kLm-Np0x_"},
    ),
}


def edge_case_names() -> list[str]:
    """The corpus' case names, in order. Cheap: builds no payload."""
    return list(_CASES)


def edge_case(name: str) -> EdgeCase:
    """The edge case called ``name``, with a fresh payload; ``KeyError`` if unknown."""
    try:
        why, changes = _CASES[name]
    except KeyError:
        raise KeyError(
            f"no edge case named {name!r}; known: {', '.join(_CASES)}"
        ) from None
    payload = {**copy.deepcopy(_BASE), **copy.deepcopy(changes)}
    if name == "docs-sample":
        # The documentation lists the fields in this order; keep it byte-for-byte.
        order = ("total_succeeded", "total_operations", "total_failed", "id", "status",
                 "created_at", "type", "updated_at", "definition_id", "definition_name")
        payload = {key: payload[key] for key in order}
    return EdgeCase(name, payload, why)


def edge_cases() -> Iterator[EdgeCase]:
    """Yield every edge case (schema-valid reports that break naive receivers), in order.

    Each item has ``.name``, ``.payload`` and ``.why`` and unpacks as ``(name, payload)``.
    """
    for name in _CASES:
        yield edge_case(name)
