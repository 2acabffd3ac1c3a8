"""``jobhook validate``: check payload files (JSON, JSON array, NDJSON, recordings)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jobhook_testkit._commands import _options

HELP = "check job-report files against the contract (JSON, JSON array, NDJSON, recordings)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files to check; '-' or none reads stdin"
    )
    parser.add_argument(
        "--strict", action="store_true",
        help="treat semantic warnings (timestamps in order, counts adding up, terminal "
        "status) as errors",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print errors only: no warnings, no summary"
    )
    parser.add_argument(
        "--report-unknown", action="store_true",
        help="list fields the schema does not know and how often each was seen",
    )
    parser.add_argument(
        "--max-bytes", type=_options.byte_count, default=None, metavar="N",
        help="refuse files larger than N bytes (default 256 MiB; suffixes K, M, G)",
    )



@dataclass(frozen=True, slots=True)
class Problem:
    location: str  # PATH or PATH:LINE
    pointer: str
    message: str
    severity: str
    keyword: str

    def render(self) -> str:
        where = self.pointer or "(root)"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {where}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "location": self.location, "pointer": self.pointer, "severity": self.severity,
            "keyword": self.keyword, "message": self.message,
        }


def _check(documents: list[Any], strict: bool, unknown: Counter[str] | None) -> Iterator[Problem]:
    from jobhook_testkit._jsonio import duplicate_key_message
    from jobhook_testkit._recording_file import is_recording_line
    from jobhook_testkit.schema import unknown_fields, validate

    for doc in documents:
        if doc.error is not None:
            yield Problem(doc.location, doc.pointer, doc.error, "error", "json")
            continue
        value, prefix = doc.value, doc.pointer
        for pointer in doc.duplicate_keys:
            yield Problem(doc.location, pointer, duplicate_key_message(pointer), "error",
                          "duplicate-key")
        if is_recording_line(value):  # a line written by `jobhook serve --record`
            if value["report"] is None:
                yield Problem(doc.location, prefix + "/report", "recorded delivery was not a "
                              "JSON object (see its 'raw' body)", "error", "malformed")
                continue
            value, prefix = value["report"], prefix + "/report"
        if unknown is not None:
            unknown.update(unknown_fields(value))
        for violation in validate(value, strict=strict):
            yield Problem(doc.location, prefix + violation.pointer, violation.message,
                          str(violation.severity), violation.keyword)


class _Output:
    """stdout or stderr, outliving its reader: `jobhook validate big.ndjson | head`.

    When the reader leaves, the rest of the output is dropped but every document is still
    checked, so the exit code says whether the files are valid, not that the pipe closed.
    """

    def __init__(self, name: str) -> None:
        self.name = name  # "stdout" or "stderr", looked up on each write (tests swap them)
        self.gone = False
        # Losing diagnostics (a closed or broken stderr) must not change the verdict;
        # failing to write results (stdout on a full disk) is an I/O error: exit 2.
        self._lost: type[OSError] = OSError if name == "stderr" else BrokenPipeError

    def write(self, text: str, *, ascii_text: str | None = None) -> None:
        """Write ``text``; where the console cannot encode it, ``ascii_text`` (if given)
        or ``text`` with the characters it cannot show escaped (``\\xe9``)."""
        if self.gone:
            return
        stream = getattr(sys, self.name)
        try:
            try:
                stream.write(text)
            except UnicodeEncodeError:  # e.g. a Windows console and a Japanese name
                if ascii_text is None:
                    encoding = getattr(stream, "encoding", None) or "ascii"
                    ascii_text = text.encode(encoding, "backslashreplace").decode(encoding)
                stream.write(ascii_text)
        except self._lost:
            self._reader_left()

    def flush(self) -> None:
        if not self.gone:
            try:
                getattr(sys, self.name).flush()
            except self._lost:
                self._reader_left()

    def _reader_left(self) -> None:
        self.gone = True
        # What is still buffered must not fail again when the interpreter exits.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, getattr(sys, self.name).fileno())
            os.close(devnull)
        except (OSError, ValueError):  # no real file descriptor (captured output)
            pass


def run(args: argparse.Namespace) -> int:
    from jobhook_testkit._jsonio import DEFAULT_MAX_BYTES, InputError, iter_documents

    sources = args.paths or ["-"]
    if sources.count("-") > 1:  # the second read would find stdin empty and call it invalid
        print("jobhook validate: '-' (standard input) can be given only once", file=sys.stderr)
        return 2
    max_bytes = args.max_bytes or DEFAULT_MAX_BYTES
    unknown: Counter[str] | None = Counter() if args.report_unknown else None
    problems: list[Problem] = []  # kept only for --format json; text prints as it goes
    input_errors: list[str] = []
    reports = invalid_reports = errors = warnings = 0
    out, err = _Output("stdout"), _Output("stderr")
    if "-" in sources and _interactive(sys.stdin):
        # `jobhook validate` typed alone would otherwise seem to hang.
        err.write("jobhook validate: reading job reports from the terminal; end with Ctrl-D "
                  "(give PATH arguments to check files)\n")
    for source in sources:
        try:
            documents = iter_documents(source, max_bytes=max_bytes)
        except InputError as exc:
            input_errors.append(str(exc))
            err.write(f"jobhook validate: {exc}\n")
            continue
        try:
            for doc in documents:
                found = list(_check([doc], args.strict, unknown))
                reports += 1
                doc_errors = sum(p.severity == "error" for p in found)
                errors += doc_errors
                warnings += len(found) - doc_errors
                invalid_reports += doc_errors > 0
                if args.format == "json":
                    problems += found
                else:
                    for problem in found:
                        if problem.severity == "error" or not args.quiet:
                            out.write(problem.render() + "\n")
        except InputError as exc:  # a line or array element over --max-bytes, a read error
            input_errors.append(str(exc))
            err.write(f"jobhook validate: {exc}\n")
    if args.format == "json":
        _render_json(out, problems, input_errors, unknown, reports, invalid_reports)
    elif not args.quiet:
        _render_summary(out, err, len(sources), reports, invalid_reports, warnings, unknown)
    out.flush()
    err.flush()
    if input_errors:
        return 2
    return 1 if errors else 0


def _interactive(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _render_summary(
    out: _Output, err: _Output, files: int, reports: int, invalid: int, warnings: int,
    unknown: Counter[str] | None,
) -> None:
    if unknown:
        out.write("fields the schema does not know:\n")
        for name, count in sorted(unknown.items(), key=lambda item: (-item[1], item[0])):
            out.write(f"  {name}: seen in {count} report{'s' if count != 1 else ''}\n")
    elif unknown is not None:
        out.write("fields the schema does not know: none\n")
    plural = "s" if files != 1 else ""
    err.write(
        f"{files} file{plural}, {reports} document{'s' if reports != 1 else ''}: "
        f"{reports - invalid} valid, {invalid} invalid, "
        f"{warnings} warning{'s' if warnings != 1 else ''}\n"
    )


def _render_json(
    out: _Output, problems: list[Problem], input_errors: list[str],
    unknown: Counter[str] | None, reports: int, invalid: int,
) -> None:
    result: dict[str, Any] = {
        "valid": not input_errors and not any(p.severity == "error" for p in problems),
        "documents": reports,
        "invalid_documents": invalid,
        "problems": [problem.as_dict() for problem in problems],
        "input_errors": input_errors,
    }
    if unknown is not None:
        result["unknown_fields"] = dict(sorted(unknown.items()))
    out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
              ascii_text=json.dumps(result, indent=2) + "\n")  # still JSON, \u-escaped
