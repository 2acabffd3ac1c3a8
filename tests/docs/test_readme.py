"""README.md's examples run as written: every Python block, and every console block that
can run offline. The rules are in README's "Developing" section; in short:

* a ```python block that defines tests (``def test_...`` / ``class Test...``) is run as a
  test file with pytester under ``-W error`` (a ContractWarning, from a failed SHOULD
  check, stays a warning) and must pass; any other is run as a script;
* a ```console block runs each ``$ command`` with bash; it must exit 0 unless the next
  command is ``echo $?`` showing its code, and the lines after a command are its output:
  each must appear, in order, in what the command printed (stdout and stderr together),
  with elapsed times, ports and clock times taken as equal; a ``...`` line is a gap;
* ``<!-- readme: not run (why) -->`` on the line just before a fence skips that block;
  the reason is required; blocks in other languages (toml, yaml) or without one (output
  samples) are not run.

Blocks run in a fresh directory holding ``myservice.py`` (the Flask example receiver, for
the reader's own service), ``deliveries.ndjson`` and ``tests/data/deliveries.ndjson`` (a
small recording), and links to this checkout's ``examples/`` and ``schema/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\S*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*readme:\s*not run\s*(?:\((?P<why>.*)\))?\s*-->\s*$")
_PYTHON_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n\s+File ", re.M)
_TESTS = re.compile(r"^(?:def test_|class Test)", re.MULTILINE)
_VARIABLE = [  # what differs from run to run, replaced in expected and actual output alike
    (re.compile(r"\b\d+\.\d+ s\b"), "N.N s"),
    (re.compile(r"\b127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\b\d\d:\d\d:\d\d\b"), "HH:MM:SS"),
]


@dataclass(frozen=True)
class Block:
    """One fenced block of README.md: its language, first line number and text."""

    language: str
    line: int
    heading: str
    text: str
    not_run: str | None  # the reason given, when marked not to run

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"line-{self.line}-{slug}"


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    found: list[Block] = []
    lines = text.splitlines()
    heading, number = "top", 0
    while number < len(lines):
        line = lines[number]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        fence = _FENCE.match(line)
        if fence is None:
            number += 1
            continue
        end = next(i for i in range(number + 1, len(lines)) if lines[i].startswith("```"))
        before = lines[number - 1] if number else ""
        mark = _NOT_RUN.match(before.strip())
        not_run = None if mark is None else (mark.group("why") or "").strip()
        body = "\n".join(lines[number + 1 : end]) + "\n"
        found.append(Block(fence.group(1), number + 2, heading, body, not_run))
        number = end + 1
    return found


def _blocks(language: str) -> list[Block]:
    return [b for b in blocks(README.read_text(encoding="utf-8")) if b.language == language]


def _to_run(language: str) -> list[Block]:
    return [block for block in _blocks(language) if block.not_run is None]


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small recording made by the recording receiver: two reports and a malformed body."""
    from jobhook_testkit import FakeSender, JobReportFactory
    from jobhook_testkit.recorder import serve_recorder

    path = tmp_path_factory.mktemp("recording") / "deliveries.ndjson"
    factory = JobReportFactory(seed=7)
    with serve_recorder(record=path) as recorder:
        sender = FakeSender(recorder.url + "/hooks/jobs", auth="Bearer s3cret")
        sender.deliver(factory.success())
        sender.deliver(body=b"{not json")
        sender.deliver(factory.failure(type="import"))
    return path


