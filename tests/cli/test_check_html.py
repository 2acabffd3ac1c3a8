"""`jobhook check --format html`: one self-contained page a team can attach to a CI run."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from jobhook_testkit._report_html import render_html
from jobhook_testkit.cli import main
from jobhook_testkit.contract import CheckResult, ContractReport, Level, Status

ROOT = Path(__file__).resolve().parents[2]
BROKEN_APP = "examples/broken_receiver/app.py:create_app"
AUTH = "Bearer s3cret"  # what the example receiver expects


@pytest.fixture(autouse=True)
def _from_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("JOBHOOK_BREAK", raising=False)


class Page(HTMLParser):
    """The tags, attributes and text of a page, to ask what it would load and show."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def shown(self) -> str:
        return "".join(self.text)


def test_a_failing_run_writes_a_self_contained_page_with_every_check_and_the_story(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBHOOK_BREAK", "rejects-empty-body")
    target = tmp_path / "report.html"
    names = ["acknowledges-success-report", "rejects-empty-body", "rejects-get"]
    code = main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--auth", AUTH,
                 "--seed", "42", "--format", "html", "-o", str(target), "--only", *names])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert f"report written to {target}" in err
    html = target.read_text(encoding="utf-8")
    page = Page(html)
    # nothing is loaded from anywhere: no script, no style sheet, font or image by URL
    assert not [tag for tag, _ in page.tags if tag in ("script", "link", "img", "iframe")]
    assert not [attrs for _, attrs in page.tags if "src" in attrs]
    assert "url(" not in html and "@import" not in html
    rows = [attrs for tag, attrs in page.tags if tag == "tr" and attrs.get("class")]
    assert [row["class"] for row in rows] == ["pass", "fail", "pass"]
    for name in names:
        assert name in page.shown
    # the failed check is expanded with its story; the passing ones are not
    stories = [attrs for tag, attrs in page.tags if tag == "details"]
    assert stories == [{"class": "fail", "id": "rejects-empty-body", "open": None}]
    assert "expected:" in page.shown and "sent:" in page.shown
    assert "Failed: 2 passed, 1 failed (MUST)" in page.shown
    assert "Seed42" in page.shown.replace("\n", "").replace(" ", "")
    replay = ("jobhook check --app examples/broken_receiver/app.py:create_app --path "
              '/hooks/jobs --auth "$JOBHOOK_AUTH" --only acknowledges-success-report '
              "rejects-empty-body rejects-get --seed 42")
    assert replay in page.shown
    assert "Bearer [redacted]" in page.shown
    assert "s3cret" not in html


def test_text_from_the_receiver_is_escaped_never_markup() -> None:
    hostile = "<script>alert(1)</script> \x1b[31m"
    report = ContractReport(
        target="http://127.0.0.1:9/<b>", seed=7, timeout=2.0, auth=None,
        results=(CheckResult("rejects-get", Level.SHOULD, Status.WARN, "protects <i>x</i>",
                             reason=hostile, details=f"received: {hostile}", elapsed=0.25),),
    )
    html = render_html(report)
    page = Page(html)
    assert [tag for tag, _ in page.tags if tag in ("script", "b", "i")] == []
    assert "<script>alert(1)</script>" in page.shown  # shown as text
    assert "\x1b" not in html and "\\x1b[31m" in page.shown
    assert "jobhook check 'http://127.0.0.1:9/<b>' --seed 7" in page.shown
    assert "0.250 s" in page.shown
    assert "Passed: 0 passed, 1 warning (SHOULD)" in page.shown


def test_html_to_stdout_when_no_file_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "--app", BROKEN_APP, "--path", "/hooks/jobs", "--format", "html",
                 "--only", "rejects-get"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    assert "PASS" in Page(out).shown


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["http://h/x"], "jobhook check http://h/x"),
        (["http://h/x", "--timeout", "2.5", "--path", "/a b", "--auth", "Bearer zz"],
         "jobhook check http://h/x --path '/a b' --auth \"$JOBHOOK_AUTH\" --timeout 2.5"),
        (["--app", "m:app", "--only", "rejects-get"],
         "jobhook check --app m:app --only rejects-get"),
        # a receiver behind a gateway: without its headers the rerun fails every check
        (["http://h/x", "--header", "X-Tenant: acme corp", "--header", "X-Api-Key: k-s3cret",
          "--probe", "/count/{id}", "--insecure"],
         "jobhook check http://h/x --header 'X-Tenant: acme corp' "
         "--header \"X-Api-Key: $X_API_KEY\" --probe '/count/{id}' --insecure"),
        (["https://h/x", "--cacert", "ca.pem", "--header", "X-Echo: Bearer zz-s3cret",
          "--auth", "Bearer zz-s3cret"],
         "jobhook check https://h/x --auth \"$JOBHOOK_AUTH\" "
         "--header 'X-Echo: Bearer [redacted]' --cacert ca.pem"),
    ],
)
def test_the_replay_command_repeats_the_options_but_never_the_credential(
    argv: list[str], expected: str
) -> None:
    from jobhook_testkit._report_html import replay_command
    from jobhook_testkit.cli import build_parser

    assert replay_command(build_parser().parse_args(["check", *argv])) == expected
