"""Argument types and options shared by the subcommands, so each is parsed one way.

Every type raises ``argparse.ArgumentTypeError`` with a message that names what was
expected; argparse turns it into a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import math

STATUSES = ("SUCCESS", "FAILURE", "RUNNING")
TYPES = ("export", "import")
DEFAULT_TIMEOUT = 5.0
_BYTE_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}


def seconds(text: str) -> float:
    """A positive, finite number of seconds (a timeout)."""
    value = _float(text, "seconds")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def seconds_or_zero(text: str) -> float:
    """A finite number of seconds >= 0 (a delay)."""
    value = _float(text, "seconds")
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text}")
    return value


def whole_number(text: str) -> int:
    """An integer >= 0 (a count or a seed)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def port(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535 (0 = any free port), got {value}")
    return value


def status_code(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a status code: {text!r}") from None
    if not 200 <= value <= 599:
        raise argparse.ArgumentTypeError(f"status must be 200-599, got {value}")
    return value


def file_name(text: str) -> str:
    """A path to write to: not empty (an empty name would be read as the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name, got an empty one")
    return text


def byte_count(text: str) -> int:
    """A positive number of bytes, optionally with a K, M or G (binary) suffix."""
    unit = _BYTE_UNITS.get(text[-1:].upper(), 1)
    number = text[:-1] if unit > 1 else text
    try:
        value = int(number, 10) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of bytes, got {text}")
    return value


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of {what}: {text!r}") from None
    return value


def receiver_url(text: str) -> str:
    """A receiver's URL, without ``user:password@`` (the platform sends no such thing).

    The rest is checked by the sender; the message never repeats the URL (it holds a
    password).
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text.strip())
        credentials = parts.username is not None or parts.password is not None
    except ValueError:
        return text  # the sender says what is wrong with it
    if credentials:
        raise argparse.ArgumentTypeError(
            "credentials in the URL are not sent by the platform: remove 'user:password@' "
            "and give the Authorization value with --auth"
        )
    return text


def auth_problem(value: str | None) -> str | None:
    """Why ``value`` cannot be an Authorization header (the message never shows it)."""
    if value is not None and any(char in value for char in "\r\n\x00"):
        return "--auth contains a line break or NUL, which an HTTP header cannot carry"
    return None


def add_auth(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--auth", metavar="VALUE", help=f"{help} (never printed)")


def add_timeout(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"{help} (default {DEFAULT_TIMEOUT:g})",
    )


def add_seed(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--seed", type=whole_number, default=None, metavar="S", help=help)


def add_report_shape(parser: argparse.ArgumentParser, *, status_help: str, type_help: str) -> None:
    """``--status`` and ``--type`` for commands that generate a report."""
    parser.add_argument(
        "--status", type=str.upper, choices=STATUSES, default=None, help=status_help
    )
    parser.add_argument(
        "--type", dest="job_type", type=str.lower, choices=TYPES, default=None, help=type_help
    )


def add_tls(parser: argparse.ArgumentParser) -> None:
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument(
        "--cacert", metavar="FILE", help="verify https against the CA certificates in FILE"
    )
    tls.add_argument("--insecure", action="store_true", help="do not verify https certificates")


def unreachable_hint(reason: str, nothing_was: str) -> str:
    """What to do about a receiver that could not be reached, for the end of its message.

    A certificate that does not verify is no reason to ask whether the receiver runs:
    the options that fix it are named instead.
    """
    if "certificate verification failed" in reason:
        return (
            "(the receiver's TLS certificate is not trusted: give the CA that signed it with "
            f"--cacert FILE, or skip verification with --insecure; nothing was {nothing_was})"
        )
    return f"(is it running? nothing was {nothing_was})"


def verify_option(args: argparse.Namespace) -> bool | str:
    """What ``FakeSender(verify=...)`` takes, from ``--cacert`` / ``--insecure``."""
    cacert: str | None = args.cacert
    return cacert if cacert else not args.insecure