@pytest.fixture
def workdir(tmp_path: Path, recording: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory a block runs in (see the module docstring)."""
    shutil.copy(ROOT / "examples" / "flask_receiver" / "app.py", tmp_path / "myservice.py")
    shutil.copy(recording, tmp_path / "deliveries.ndjson")
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(recording, tmp_path / "tests" / "data" / "deliveries.ndjson")
    for name in ("examples", "schema"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_the_readme_has_runnable_blocks_and_every_block_not_run_says_why() -> None:
    assert len(_to_run("python")) >= 4
    assert len(_to_run("console")) >= 3
    assert all(block.not_run is None for block in _blocks("python")), "Python blocks all run"
    for block in _blocks("console"):
        assert block.not_run != "", f"README.md:{block.line}: say why it is not run"


def test_the_block_parser_reads_fences_marks_and_headings() -> None:
    text = (
        "# Title\n\n## Usage\n\n```python\nx = 1\n```\n\n"
        "<!-- readme: not run (needs a server) -->\n```console\n$ jobhook serve\n```\n"
        "```\noutput sample\n```\n"
    )
    assert blocks(text) == [
        Block("python", 6, "Usage", "x = 1\n", None),
        Block("console", 11, "Usage", "$ jobhook serve\n", "needs a server"),
        Block("", 14, "Usage", "output sample\n", None),
    ]
    assert blocks(text)[0].id == "line-6-usage"


def test_expected_output_is_matched_in_order_with_variable_parts_ignored() -> None:
    printed = "jobhook check http://127.0.0.1:41671/x\nPASS  a  204 in 0.023 s\n22 passed\n"
    assert _shows(["jobhook check http://127.0.0.1:8000/x", "...", "22 passed"], printed) is None
    assert _shows(["PASS  a  204 in 9.9 s"], printed) is None
    assert _shows(["21 passed"], printed) == (
        "expected line not printed (in this order): '21 passed'"
    )
    assert _shows(["22 passed", "PASS  a  204 in 0.1 s"], printed) is not None  # order
    assert _shows(["PASS  a  204 ..."], printed) is None  # cut short: a prefix
    assert _shows(["PASS  b ..."], printed) is not None
    assert _commands("$ a\nout\n$ echo $?\n1\n") == [("a", ["out"]), ("echo $?", ["1"])]
    assert _commands("$ a \\\n   --b\nout\n") == [("a \\\n   --b", ["out"])]


def _run_tests(block: Block, workdir: Path, pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.chdir()
    for item in workdir.iterdir():  # pytester runs in its own directory
        target = pytester.path / item.name
        if not target.exists():
            target.symlink_to(item)
    pytester.makepyfile(test_readme_block=block.text)
    return pytester.runpytest(
        "test_readme_block.py", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:benchmark",
        # Warnings are errors (an unclosed file fails), except a failed SHOULD check's
        # ContractWarning: README says a receiver passes with it.
        "-W", "error", "-W", "default::jobhook_testkit.ContractWarning",
    )


@pytest.mark.parametrize("block", _to_run("python"), ids=lambda b: b.id)
def test_python_block(block: Block, workdir: Path, pytester: pytest.Pytester) -> None:
    if _TESTS.search(block.text):
        result = _run_tests(block, workdir, pytester)
        assert result.ret == 0, f"README.md:{block.line}:\n" + "\n".join(result.outlines)
        return
    code = compile(block.text, f"README.md:{block.line}", "exec")
    exec(code, {"__name__": "__readme__"})


def test_a_test_block_that_leaks_a_file_fails(
    workdir: Path, pytester: pytest.Pytester
) -> None:
    # The recorded-deliveries snippet as it once was: an open() never closed.
    leaky = (
        "import json\n"
        "ROWS = [json.loads(line) for line in open('deliveries.ndjson')]\n"
        "def test_uses_it():\n    assert ROWS\n"
    )
    result = _run_tests(Block("python", 1, "x", leaky, None), workdir, pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*ResourceWarning: unclosed file*"])


def _normal(text: str) -> str:
    for pattern, replacement in _VARIABLE:
        text = pattern.sub(replacement, text)
    return text.rstrip()


def _commands(text: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` for each ``$ `` line of a console block."""
    commands: list[tuple[str, list[str]]] = []
    continued = False
    for line in text.splitlines():
        if continued:  # the command's previous line ended with a backslash
            commands[-1] = (f"{commands[-1][0]}\n{line}", [])
        elif line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        continued = bool(commands) and not commands[-1][1] and line.endswith("\\")
    return commands


def _shows(expected: list[str], actual: str) -> str | None:
    """Why ``actual`` does not show the ``expected`` lines in order (None if it does)."""
    lines = [_normal(line) for line in actual.splitlines()]
    position = 0
    for wanted in (_normal(line) for line in expected):
        if wanted.strip() in ("", "..."):
            continue
        # A line cut short with "..." stands for any printed line that starts like it.
        found = next(
            (index for index in range(position, len(lines))
             if lines[index] == wanted
             or (wanted.endswith("...") and lines[index].startswith(wanted[:-3]))),
            None,
        )
        if found is None:
            return f"expected line not printed (in this order): {wanted!r}"
        position = found + 1
    return None


@pytest.mark.parametrize("block", _to_run("console"), ids=lambda b: b.id)
def test_console_block(block: Block, workdir: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    commands = _commands(block.text)
    last_code = 0
    for index, (command, expected) in enumerate(commands):
        where = f"README.md:{block.line}: $ {command}"
        if command.strip() == "echo $?":
            assert [str(last_code)] == [line for line in expected if line], where
            continue
        done = subprocess.run(
            ["bash", "-c", command], cwd=workdir, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=120, check=False,
        )
        last_code = done.returncode
        shown_next = index + 1 < len(commands) and commands[index + 1][0].strip() == "echo $?"
        assert done.returncode == 0 or shown_next, (
            f"{where}\nexit {done.returncode}:\n{done.stdout}"
        )
        assert _PYTHON_TRACEBACK.search(done.stdout) is None, f"{where}\n{done.stdout}"
        problem = _shows(expected, done.stdout)
        assert problem is None, f"{where}\n{problem}\nprinted:\n{done.stdout}"
