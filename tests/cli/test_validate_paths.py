"""`jobhook validate` says the same thing on the compiled and the pure-Python path
(JOBHOOK_PURE_PYTHON=1), run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _corpus_lines import corpus_lines

pytestmark = pytest.mark.slow


def _validate(path: Path, *, pure: bool) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "JOBHOOK_PURE_PYTHON"}
    if pure:
        env["JOBHOOK_PURE_PYTHON"] = "1"
    probe = ("import sys; from jobhook_testkit import schema; from jobhook_testkit.cli import "
             "main; code = main(sys.argv[1:]); print('compiled:', schema._fast_validator() "
             "is not None, file=sys.stderr); raise SystemExit(code)")
    return subprocess.run(
        [sys.executable, "-c", probe, "validate", "--strict", "--format", "json", str(path)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )


def test_pure_and_compiled_paths_report_the_same(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_text("".join(line + "\n" for line in corpus_lines(400)), encoding="utf-8")
    compiled, pure = _validate(path, pure=False), _validate(path, pure=True)
    assert "compiled: True" in compiled.stderr
    assert "compiled: False" in pure.stderr
    assert (pure.returncode, pure.stdout) == (compiled.returncode, compiled.stdout)
    result = json.loads(pure.stdout)
    assert pure.returncode == 1
    assert 100 < result["invalid_documents"] < result["documents"] - 100
