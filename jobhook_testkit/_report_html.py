"""Render a ContractReport as one self-contained HTML page (``jobhook check --format html``).

The page a team attaches to a failing CI run: the target, the seed and the command that
replays the run, the counts, one row per check (status, level, what it protects against,
timing), and for each failed or warned check its "sent / received / expected" story,
expanded. Everything is inline (no script, no external style sheet or font), so the file
opens the same from an artifact store, a mail or a disk with no network. It reads only the
report's data; the Authorization value arrives already redacted and stays so.
"""

from __future__ import annotations

import argparse
import re
import shlex
from html import escape
from typing import TYPE_CHECKING, Any

from jobhook_testkit._text import printable

if TYPE_CHECKING:
    from jobhook_testkit.contract import ContractReport

__all__ = ["render_html", "replay_command"]

_LABELS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
_AUTH_PLACEHOLDER = '"$JOBHOOK_AUTH"'

_STYLE = """
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700;
  --skip: #6e7781; --line: #d0d7de; --soft: rgba(127,127,127,.08); }
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
  padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--soft); padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap;
  word-break: break-word; border-radius: 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.verdict { font-size: 1.1rem; font-weight: 600; padding: .5rem .8rem; border-radius: 4px;
  margin: 1rem 0; border-left: 6px solid; }
.verdict.passed { border-color: var(--ok); background: rgba(26,127,55,.08); }
.verdict.failed { border-color: var(--bad); background: rgba(207,34,46,.08); }
.counts span { margin-right: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
td.num, td code { white-space: nowrap; }
td.num { text-align: right; }
.status { font-weight: 700; font-family: ui-monospace, monospace; }
.status.pass { color: var(--ok); } .status.fail { color: var(--bad); }
.status.warn { color: var(--warn); } .status.skip { color: var(--skip); }
details { border: 1px solid var(--line); border-radius: 4px; margin: .8rem 0;
  padding: .4rem .8rem; }
details.fail { border-left: 6px solid var(--bad); }
details.warn { border-left: 6px solid var(--warn); }
summary { cursor: pointer; font-weight: 600; }
footer { color: var(--skip); margin-top: 2rem; font-size: .85rem; }
"""


def replay_command(args: argparse.Namespace) -> str:
    """The ``jobhook check`` command that sends the same reports again (``--seed``).

    The credential is never written: ``--auth "$JOBHOOK_AUTH"`` stands for it, and
    ``"$JOBHOOK_URL"`` (``"$JOBHOOK_PROBE"``) for a URL (probe) that holds one.
    """
    if args.url is not None:
        quoted = ["jobhook", "check", _url_word(args.url)]
    else:
        quoted = ["jobhook", "check", "--app", shlex.quote(args.app)]
    if getattr(args, "path", "/") != "/":
        quoted += ["--path", shlex.quote(args.path)]
    if getattr(args, "auth", None) is not None:
        quoted += ["--auth", _AUTH_PLACEHOLDER]
    timeout = getattr(args, "timeout", None)
    if timeout is not None and timeout != 5.0:
        quoted += ["--timeout", f"{timeout:g}"]
    for name, value in getattr(args, "headers", None) or ():
        quoted += ["--header", _header_word(name, value, getattr(args, "auth", None))]
    if getattr(args, "probe", None) is not None:
        quoted += ["--probe", _url_word(args.probe, "JOBHOOK_PROBE")]
    if getattr(args, "cacert", None):
        quoted += ["--cacert", shlex.quote(args.cacert)]
    elif getattr(args, "insecure", False):
        quoted += ["--insecure"]
    if getattr(args, "only", None):
        quoted += ["--only", *(shlex.quote(name) for name in args.only)]
    return " ".join(quoted)


def _url_word(url: str, variable: str = "JOBHOOK_URL") -> str:
    """The URL as a shell word, or ``"$JOBHOOK_URL"`` when it holds a credential (a
    ``?token=``, a ``user:password@``), or did: a report's target is already redacted."""
    from jobhook_testkit._redact import has_userinfo, url_secrets

    if has_userinfo(url) or url_secrets(url):  # "[redacted]" is a credential's place too
        return f'"${variable}"'
    return shlex.quote(url)


