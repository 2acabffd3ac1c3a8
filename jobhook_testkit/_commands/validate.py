"""``jobhook validate``: check payload files (JSON, JSON array, NDJSON, recordings)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobhook_testkit._commands import _options

if TYPE_CHECKING:
    from jobhook_testkit._jsonio import Document
    from jobhook_testkit._progress import Progress

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
    parser.add_argument(
        "--format", choices=("text", "json", "github"), default="text",
        help="text (one line per problem), json, or github (GitHub Actions annotations: "
        "::error file=F,line=N::...)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print errors only: no warnings, no summary"
    )
    parser.add_argument(
        "--report-unknown", action="store_true",
        help="list fields the schema does not know and how often each was seen",
    )
    parser.add_argument(
        "--max-bytes", type=_options.byte_count, default=None, metavar="N",
        help="refuse a document larger than N bytes: a whole file, or one line of NDJSON or "
        "one element of an array, which are read as streams of any size (default 256 MiB; "
        "suffixes K, M, G)",
    )



@dataclass(slots=True)
class Problem:
    location: str  # PATH or PATH:LINE
    pointer: str
    message: str
    severity: str
    keyword: str
    line: int | None = None

    def render(self) -> str:
        where = self.pointer or "(root)"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {where}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "location": self.location, "pointer": self.pointer, "severity": self.severity,
            "keyword": self.keyword, "message": self.message,
        }


def _checker(strict: bool, unknown: Counter[str] | None) -> Callable[[Document], list[Problem]]:
    """What is wrong with one document (usually nothing: an empty list, quickly)."""
    from jobhook_testkit._jsonio import duplicate_key_message
    from jobhook_testkit._recording_file import is_recording_line
    from jobhook_testkit.schema import unknown_fields, validate

    def check(doc: Document) -> list[Problem]:
        where, line = doc.location, doc.line
        if doc.error is not None:
            return [Problem(where, doc.pointer, doc.error, "error", "json", line)]
        value, prefix = doc.value, doc.pointer
        problems = [
            Problem(where, pointer, duplicate_key_message(pointer), "error", "duplicate-key", line)
            for pointer in doc.duplicate_keys
        ]
        if isinstance(value, dict) and "report" in value and is_recording_line(value):
            # a line written by `jobhook serve --record`
            if value["report"] is None:
                problems.append(Problem(where, prefix + "/report", "recorded delivery was not a "
                                        "JSON object (see its 'raw' body)", "error", "malformed",
                                        line))
                return problems
            value, prefix = value["report"], prefix + "/report"
        if unknown is not None:
            unknown.update(unknown_fields(value))
        violations = validate(value, strict=strict)
        if violations:
            problems += [
                Problem(where, prefix + v.pointer, v.message, str(v.severity), v.keyword, line)
                for v in violations
            ]
        return problems

    return check


def _github(problem: Problem, source: str) -> str:
    """A GitHub Actions workflow command: the problem becomes an annotation on the file."""
    command = "error" if problem.severity == "error" else "warning"
    where = [] if source == "-" else [f"file={_github_property(source)}"]  # stdin: no file
    if problem.line is not None and where:
        where.append(f"line={problem.line}")
    message = f"{problem.pointer or '(root)'}: {problem.message}"
    if not where:  # no file to mark: the message keeps where it is (`<stdin>:2`)
        message = f"{problem.location}: {message}"
    return f"::{command}{' ' if where else ''}{','.join(where)}::{_github_data(message)}"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


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
    from jobhook_testkit._recording_file import forward_file_message, is_forward_line

    sources = args.paths or ["-"]
    if sources.count("-") > 1:  # the second read would find stdin empty and call it invalid
        print("jobhook validate: '-' (standard input) can be given only once", file=sys.stderr)
        return 2
    max_bytes = args.max_bytes or DEFAULT_MAX_BYTES
    unknown: Counter[str] | None = Counter() if args.report_unknown else None
    check = _checker(args.strict, unknown)
    problems: list[Problem] = []  # kept only for --format json; text prints as it goes
    input_errors: list[str] = []
    reports = invalid_reports = errors = warnings = 0
    out, err = _Output("stdout"), _Output("stderr")
    if "-" in sources and _interactive(sys.stdin):
        # `jobhook validate` typed alone would otherwise seem to hang.
        err.write("jobhook validate: reading job reports from the terminal; end with Ctrl-D "
                  "(give PATH arguments to check files)\n")
    progress = _progress(args, sources)
    done_bytes = 0  # of the sources already read: progress counts all of them
    for source in sources:
        try:
            documents = iter_documents(source, max_bytes=max_bytes)
        except InputError as exc:
            input_errors.append(str(exc))
            err.write(f"jobhook validate: {exc}\n")
            if args.format == "github":
                out.write(f"::error::{_github_data(str(exc))}\n")
            continue
        try:
            for doc in documents:
                if is_forward_line(doc.value):  # serve's FILE.forwards: no reports in it
                    raise InputError(forward_file_message(doc.location, source))
                reports += 1
                if progress is not None and not reports & 255:
                    progress.update(reports, done_bytes + documents.bytes_read)
                found = check(doc)
                if not found:
                    continue
                doc_errors = sum(p.severity == "error" for p in found)
                errors += doc_errors
                warnings += len(found) - doc_errors
                invalid_reports += doc_errors > 0
                if args.format == "json":
                    problems += found
                    continue
                if progress is not None:
                    progress.clear()
                for problem in found:
                    if problem.severity == "error" or not args.quiet:
                        text = problem.render() if args.format == "text" else \
                            _github(problem, source)
                        out.write(text + "\n")
        except InputError as exc:  # a line or array element over --max-bytes, a read error
            documents.close()
            input_errors.append(str(exc))
            err.write(f"jobhook validate: {exc}\n")
            if args.format == "github":
                out.write(f"::error file={_github_property(source)}::{_github_data(str(exc))}\n")
        done_bytes += documents.bytes_read
    if progress is not None:
        progress.close()
    if args.format == "json":
        _render_json(out, problems, input_errors, unknown, reports, invalid_reports)
    elif not args.quiet:
        _render_summary(out, err, len(sources), reports, invalid_reports, warnings, unknown)
    out.flush()
    err.flush()
    if input_errors:
        return 2
    return 1 if errors else 0


def _progress(args: argparse.Namespace, sources: list[str]) -> Progress | None:
    """Progress on a terminal for long runs: lines, megabytes, rate, and an ETA when the
    total size is known (files, not stdin)."""
    from jobhook_testkit._progress import for_terminal, wanted

    if not wanted(quiet=args.quiet):
        return None  # before looking at every file's size
    total: int | None = 0
    for source in sources:
        with contextlib.suppress(OSError):  # reported when it is opened
            total = None if source == "-" or total is None else total + os.stat(source).st_size
    return for_terminal(quiet=args.quiet, total_bytes=total or None)


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
