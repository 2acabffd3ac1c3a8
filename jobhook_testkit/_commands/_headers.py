"""``--header "Name: value"`` (repeatable), shared by ``jobhook check`` and ``replay``.

For receivers behind a gateway that wants its own header. Values of headers named like
credentials (``X-Api-Key``...) are redacted in every output, like Authorization.
"""

from __future__ import annotations

import argparse
import re

_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# The sender frames the body itself; another length or a chunked encoding would make the
# receiver read a different body (and be blamed for the 400, or the wait, that follows).
FRAMING = {"content-length": "Content-Length", "transfer-encoding": "Transfer-Encoding"}


def framing_problem(name: str) -> str | None:
    """Why a header named ``name`` cannot be given by hand, or None."""
    known = FRAMING.get(name.strip().lower())
    if known is None:
        return None
    return f"{known} is set by jobhook from the body it sends; it cannot be given with --header"


def header(text: str) -> tuple[str, str]:
    """``"Name: value"`` as ``(name, value)``; a usage error that never shows the value."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not _NAME.fullmatch(name):  # the text is not echoed: it may be a secret
        raise argparse.ArgumentTypeError(
            'expected "Name: value", a header name then a colon (e.g. "X-Gateway-Key: ...")'
        )
    if name.lower() == "authorization":
        raise argparse.ArgumentTypeError("give the Authorization value with --auth")
    if (problem := framing_problem(name)) is not None:
        raise argparse.ArgumentTypeError(problem)
    return name, value.strip()


def add_header(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--header", dest="headers", type=header, action="append", default=[],
        metavar='"NAME: VALUE"',
        help="an extra header on every request, e.g. a gateway's (repeatable; values of "
        "credential-like headers such as X-Api-Key are never printed)",
    )


def headers_of(args: argparse.Namespace) -> dict[str, str]:
    """The ``--header`` options as a dict (a later one of the same name wins)."""
    headers: dict[str, str] = {}
    for name, value in args.headers:
        for known in [k for k in headers if k.lower() == name.lower()]:
            del headers[known]
        headers[name] = value
    return headers
