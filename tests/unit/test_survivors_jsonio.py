"""Keys repeated deep inside a report: `jobhook validate`, the responses matcher and the
recorder (tests/wire/test_survivors_recorder.py) all rely on the one strict reader to find
them, however deep, and to name them by their JSON pointer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from jobhook_testkit.cli import main
from jobhook_testkit.responses import job_report_matcher
from jobhook_testkit.schema import load_schema

MESSAGE = "duplicate key {key!r} (JSON parsers disagree on which value wins)"
URL = "https://ops.example.com/jobs"


def _with_extra(extra: str) -> str:
    report: dict[str, Any] = load_schema()["examples"][0]
    return json.dumps(report)[:-1] + f', "extra": {extra}}}'


@pytest.mark.parametrize(
    ("extra", "pointer", "key"),
    [
        pytest.param('{"inner": {"k": 1, "k": 2}}', "/extra/inner/k", "k", id="two-deep"),
        pytest.param('{"a": {"b": {"c": {"k": 1, "k": 1}}}}', "/extra/a/b/c/k", "k",
                     id="four-deep"),
        pytest.param('[{"x": [{"k": 1, "k": 2}]}]', "/extra/0/x/0/k", "k", id="in-arrays"),
        pytest.param('{"in": {"a/b": 1, "a/b": 2}}', "/extra/in/a~1b", "a/b", id="escaped"),
    ],
)
def test_validate_finds_a_key_repeated_deep_inside_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, pointer: str, key: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_with_extra(extra), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}: {pointer}: {MESSAGE.format(key=key)}\n"


def test_validate_finds_every_repeated_key_at_every_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_with_extra('{"k": 0, "k": 1, "in": {"j": 1, "j": 2}}'), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: /extra/in/j: {MESSAGE.format(key='j')}",
        f"{path}: /extra/k: {MESSAGE.format(key='k')}",
    ]


def test_the_matcher_refuses_a_key_repeated_two_objects_deep() -> None:
    matcher = job_report_matcher()
    request = requests.Request(
        "POST", URL, data=_with_extra('{"inner": {"k": 1, "k": 2}}').encode()
    ).prepare()
    matched, reason = matcher(request)
    assert not matched
    assert reason == (
        "request body is not a job report: invalid JSON (the key 'k' appears twice in one "
        "object (receivers disagree on which value wins))"
    )
