"""``jobhook replay FILE URL``: send recorded (or generated) reports to a receiver again.

Reads ``jobhook serve --record`` files (the ``report`` of each line; malformed deliveries
are skipped with a note) and plain reports (``jobhook generate`` NDJSON, a JSON array, one
JSON file) alike, and sends them one after the other, in file order.

A receiver that does not answer at the start (nothing listening, or no answer within the
timeout) is a usage error (exit 2, nothing sent), as for ``jobhook check``; one that stops
answering midway ends the replay after a few deliveries in a row got no answer, since each
would cost a whole timeout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jobhook_testkit._commands import _headers, _options
from jobhook_testkit._text import printable, short_id

if TYPE_CHECKING:
    from jobhook_testkit._jsonio import Document

HELP = "send recorded (or generated) reports to a receiver again, in order"

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
MAX_UNANSWERED = 3  # stop after this many deliveries in a row got no answer at all


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE",
        help="a recording (jobhook serve --record), NDJSON reports, or a JSON file; - = stdin",
    )
    parser.add_argument(
        "url", metavar="URL", type=_options.receiver_url,
        help="the receiver to deliver to (http or https)",
    )
    _options.add_auth(parser, "Authorization value to send")
    _options.add_timeout(parser, "give up on a delivery after this long, like the platform")
    _headers.add_header(parser)
    parser.add_argument(
        "--max-bytes", type=_options.byte_count, default=None, metavar="N",
        help="refuse files larger than N bytes (default 256 MiB; suffixes K, M, G)",
    )
    _options.add_tls(parser)


def _where(document: Document) -> str:
    return document.location + (f"#{document.pointer}" if document.pointer else "")


def _plan(documents: list[Document]) -> tuple[list[tuple[str, Any]], list[str]]:
    """What to send (location, value) and why other documents are skipped."""
    from jobhook_testkit._recording_file import is_recording_line

    to_send: list[tuple[str, Any]] = []
    notes: list[str] = []
    for document in documents:
        where = _where(document)
        if document.error is not None:
            notes.append(f"{where}: skipped: {document.error}")
        elif is_recording_line(document.value):
            report = document.value["report"]
            if report is None:
                notes.append(f"{where}: skipped: a malformed delivery (its raw body is kept "
                             "in the recording, not replayed)")
            elif not isinstance(report, Mapping):
                notes.append(f"{where}: skipped: the recorded report is not a JSON object")
            else:
                to_send.append((where, report))
        else:
            to_send.append((where, document.value))
    return to_send, notes


def run(args: argparse.Namespace) -> int:
    from jobhook_testkit._check_context import scrub_secrets
    from jobhook_testkit._commands._payloads import deliver_value
    from jobhook_testkit._jsonio import DEFAULT_MAX_BYTES, InputError, read_documents
    from jobhook_testkit._redact import scrub
    from jobhook_testkit.contract import ReceiverUnreachableError, preflight
    from jobhook_testkit.delivery import Outcome
    from jobhook_testkit.sender import FakeSender

    err = sys.stderr
    verify = _options.verify_option(args)
    headers = _headers.headers_of(args)
    try:
        sender = FakeSender(
            args.url, auth=args.auth, timeout=args.timeout, headers=headers, verify=verify
        )
    except ValueError as exc:
        print(f"jobhook replay: {scrub(str(exc), args.auth)}", file=err)
        return EXIT_USAGE
    try:
        documents = read_documents(args.file, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES)
    except InputError as exc:
        print(f"jobhook replay: {exc}", file=err)
        return EXIT_USAGE

    from jobhook_testkit._recording_file import forward_file_message, is_forward_line

    forward = next((d for d in documents if is_forward_line(d.value)), None)
    if forward is not None:  # serve's FILE.forwards: its lines are outcomes, not reports
        print(f"jobhook replay: {forward_file_message(forward.location, args.file)}", file=err)
        return EXIT_USAGE
    to_send, notes = _plan(documents)
    for note in notes:
        print(f"jobhook replay: {note}", file=err)
    if not to_send:  # empty, binary, or nothing but skipped lines: an input error
        print(f"jobhook replay: nothing to replay in {args.file}", file=err)
        return EXIT_USAGE

    try:
        preflight(
            sender.url, auth=args.auth, timeout=args.timeout, headers=headers, verify=verify
        )
    except ReceiverUnreachableError as exc:
        message = scrub(str(exc), args.auth)
        hint = _options.unreachable_hint(message, "sent")
        print(f"jobhook replay: {message} {hint}", file=err)
        return EXIT_USAGE

    from jobhook_testkit._progress import for_terminal

    progress = for_terminal(unit="reports", total_items=len(to_send))
    acknowledged = sent = unanswered = 0
    width = len(str(len(to_send)))
    for number, (where, value) in enumerate(to_send, start=1):
        if progress is not None:
            progress.update(number - 1)
        delivery = deliver_value(sender, value)
        sent += 1
        if delivery.acknowledged:
            acknowledged += 1
            verdict = f"acknowledged: {delivery.status_code} in {delivery.elapsed:.3f} s"
        else:
            reason = printable(scrub_secrets(delivery.reason, args.auth, headers), one_line=True)
            verdict = f"NOT acknowledged: {reason}"
        shown = short_id(value.get("id") if isinstance(value, Mapping) else None)
        if progress is not None:
            progress.clear()
        print(f"{number:>{width}}/{len(to_send)}  {where}  {shown}  {verdict}", flush=True)
        no_answer = delivery.outcome in (Outcome.CONNECTION_FAILED, Outcome.TIMED_OUT)
        unanswered = unanswered + 1 if no_answer else 0
        if unanswered >= MAX_UNANSWERED and sent < len(to_send):
            print(f"jobhook replay: stopped: {MAX_UNANSWERED} deliveries in a row got no "
                  f"answer (is the receiver still running?); {len(to_send) - sent} "
                  "report(s) not sent", file=err)
            break

    if progress is not None:
        progress.close()
    failed = sent - acknowledged
    summary = (
        f"replayed {sent} report(s) to {sender.url}: {acknowledged} acknowledged"
        + (f", {failed} NOT acknowledged" if failed else "")
        + (f", {len(to_send) - sent} not sent" if sent < len(to_send) else "")
        + (f"; {len(notes)} skipped" if notes else "")
    )
    print(summary)
    return EXIT_OK if failed == 0 and sent == len(to_send) else EXIT_PROBLEMS