def _header_word(name: str, value: str, auth: str | None) -> str:
    """``--header``'s argument for the replay command: a credential-like header's value
    stands as a shell variable named after it (``"X-Api-Key: $X_API_KEY"``)."""
    from jobhook_testkit._redact import is_secret_header, scrub

    if not is_secret_header(name):
        return shlex.quote(f"{name}: {scrub(value, auth)}")
    variable = "$" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return f'"{name}: {variable}"'
    return shlex.quote(f"{name}: ") + f'"{variable}"'  # a name the shell would read into


def _text(value: object) -> str:
    """Text from the report made safe twice: printable (no control characters), escaped."""
    return escape(printable(str(value)))


def _row(check: dict[str, Any]) -> str:
    status = check["status"]
    timing = f"{check['elapsed']:.3f} s"
    note = check["reason"] if status != "pass" else ""
    link = f'<a href="#{_text(check["name"])}">' if status in ("fail", "warn") else ""
    name = f"{link}<code>{_text(check['name'])}</code>{'</a>' if link else ''}"
    return (
        f'<tr class="{status}"><td class="status {status}">{_LABELS[status]}</td>'
        f"<td>{name}</td><td>{_text(check['level'])}</td>"
        f"<td>{_text(check['protects'])}"
        + (f"<br><small>{_text(note)}</small>" if note else "")
        + f'</td><td class="num">{timing}</td></tr>'
    )


def _story(check: dict[str, Any]) -> str:
    status = check["status"]
    story = check["details"] or check["reason"] or "(no details)"
    return (
        f'<details class="{status}" id="{_text(check["name"])}" open>'
        f"<summary>{_LABELS[status]} {_text(check['name'])} ({_text(check['level'])})"
        f"</summary><p>{_text(check['protects'])}</p><pre>{_text(story)}</pre></details>"
    )


def render_html(report: ContractReport, *, replay: str | None = None) -> str:
    """The whole page; ``replay`` is the command to show (default: one built from the
    target, which is right for a URL but not for ``--app``)."""
    data = report.as_dict()
    if replay is None:
        replay = f"jobhook check {_url_word(report.target)}"
        if report.auth is not None:
            replay += f" --auth {_AUTH_PLACEHOLDER}"
    replay += f" --seed {report.seed}"
    passed = data["passed"]
    counts = data["counts"]
    title = f"jobhook check: {'passed' if passed else 'FAILED'} ({data['summary']})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched: the page must read the same offline and leak nothing.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>jobhook check: {_text(data['target'])}</h1>",
        '<dl class="meta">',
        f"<dt>Target</dt><dd><code>{_text(data['target'])}</code></dd>",
        f"<dt>Authorization</dt><dd>{_text(data['auth'] or 'none')}</dd>",
        f"<dt>Timeout</dt><dd>{data['timeout']:g} s</dd>",
        f"<dt>Seed</dt><dd><code>{data['seed']}</code></dd>",
        f"<dt>Replay</dt><dd><code>{_text(replay)}</code></dd>",
        f"<dt>Duration</dt><dd>{data['elapsed']:.2f} s</dd>",
        "</dl>",
        f'<p class="verdict {"passed" if passed else "failed"}">'
        f"{'Passed' if passed else 'Failed'}: {_text(data['summary'])}</p>",
        '<p class="counts">'
        + "".join(f"<span>{_LABELS[key]} {counts[key]}</span>" for key in _LABELS)
        + "</p>",
    ]
    # What went wrong first, expanded: the reason the page was opened.
    stories = [_story(c) for c in data["checks"] if c["status"] in ("fail", "warn")]
    if stories:
        parts += ["<h2>What went wrong</h2>", *stories]
    parts += [
        "<h2>Every check</h2>",
        "<table><thead><tr><th>Status</th><th>Check</th><th>Level</th>"
        "<th>Protects against</th><th>Time</th></tr></thead><tbody>",
        *(_row(check) for check in data["checks"]),
        "</tbody></table>",
    ]
    if data["app_errors"]:
        parts += ["<h2>The app raised</h2>",
                  f"<pre>{_text(chr(10).join(data['app_errors']))}</pre>"]
    parts += [f"<footer>jobhook-testkit; rerun the same reports with <code>--seed "
              f"{data['seed']}</code>.</footer>", "</body></html>"]
    return "\n".join(parts) + "\n"
