"""The checks of the conformance suite, registered in :data:`CHECKS` (see _registry.py).

Every check sends an ordinary report (SUCCESS, export, fresh id) unless the check is about
the report itself, so one receiver bug fails the checks about it and not a dozen others.
Failure details are the delivery's "sent / received / expected" block.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from jobhook_testkit._check_context import Check, CheckContext
from jobhook_testkit._check_redelivery import processed_once
from jobhook_testkit._suite_types import Level, Status, Verdict
from jobhook_testkit.delivery import describe
from jobhook_testkit.sender import encode_report

if TYPE_CHECKING:
    from jobhook_testkit.delivery import Delivery

MAX_DETAIL_BLOCKS = 3
CONCURRENT_DELIVERIES = 8
TIMING_SAMPLES = 3
MAX_UNANSWERED = 3  # edge cases: stop after this many deliveries in a row got no answer
HANG_UP_GRACE = 0.2  # seconds
NON_ASCII_NAME = "Export des profils – équipe Zürich (東京) ✓"


# -- judging deliveries ------------------------------------------------------------------


def _answered(delivery: Delivery) -> bool:
    return str(delivery.outcome) in ("acknowledged", "rejected")


def _got(delivery: Delivery) -> str:
    """What came back, in a few words: ``500``, ``timed out after 5 s``, ..."""
    outcome = str(delivery.outcome)
    if outcome == "timed_out":
        return f"no answer within {delivery.timeout:g} s"
    if outcome == "connection_failed":
        return f"connection failed ({delivery.reason})"
    return str(delivery.status_code)


def _did(delivery: Delivery) -> str:
    """What the receiver did, as a headline's start: ``Receiver answered 500``, ..."""
    if _answered(delivery):
        return f"Receiver answered {delivery.status_code}"
    if str(delivery.outcome) == "timed_out":
        return f"Receiver gave no answer within {delivery.timeout:g} s"
    return f"The connection failed ({delivery.reason})"


def _ack_expected(ctx: CheckContext) -> str:
    return f"a 2xx answer within {ctx.timeout:g} s (the configured timeout)"


def _verdict(
    deliveries: Sequence[Delivery],
    bad: Sequence[tuple[str | None, Delivery]],
    *,
    reason: str,
    expected: str,
) -> Verdict:
    """PASS if nothing is bad, else FAIL with the first few bad deliveries explained."""
    if not bad:
        return Verdict(Status.PASS, deliveries=tuple(deliveries))
    blocks = [describe(d, headline=headline, expected=expected) for headline, d in bad]
    if len(blocks) > MAX_DETAIL_BLOCKS:
        hidden = len(blocks) - MAX_DETAIL_BLOCKS
        blocks = [*blocks[:MAX_DETAIL_BLOCKS], f"... and {hidden} more like these."]
    return Verdict(Status.FAIL, reason, "\n".join(blocks), tuple(deliveries))


def _expect_acks(
    ctx: CheckContext, labelled: Sequence[tuple[str, Delivery]], what: str
) -> Verdict:
    """All deliveries acknowledged; ``labelled`` pairs a short label with each."""
    deliveries = [d for _, d in labelled]
    bad = [(label, d) for label, d in labelled if not d.acknowledged]
    if len(labelled) == 1:
        reason = f"expected 2xx within {ctx.timeout:g} s"
    else:
        listed = ", ".join(f"{label}: {_got(d)}" for label, d in bad[:4])
        more = ", ..." if len(bad) > 4 else ""
        reason = (
            f"{len(bad)} of {len(labelled)} {what} not acknowledged ({listed}{more}); "
            f"expected 2xx within {ctx.timeout:g} s"
        )
    headlined: list[tuple[str | None, Delivery]] = [
        (f"Receiver did not acknowledge {label}." if label else None, d)  # None: its own
        for label, d in bad
    ]
    return _verdict(deliveries, headlined, reason=reason, expected=_ack_expected(ctx))


