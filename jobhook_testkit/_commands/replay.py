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
from collections.abc import Callable, Iterable, Iterator, Mapping
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


def _plan(documents: Iterable[Document]) -> Iterator[tuple[str, Any] | str]:
    """Each document as (location, value) to send, or the note saying why it is skipped."""
    from jobhook_testkit._recording_file import is_recording_line

    for document in documents:
        where = _where(document)
        if document.error is not None:
            yield f"{where}: skipped: {document.error}"
        elif is_recording_line(document.value):
            report = document.value["report"]
            if report is None:
                yield (f"{where}: skipped: a malformed delivery (its raw body is kept "
                       "in the recording, not replayed)")
            elif not isinstance(report, Mapping):
                yield f"{where}: skipped: the recorded report is not a JSON object"
            else:
                yield where, report
        else:
            yield where, document.value


def _source(file: str, max_bytes: int) -> Callable[[], Iterable[Document]]:
    """The documents of ``file``, as often as asked: a file is streamed anew each time (its
    size does not matter), stdin is read once and kept. Each call raises InputError if the
    source cannot be read."""
    from jobhook_testkit._jsonio import iter_documents, read_documents

    if file == "-":
        documents = read_documents(file, max_bytes=max_bytes)
        return lambda: documents
    return lambda: iter_documents(file, max_bytes=max_bytes)


def run(args: argparse.Namespace) -> int:
    from jobhook_testkit._check_context import scrub_secrets
    from jobhook_testkit._commands._payloads import deliver_value
    from jobhook_testkit._jsonio import DEFAULT_MAX_BYTES, InputError
    from jobhook_testkit._redact import redact_url, scrub
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
        documents = _source(args.file, args.max_bytes or DEFAULT_MAX_BYTES)
        # A first pass counts what will be sent (and says what will not): the file is read
        # again to send it, so memory does not grow with the recording.
        from jobhook_testkit._recording_file import forward_file_message, is_forward_line

        total = notes = 0
        for document in documents():
            if is_forward_line(document.value):  # serve's FILE.forwards: outcomes, not reports
                message = forward_file_message(document.location, args.file)
                print(f"jobhook replay: {message}", file=err)
                return EXIT_USAGE
            item = next(_plan((document,)))
            if isinstance(item, str):
                notes += 1
                print(f"jobhook replay: {item}", file=err)
            else:
                total += 1
    except InputError as exc:
        print(f"jobhook replay: {exc}", file=err)
        return EXIT_USAGE
    if not total:  # empty, binary, or nothing but skipped lines: an input error
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

    progress = for_terminal(unit="reports", total_items=total)
    acknowledged = sent = unanswered = 0
    width = len(str(total))
    to_send = (item for item in _plan(documents()) if not isinstance(item, str))
    try:
        for number, (where, value) in enumerate(to_send, start=1):
            if number > total:  # the file grew since it was counted: send what was counted
                break
            if progress is not None:
                progress.update(number - 1)
            delivery = deliver_value(sender, value)
            sent += 1
            if delivery.acknowledged:
                acknowledged += 1
                verdict = f"acknowledged: {delivery.status_code} in {delivery.elapsed:.3f} s"
            else:
                reason = scrub_secrets(delivery.reason, args.auth, headers)
                verdict = f"NOT acknowledged: {printable(reason, one_line=True)}"
            shown = short_id(value.get("id") if isinstance(value, Mapping) else None)
            if progress is not None:
                progress.clear()
            print(f"{number:>{width}}/{total}  {where}  {shown}  {verdict}", flush=True)
            no_answer = delivery.outcome in (Outcome.CONNECTION_FAILED, Outcome.TIMED_OUT)
            unanswered = unanswered + 1 if no_answer else 0
            if unanswered >= MAX_UNANSWERED and sent < total:
                print(f"jobhook replay: stopped: {MAX_UNANSWERED} deliveries in a row got no "
                      f"answer (is the receiver still running?); {total - sent} "
                      "report(s) not sent", file=err)
                break
    except InputError as exc:  # the file changed between the two passes
        print(f"jobhook replay: {exc}", file=err)

    if progress is not None:
        progress.close()
    failed = sent - acknowledged
    summary = (
        f"replayed {sent} report(s) to {redact_url(sender.url)}: {acknowledged} acknowledged"
        + (f", {failed} NOT acknowledged" if failed else "")
        + (f", {total - sent} not sent" if sent < total else "")
        + (f"; {notes} skipped" if notes else "")
    )
    print(summary)
    return EXIT_OK if failed == 0 and sent == total else EXIT_PROBLEMS
