"""The ``jobhook`` command: argparse front end over one module per subcommand.

Each subcommand lives in ``jobhook_testkit/_commands/<name>.py`` and provides ``HELP``
(one line), ``configure(parser)`` and ``run(args) -> int``. Those modules import nothing
heavy at module level, so ``jobhook --help`` and fast commands stay fast.

Exit codes: 0 all good, 1 the check found problems, 2 usage or I/O error.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from jobhook_testkit import __version__
from jobhook_testkit._commands._parser import Parser

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

COMMANDS = ("validate", "generate", "send", "check", "serve", "replay", "schema")
DATA_COMMANDS = ("generate", "schema")  # print data, no verdict: a reader may stop early


def build_parser(argv: Sequence[str] = ()) -> Parser:
    """The ``jobhook`` parser; its usage errors never show the values in ``argv``."""
    parser = Parser(
        prog="jobhook",
        description="Contract-test receivers of ReachFive's End Job Notification webhook.",
        epilog="Exit codes: 0 all good, 1 the check found problems, 2 usage or I/O error.",
        argv=argv,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"jobhook_testkit._commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP, argv=argv)
        module.configure(sub)
        sub.set_defaults(_run=module.run)
        parser.commands[name] = sub
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``jobhook`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    # Python sets these to None when the process starts with the descriptor closed.
    if sys.stderr is None:  # print(file=None) would write diagnostics into stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives on
    if sys.stdout is None:  # `jobhook ... >&-`: results have nowhere to go
        print("jobhook: standard output is closed; nowhere to write results", file=sys.stderr)
        return EXIT_USAGE
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args, extras = parser.parse_known_args(argv)
        extras += parser.commands[args.command].spaced_options()
        if extras:  # said by the subcommand's own parser, with its usage
            parser.commands[args.command].reject(extras)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args._run(args)
    except KeyboardInterrupt:
        print("jobhook: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output left. For commands that only print data (`jobhook
        # generate | head`, `jobhook schema | head -1`, `jobhook check --list | head`)
        # that is the normal way to stop.
        # Any other command could not print its result, so it cannot claim success: 2, an
        # I/O error, never a 0 that hides failed checks.
        _silence(sys.stdout)
        if args.command in DATA_COMMANDS or getattr(args, "list", False):  # check --list
            return EXIT_OK
        _note(f"jobhook {args.command}: output closed before the result was written")
        return EXIT_USAGE
    except OSError as exc:
        # Typically stdout on a full disk; whatever it is, one line and exit 2.
        _silence(sys.stdout)
        where = f": {exc.filename}" if exc.filename else ""
        _note(f"jobhook {args.command}: {exc.strerror or exc}{where}")
        return EXIT_USAGE
    return code


def _silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null so the final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # captured or already closed: nothing to flush there
        pass


def _note(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except OSError:  # stderr went with stdout (`2>&1 | head`)
        _silence(sys.stderr)