def _health(ctx: CheckContext, after: str) -> tuple[Delivery, Verdict | None]:
    """Deliver an ordinary report; a failing Verdict if the receiver is no longer healthy."""
    delivery = ctx.deliver()
    if delivery.acknowledged:
        return delivery, None
    return delivery, Verdict(
        Status.FAIL,
        f"after {after}, an ordinary report got {_got(delivery)} (receiver unhealthy); "
        f"expected 2xx",
        describe(
            delivery,
            headline=f"After {after}, the receiver no longer acknowledged an ordinary report.",
            expected=_ack_expected(ctx),
        ),
        (delivery,),
    )


def _expect_status(
    ctx: CheckContext,
    labelled: Sequence[tuple[str, Delivery]],
    *,
    ok: Iterable[int] | range,
    wanted: str,
    never_5xx: bool = False,
) -> Verdict:
    """Every delivery answered with a status in ``ok``."""
    allowed = set(ok)
    bad = [
        (label, d) for label, d in labelled if not (_answered(d) and d.status_code in allowed)
    ]
    deliveries = [d for _, d in labelled]
    if not bad:
        return Verdict(Status.PASS, deliveries=tuple(deliveries))
    label, first = bad[0]
    got = _got(first)
    if first.status_code is not None and 200 <= first.status_code < 300:
        got = f"accepted it with {first.status_code}"
    elif never_5xx and first.status_code is not None and first.status_code >= 500:
        got = f"crashed with {first.status_code}"
    reason = f"{label}: {got}; expected {wanted}"
    if len(bad) > 1:
        reason += f"; {len(bad) - 1} more like it"
    headlined = [(f"{_did(d)} to {lab}.", d) for lab, d in bad]
    return _verdict(deliveries, headlined, reason=reason, expected=wanted)


# -- acknowledging realistic reports ------------------------------------------------------


def _success(ctx: CheckContext) -> Verdict:
    return _expect_acks(ctx, [("", ctx.deliver(ctx.report(status="SUCCESS")))], "reports")


def _failure(ctx: CheckContext) -> Verdict:
    report = ctx.factory.failure(type="export")
    return _expect_acks(ctx, [("a FAILURE report", ctx.deliver(report))], "reports")


def _export(ctx: CheckContext) -> Verdict:
    return _expect_acks(ctx, [("an export report", ctx.deliver(ctx.report(type="export")))], "")


def _import(ctx: CheckContext) -> Verdict:
    return _expect_acks(ctx, [("an import report", ctx.deliver(ctx.report(type="import")))], "")


def _edge_cases(ctx: CheckContext) -> Verdict:
    from jobhook_testkit.factory import edge_cases

    labelled, names = [], []
    cases = list(edge_cases())
    silent = 0
    for case in cases:
        payload = dict(case.payload)
        payload["id"] = ctx.fresh_id_like(payload.get("id"))  # fresh: runs can repeat
        delivery = ctx.deliver(payload)
        labelled.append((f"edge case {case.name!r} ({case.why})", delivery))
        names.append(case.name)
        silent = 0 if _answered(delivery) else silent + 1
        if silent == MAX_UNANSWERED:  # each costs a whole timeout: the point is made
            break
    verdict = _expect_acks(ctx, labelled, "edge cases")
    if verdict.status is Status.FAIL:  # name the cases in the one-line reason
        failed = [name for name, (_, d) in zip(names, labelled, strict=True) if not d.acknowledged]
        shown = ", ".join(failed[:5]) + (", ..." if len(failed) > 5 else "")
        stopped = (
            f"; stopped after {MAX_UNANSWERED} unanswered in a row, "
            f"{len(cases) - len(labelled)} not sent"
            if len(labelled) < len(cases) else ""
        )
        verdict = Verdict(
            Status.FAIL,
            f"{len(failed)} of {len(labelled)} edge cases not acknowledged ({shown}); "
            f"expected 2xx within {ctx.timeout:g} s{stopped}",
            verdict.details,
            verdict.deliveries,
        )
    return verdict


