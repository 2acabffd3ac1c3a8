"""``jobhook check``: run the conformance suite against a receiver (URL or --app)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any, TextIO

from jobhook_testkit._commands import _headers, _options

if TYPE_CHECKING:
    from jobhook_testkit._suite_types import ContractReport

HELP = "run the conformance suite against a receiver: a URL, or a WSGI or ASGI app (--app)"

_FORMATS = ("text", "json", "junit", "html")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url", nargs="?", metavar="URL", type=_options.receiver_url,
        help="the receiver's webhook URL (http or https)",
    )
    parser.add_argument(
        "--app", metavar="MODULE:ATTR",
        help="a WSGI or ASGI app (or zero-argument factory) to serve on an ephemeral 127.0.0.1 "
        "port, e.g. examples/flask_receiver/app.py:create_app or mypkg.web:create_app",
    )
    parser.add_argument(
        "--path", default="/", help="the webhook's path (appended to the URL; default /)"
    )
    _options.add_auth(
        parser, "the Authorization value the platform is configured with; enables the "
        "refusal checks",
    )
    _options.add_timeout(parser, "the timeout configured on the platform")
    _headers.add_header(parser)
    parser.add_argument(
        "--probe", metavar="URL_TEMPLATE",
        help="a URL saying how many times the receiver processed a report, {id} being its "
        "id (a leading / is relative to the receiver); asked with a GET carrying the same "
        "Authorization, it answers 200 with a JSON integer or {\"processed\": N}; enables "
        "processes-redelivery-once",
    )
    parser.add_argument(
        "--only", nargs="+", action="extend", metavar="NAME",
        help="run only these checks (see --list)",
    )
    parser.add_argument(
        "--format", choices=_FORMATS, default="text",
        help="text: a table (default); json: for machines; junit: XML that CI systems show; "
        "html: one self-contained page to attach to a CI run (use with -o)",
    )
    _options.add_seed(
        parser, "seed for the reports (default: random, printed; ids are fresh each run)"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    _options.add_tls(parser)
    parser.add_argument("--list", action="store_true", help="list the checks and exit")


def _usage(message: str) -> int:
    print(f"jobhook check: {message}", file=sys.stderr)
    return 2


def _list_checks(out: TextIO) -> int:
    from jobhook_testkit._registry import checks

    every = checks()
    width = max(len(check.name) for check in every)
    for check in every:
        needs = f"  [needs {check.needs}]" if check.needs else ""
        print(f"{check.level:<6}  {check.name:<{width}}  {check.protects}{needs}", file=out)
    return 0


def _output_problem(path: str) -> str | None:
    """Why the report could not be written to ``path``, as far as can be told before."""
    import os

    target = os.path.abspath(path)
    if os.path.isdir(target):
        return "Is a directory"
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        return f"no such directory {folder}"
    if not os.access(folder, os.W_OK) or (
        os.path.exists(target) and not os.access(target, os.W_OK)
    ):
        return "Permission denied"
    return None


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.list:
        return _list_checks(out)
    if (args.url is None) == (args.app is None):
        return _usage("give the receiver's URL or --app MODULE:ATTR (exactly one)")
    from jobhook_testkit._app_loader import LifespanError
    from jobhook_testkit._check_context import scrub_secrets
    from jobhook_testkit._contract_run import run_suite
    from jobhook_testkit._registry import select_checks
    from jobhook_testkit._report_render import render
    from jobhook_testkit._suite_types import EndpointNotFoundError, ReceiverUnreachableError

    try:
        selected = select_checks(args.only)
    except ValueError as exc:
        return _usage(str(exc))
    if args.output:  # say it now, not after a run that may take minutes
        problem = _output_problem(args.output)
        if problem is not None:
            return _usage(f"cannot write {args.output}: {problem}")
    verify = _options.verify_option(args)
    headers = _headers.headers_of(args)
    if args.probe is not None:
        from jobhook_testkit._http_probe import probe_url_problem

        problem = probe_url_problem(args.probe)
        if problem is not None:
            return _usage(f"--probe: {problem}")
    # Whatever the app prints or logs goes to stderr: stdout carries only the report.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            target: Any = args.url
            if args.app is not None:
                # Loading the app puts its directory first on sys.path; import what the
                # run needs before, so a file there (werkzeug.py...) cannot shadow it.
                import faker  # noqa: F401
                import werkzeug.serving  # noqa: F401

                import jobhook_testkit._checks
                import jobhook_testkit._contract_run
                import jobhook_testkit.sender
                import jobhook_testkit.server  # noqa: F401
                from jobhook_testkit._app_loader import AppLoadError, load_app

                try:
                    target = load_app(args.app)
                except AppLoadError as exc:
                    return _usage(f"--app: {exc}")
            report = run_suite(
                target,
                path=args.path,
                auth=args.auth,
                timeout=args.timeout,
                only=[check.name for check in selected],
                seed=args.seed,
                probe=None,
                probe_url=args.probe,
                concurrency=4,
                verify=verify,
                headers=headers,
                path_hint="--path",
            )
        except EndpointNotFoundError as exc:  # says what was sent, what came back, why
            return _usage(str(exc))
        except ReceiverUnreachableError as exc:
            return _usage(f"{exc} {_options.unreachable_hint(str(exc), 'checked')}")
        except (ValueError, TypeError, OSError, ImportError, LifespanError) as exc:
            # (an ASGI app: ImportError without uvicorn, LifespanError if it cannot start)
            return _usage(scrub_secrets(str(exc), args.auth, headers))
    if args.format == "html":
        from jobhook_testkit._report_html import render_html, replay_command

        text = render_html(report, replay=replay_command(args))
    else:
        text = render(report, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
        print(f"{report.summary()} (seed {report.seed}); report written to {args.output}",
              file=sys.stderr)
    else:
        out.write(text)
        out.flush()
    hint = _refused_hint(report, args)
    if hint:
        print(f"jobhook check: {hint}", file=sys.stderr)
    return report.exit_code


def _refused_hint(report: ContractReport, args: argparse.Namespace) -> str | None:
    """One line for the commonest cause of a run where everything fails: the receiver
    refused the run's first ordinary report (a wrong or missing --auth or --header)."""
    first = report.first_delivery
    status = None if first is None else first.status_code
    if status not in (401, 403):
        return None
    given = "the Authorization given with --auth" if args.auth else "no --auth"
    return (
        f"the receiver answered {status} to the run's first ordinary report, with {given}: "
        "if that is not the value configured on the platform, fix --auth (or --header) "
        "and run again; the failures above follow from it"
    )
