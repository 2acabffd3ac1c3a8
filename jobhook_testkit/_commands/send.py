"""``jobhook send URL``: deliver one job report to a running receiver, like the platform.

Without ``--payload`` a realistic report is generated (``--seed``, ``--status``, ``--type``
shape it); with ``--payload FILE`` the one report in FILE is sent (or the report of the one
delivery a ``jobhook serve --record`` line holds). Prints the delivery
(Authorization redacted); exit 0 only if the receiver acknowledged it (2xx in time), 1 if
it did not, 2 if it could not be reached at all.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from jobhook_testkit._commands import _options
from jobhook_testkit._commands._headers import framing_problem
from jobhook_testkit._redact import redact_url

HELP = "deliver one job report to a receiver and print what happened (exit 0 if acknowledged)"

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
_GENERATE = object()  # no --payload: a report is generated (a payload may hold null)


def _header(text: str) -> tuple[str, str]:
    # The value may be a credential: a message shows at most the name, never the value.
    name, sep, value = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError("expected 'Name: value', found no ':' in it")
    if not name.strip() or name != name.strip():
        raise argparse.ArgumentTypeError(
            f"expected 'Name: value', with no space around the name; got the name {name!r}"
        )
    if (problem := framing_problem(name)) is not None:
        raise argparse.ArgumentTypeError(problem)
    return name, value.strip()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url", metavar="URL", type=_options.receiver_url, help="the receiver's URL (http or https)"
    )
    _options.add_auth(parser, "Authorization value, sent verbatim (e.g. 'Bearer ...')")
    _options.add_timeout(
        parser, "hard total deadline, after which the sender hangs up, like the platform"
    )
    parser.add_argument(
        "--payload", metavar="FILE",
        help="send the one report in FILE, or the report of one recorded delivery "
        "('-' = stdin), instead of a generated one",
    )
    _options.add_seed(parser, "seed of the generated report (same seed, same report)")
    _options.add_report_shape(
        parser, status_help="status of the generated report",
        type_help="job type of the generated report",
    )
    parser.add_argument(
        "--header", dest="headers", type=_header, action="append", default=[],
        metavar="'NAME: VALUE'", help="an extra request header (repeatable)",
    )
    _options.add_tls(parser)


def _fail(message: str) -> int:
    print(f"jobhook send: {message}", file=sys.stderr)
    return EXIT_USAGE


def _payload(source: str) -> Any:
    """The one JSON value in ``source``; raises ValueError with a one-line reason."""
    from jobhook_testkit._jsonio import InputError, read_documents

    try:
        documents = read_documents(source)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    if not documents:
        raise ValueError(f"{source}: no JSON document found")
    if len(documents) > 1:
        raise ValueError(
            f"{documents[0].source}: holds {len(documents)} documents; send takes one "
            "(jobhook replay sends several)"
        )
    document = documents[0]
    if document.error is not None:
        raise ValueError(f"{document.location}: {document.error}")
    from jobhook_testkit._recording_file import (
        forward_file_message,
        is_forward_line,
        is_recording_line,
    )

    if is_forward_line(document.value):  # serve's FILE.forwards: an outcome, not a report
        raise ValueError(forward_file_message(document.location, source))
    if is_recording_line(document.value):  # a line of jobhook serve --record: its report
        report = document.value["report"]
        if not isinstance(report, dict):
            raise ValueError(
                f"{document.location}: a recorded delivery whose body was not a JSON object; "
                "nothing to send"
            )
        return report
    if document.duplicate_keys:  # re-encoding would keep only the last of each
        pointers = ", ".join(document.duplicate_keys[:5])
        raise ValueError(
            f"{document.location}: duplicate keys at {pointers}; "
            "the report cannot be sent as written"
        )
    return document.value


def run(args: argparse.Namespace) -> int:
    if args.payload is not None and (
        args.seed is not None or args.status is not None or args.job_type is not None
    ):
        return _fail("--seed, --status and --type shape a generated report; "
                     "they cannot be combined with --payload")
    try:
        value = _payload(args.payload) if args.payload is not None else _GENERATE
    except ValueError as exc:
        return _fail(str(exc))
    if args.auth is not None and any(name.lower() == "authorization" for name, _ in args.headers):
        return _fail("--auth and --header 'Authorization: ...' both set the Authorization; "
                     "give one of them")

    from jobhook_testkit.sender import FakeSender

    verify = _options.verify_option(args)
    try:
        sender = FakeSender(
            args.url, auth=args.auth, timeout=args.timeout, headers=dict(args.headers),
            verify=verify,
        )
    except ValueError as exc:
        return _fail(str(exc))
    if value is _GENERATE:
        from jobhook_testkit.factory import JobReportFactory

        overrides = {"status": args.status, "type": args.job_type}
        report = JobReportFactory(seed=args.seed).build(
            **{key: value for key, value in overrides.items() if value is not None}
        )
        delivery = sender.deliver(report)
    else:  # what the file holds, null and other non-objects included
        from jobhook_testkit._commands._payloads import deliver_value

        delivery = deliver_value(sender, value)
    print(delivery)
    from jobhook_testkit._wire import never_reached

    if delivery.status_code is None and never_reached(delivery.reason):
        # Not the receiver's answer: it was never reached. An I/O error, as for check.
        return _fail(f"receiver unreachable at {redact_url(sender.url)}: {delivery.reason} "
                     + _options.unreachable_hint(delivery.reason, "delivered"))
    return EXIT_OK if delivery.acknowledged else EXIT_PROBLEMS