def _byte_variants(ctx: CheckContext) -> Verdict:
    labelled = []
    for encoding, words in (
        ("pretty", "pretty-printed"),
        ("ascii", "\\u-escaped non-ASCII"),
        ("reordered", "keys in another order"),
    ):
        report = ctx.report(definition_name=NON_ASCII_NAME)
        labelled.append((f"the report as {words} JSON", ctx.deliver(report, encoding=encoding)))
    return _expect_acks(ctx, labelled, "byte variants")


def _unknown_fields(ctx: CheckContext) -> Verdict:
    report = {
        **ctx.report(),
        "definition": {"id": "AWstKcqw5seX89aBcDeF", "name": "User export", "enabled": True,
                       "settings": {}, "recovery_strategy": "NONE"},
        "total_skipped": 0,
        "progress": {"percent": 100, "phase": "done"},
        "tags": ["nightly", "crm"],
    }
    return _expect_acks(ctx, [("a report with fields it does not know", ctx.deliver(report))],
                        "")


# -- delivered twice ----------------------------------------------------------------------


def _redelivery(ctx: CheckContext) -> Verdict:
    report = ctx.report()
    first, second = ctx.deliver(report), ctx.deliver(report)
    return _expect_acks(
        ctx,
        [("the first delivery", first), ("the same report delivered again", second)],
        "deliveries of one report",
    )


# -- Authorization ------------------------------------------------------------------------

_REFUSE = "401 or 403 (the Authorization value is not the configured one)"


def _refused(ctx: CheckContext, label: str, delivery: Delivery) -> Verdict:
    return _expect_status(ctx, [(label, delivery)], ok=(401, 403), wanted=_REFUSE)


def _missing_auth(ctx: CheckContext) -> Verdict:
    return _refused(ctx, "a report without Authorization", ctx.deliver(auth=None))


def _wrong_auth(ctx: CheckContext) -> Verdict:
    assert ctx.auth is not None
    if ctx.auth.lower().startswith("basic "):
        wrong = "Bearer jobhook-testkit-wrong-token"
    else:
        wrong = "Basic am9iaG9vazp3cm9uZw=="  # jobhook:wrong
    return _refused(ctx, "a report with a wrong Authorization value", ctx.deliver(auth=wrong))


def _mangle(text: str) -> str:
    last = text[-1:]
    return text[:-1] + ("x" if last != "x" else "y")


def _wrong_credential(ctx: CheckContext) -> Verdict:
    assert ctx.auth is not None
    scheme, sep, credential = ctx.auth.partition(" ")
    wrong = f"{scheme} {_mangle(credential)}" if sep and credential else _mangle(ctx.auth)
    label = "a report with the right scheme and a wrong credential"
    return _refused(ctx, label, ctx.deliver(auth=wrong))


def _empty_auth(ctx: CheckContext) -> Verdict:
    delivery = ctx.deliver(auth=None, headers={"Authorization": ""})
    return _refused(ctx, "a report with an empty Authorization header", delivery)


# -- malformed and odd requests -----------------------------------------------------------

_MALFORMED = "a 4xx answer (the body is not a job report), never a 5xx"


def _malformed(ctx: CheckContext, bodies: Sequence[tuple[str, bytes]]) -> Verdict:
    labelled = [(label, ctx.deliver(body=body)) for label, body in bodies]
    verdict = _expect_status(ctx, labelled, ok=range(400, 500), wanted=_MALFORMED,
                             never_5xx=True)
    if verdict.status is Status.FAIL:
        return verdict
    health, unhealthy = _health(ctx, f"{bodies[-1][0]}")
    return unhealthy or Verdict(Status.PASS, deliveries=(*verdict.deliveries, health))


