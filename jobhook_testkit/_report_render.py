"""Render a ContractReport as text (people), JSON (machines) or JUnit XML (CI systems).

Results are collected first (contract.py), rendered here; nothing in here sends anything.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from jobhook_testkit._text import printable

if TYPE_CHECKING:
    from jobhook_testkit.contract import CheckResult, ContractReport

__all__ = ["FORMATS", "render", "render_json", "render_junit", "render_text"]

FORMATS = ("text", "json", "junit")
_LABELS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
# Characters XML 1.0 cannot carry at all (control characters from response bodies).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _header(report: ContractReport) -> str:
    auth = f"Authorization: {report.auth}" if report.auth is not None else "no Authorization"
    return (
        f"jobhook check {report.target}  (timeout {report.timeout:g} s, {auth}, "
        f"seed {report.seed})"
    )


def _line(result: CheckResult, width: int) -> str:
    label = _LABELS[result.status.value]
    parts = [f"{label}  {result.name:<{width}}"]
    if result.summary:
        parts.append(result.summary)
    if result.reason and result.status.value != "pass":
        parts.append(f"({result.reason})")
    return "  ".join(parts).rstrip()


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in printable(text).split("\n"))


def _auth_hint(report: ContractReport) -> str | None:
    refused = [
        d for r in report if r.status.value in ("fail", "warn")
        for d in r.deliveries if d.status_code in (401, 403)
    ]
    if not refused:
        return None
    if report.auth is None:
        return (
            "hint: the receiver answered 401/403 to requests without Authorization; give "
            "the value the platform is configured with (--auth VALUE, or auth=...)"
        )
    # Failed checks send the configured value (the refusal checks pass on a 401/403).
    if any(d.request.authorization is not None for d in refused):
        return (
            f"hint: the receiver answered 401/403 to requests carrying the configured "
            f"Authorization ({report.auth}): is it the value the receiver expects, or does "
            "something else (CSRF protection...) refuse the POST?"
        )
    return None


def render_text(report: ContractReport, *, details: bool = True) -> str:
    """A table, one line per check, then the story of each failure and warning."""
    width = max((len(result.name) for result in report), default=0)
    lines = [_header(report), ""]
    lines += [_line(result, width) for result in report]
    if details:
        for result in report:
            if result.status.value not in ("fail", "warn"):
                continue
            lines += ["", f"{_LABELS[result.status.value]} {result.name} ({result.level}): "
                          f"{result.protects}"]
            lines.append(_indent(result.details or result.reason))
    if report.app_errors:
        lines += ["", "the app raised (its 5xx answers above):"]
        lines += [f"  {line}" for line in report.app_errors]
    hint = _auth_hint(report)
    if hint:
        lines += ["", hint]
    lines += [
        "",
        f"{report.summary()} in {report.elapsed:.2f} s (seed {report.seed}; "
        f"rerun the same reports with --seed {report.seed})",
    ]
    return printable("\n".join(lines)) + "\n"


def render_json(report: ContractReport) -> str:
    """The report as one JSON document (see ``ContractReport.as_dict``)."""
    text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False)
    # A lone surrogate (only ever inside a string) as its JSON escape: writable as UTF-8.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: ContractReport) -> str:
    """JUnit XML: MUST failures are <failure>, skips are <skipped>, SHOULD failures pass
    with the warning in <system-out> (CI shows them without failing the build)."""
    attrs = {
        "name": "jobhook check",
        "tests": str(len(report)),
        "failures": str(len(report.failures)),
        "errors": "0",
        "skipped": str(len(report.skipped)),
        "time": f"{report.elapsed:.3f}",
    }
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {**attrs, "name": "jobhook.contract"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", report.target),
        ("seed", str(report.seed)),
        ("timeout", f"{report.timeout:g}"),
        ("authorization", report.auth or ""),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _xml_text(value)})
    for result in report:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": "jobhook.contract",
                "name": result.name,
                "time": f"{result.elapsed:.3f}",
            },
        )
        status = result.status.value
        story = _xml_text(f"{result.protects}\n\n{result.details or result.reason}")
        if status == "fail":
            failure = ET.SubElement(
                case, "failure", {"message": _xml_text(result.reason), "type": "MUST"}
            )
            failure.text = story
        elif status == "skip":
            ET.SubElement(case, "skipped", {"message": _xml_text(result.reason)})
        elif status == "warn":
            out = ET.SubElement(case, "system-out")
            out.text = _xml_text(f"WARNING (SHOULD): {result.reason}\n\n") + story
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def render(report: ContractReport, fmt: str) -> str:
    """Render in one of :data:`FORMATS`."""
    if fmt == "text":
        return render_text(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