def _invalid_json(ctx: CheckContext) -> Verdict:
    body = encode_report(ctx.report())
    return _malformed(ctx, [("a body cut in the middle of its JSON", body[: len(body) // 2])])


def _empty_body(ctx: CheckContext) -> Verdict:
    return _malformed(ctx, [("an empty body", b"")])


def _non_object(ctx: CheckContext) -> Verdict:
    report = encode_report(ctx.report())
    return _malformed(ctx, [
        ("a JSON array holding a report", b"[" + report + b"]"),
        ("a JSON string", b'"SUCCESS"'),
        ("a JSON number", b"42"),
        ("JSON null", b"null"),
    ])


def _invalid_utf8(ctx: CheckContext) -> Verdict:
    body = encode_report(ctx.report(definition_name="Export MARK profiles"))
    body = body.replace(b"MARK", b"\xc3\x28\xff")
    return _malformed(ctx, [("a body that is not valid UTF-8", body)])


def _odd_content_type(ctx: CheckContext) -> Verdict:
    labelled = [
        (f"a valid report sent {words}", ctx.deliver(ctx.report(), content_type=ctype))
        for ctype, words in (
            ("text/plain", "as text/plain"),
            (None, "without a Content-Type"),
            ("application/json; charset=utf-8", "as application/json; charset=utf-8"),
        )
    ]
    wanted = "any answer but a 5xx (2xx, or a 4xx such as 415)"
    return _expect_status(ctx, labelled, ok=range(200, 500), wanted=wanted, never_5xx=True)


# -- connection behaviour and load --------------------------------------------------------


def _hang_up(ctx: CheckContext) -> Verdict:
    report = ctx.report()
    cut = ctx.deliver(report, hang_up_after=len(encode_report(report)) // 2)
    # Give the receiver a moment to notice the broken connection before judging it.
    time.sleep(min(HANG_UP_GRACE, ctx.timeout / 4))
    health, unhealthy = _health(ctx, "the sender hung up in the middle of a body")
    return unhealthy or Verdict(Status.PASS, deliveries=(cut, health))


def _concurrent(ctx: CheckContext) -> Verdict:
    reports = [ctx.report() for _ in range(CONCURRENT_DELIVERIES)]
    ctx.ensure_answering()
    deliveries = ctx.sender.deliver_many(reports, concurrency=CONCURRENT_DELIVERIES)
    ctx.record(deliveries)
    labelled = [(f"delivery {i + 1} of {len(deliveries)}", d) for i, d in enumerate(deliveries)]
    return _expect_acks(ctx, labelled, "concurrent deliveries")


def _fast_answer(ctx: CheckContext) -> Verdict:
    limit = ctx.timeout / 2
    deliveries: list[Delivery] = []
    for _ in range(TIMING_SAMPLES):  # judged by the slowest; one slow answer settles it
        deliveries.append(ctx.deliver())
        if not (_answered(deliveries[-1]) and deliveries[-1].elapsed < limit):
            break
    slowest = max(deliveries, key=lambda d: (not _answered(d), d.elapsed))
    if _answered(slowest) and slowest.elapsed < limit:
        return Verdict(Status.PASS, deliveries=tuple(deliveries))
    took = f"an answer took {slowest.elapsed:.3f} s" if _answered(slowest) else _got(slowest)
    return Verdict(
        Status.FAIL,
        f"{took}; expected an answer under {limit:g} s "
        f"(half the {ctx.timeout:g} s timeout)",
        describe(
            slowest,
            headline="Receiver answered too close to the timeout.",
            expected=f"an answer within {limit:g} s, half the configured timeout, "
            "so a slow day does not lose reports",
        ),
        tuple(deliveries),
    )


def _get(ctx: CheckContext) -> Verdict:
    delivery = ctx.deliver(method="GET", body=b"", content_type=None)
    return _expect_status(ctx, [("a GET", delivery)], ok=(405,),
                          wanted="405 Method Not Allowed")


def _schema_invalid(ctx: CheckContext) -> Verdict:
    without_id = ctx.report()
    del without_id["id"]
    labelled = [
        ("a report without an id", ctx.deliver(without_id)),
        ("a report with total_failed = -1", ctx.deliver({**ctx.report(), "total_failed": -1})),
        ("a report with a count as a string",
         ctx.deliver({**ctx.report(), "total_operations": "many"})),
    ]
    wanted = "a 4xx answer (the report breaks the schema), not a 2xx"
    return _expect_status(ctx, labelled, ok=range(400, 500), wanted=wanted)


MUST, SHOULD = Level.MUST, Level.SHOULD

CHECKS: tuple[Check, ...] = (
    Check("acknowledges-success-report", MUST,
          "A receiver that fails on the most common report loses it: there are no retries.",
          _success),
    Check("acknowledges-failure-report", MUST,
          "Failed jobs are the reports operators need most; a receiver must not choke on them.",
          _failure),
    Check("acknowledges-export-report", MUST,
          "Export jobs (profiles, events, consents) must be acknowledged.", _export),
    Check("acknowledges-import-report", MUST,
          "Import jobs send the same report with type 'import'; it must not be refused.",
          _import),
    Check("acknowledges-edge-cases", MUST,
          "Valid but unusual reports (precisions, zero or huge counts, odd names) must "
          "not break the receiver.", _edge_cases),
    Check("acknowledges-byte-variants", MUST,
          "The same report pretty-printed, \\u-escaped or with keys reordered is the same "
          "report; parsing must not depend on bytes.", _byte_variants),
    Check("tolerates-unknown-fields", MUST,
          "The platform may add fields at any time; a strict parser would then drop "
          "every report.", _unknown_fields),
    Check("acknowledges-redelivery", MUST,
          "A report delivered twice (a replay, an operator resend) must not make the "
          "receiver error.", _redelivery),
    Check("processes-redelivery-once", MUST,
          "A report delivered twice must not trigger its side effect twice.",
          processed_once, needs="probe", waits=True),
    Check("refuses-missing-authorization", MUST,
          "Without the configured Authorization anyone could post fake job reports.",
          _missing_auth, needs="auth", credited_after_ack=True),
    Check("refuses-wrong-authorization", MUST,
          "A wrong Authorization value must not be accepted.", _wrong_auth, needs="auth",
          credited_after_ack=True),
    Check("refuses-wrong-credential", MUST,
          "Checking only the scheme ('Bearer ...') lets any token through.",
          _wrong_credential, needs="auth", credited_after_ack=True),
    Check("refuses-empty-authorization", MUST,
          "An empty Authorization header must not count as a match.", _empty_auth,
          needs="auth", credited_after_ack=True),
    Check("rejects-invalid-json", MUST,
          "Garbage must get a 4xx and leave the receiver healthy, not crash it.",
          _invalid_json, credited_after_ack=True),
    Check("rejects-empty-body", MUST,
          "An empty body must get a 4xx and leave the receiver healthy.", _empty_body,
          credited_after_ack=True),
    Check("rejects-non-object-json", MUST,
          "Valid JSON that is not an object (array, string, number, null) must get a 4xx, "
          "not a crash.", _non_object, credited_after_ack=True),
    Check("rejects-invalid-utf8", MUST,
          "Bytes that are not UTF-8 must get a 4xx, not a decoding crash.", _invalid_utf8,
          credited_after_ack=True),
    Check("tolerates-odd-content-type", MUST,
          "A valid body with a surprising Content-Type must never cause a 5xx.",
          _odd_content_type, credited_after_ack=True),
    Check("survives-hang-up", MUST,
          "A sender that hangs up mid-body must not wedge or kill the receiver.", _hang_up,
          waits=True),
    Check("acknowledges-concurrent-deliveries", MUST,
          "Several jobs ending at once must all be acknowledged, not serialised past the "
          "timeout.", _concurrent, exclusive=True, loads=True),
    Check("answers-well-within-timeout", SHOULD,
          "A receiver answering near the timeout loses reports on a slow day.", _fast_answer,
          exclusive=True, credited_after_ack=True),
    Check("rejects-get", SHOULD,
          "Only POST delivers reports; a GET should get 405, not trigger processing.", _get,
          credited_after_ack=True),
    Check("rejects-schema-invalid-report", SHOULD,
          "A report that breaks the contract should get a 4xx rather than be processed.",
          _schema_invalid, credited_after_ack=True),
)
