"""This repository is a pre-commit hook repository: the `jobhook-validate` hook, run by
pre-commit itself (which builds a virtualenv and pip-installs the project: slow, network).

The project's current files (committed or not) are copied into a scratch git repository,
so the test checks this checkout, from a developer's tree or CI's fresh clone alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobhook_testkit.factory import JobReportFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout


def hook_repository(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding this checkout's files, and its commit."""
    repo = tmp_path / "hook-repo"
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is skipped
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hook repository under test")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``pre-commit ARGS`` (several run at once: each spends its time installing)."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        # The hook's virtualenv may reuse dependencies this interpreter already has (pip
        # then skips downloading them); whatever is missing is installed as usual.
        "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1",
    }
    env.pop("VIRTUAL_ENV", None)  # pre-commit builds the hook's own environment
    return subprocess.Popen(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        out, _ = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out


def test_manifest_declares_the_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "jobhook-validate"
    assert hook["entry"] == "jobhook validate"
    assert hook["language"] == "python"
    assert "args" not in hook  # the user's `args` reach `jobhook validate` unchanged


def readme_config() -> dict[str, Any]:
    """The .pre-commit-config.yaml block shown in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    config: dict[str, Any] = yaml.safe_load(block)
    return config


def make_project(tmp_path: Path, name: str) -> Path:
    project = tmp_path / name
    fixtures = project / "tests" / "fixtures"
    fixtures.mkdir(parents=True)
    factory = JobReportFactory(seed=15)
    (fixtures / "good.json").write_text(json.dumps(factory.build()), encoding="utf-8")
    lines = [json.dumps(factory.build()), json.dumps({**factory.build(), "total_failed": -1})]
    (fixtures / "bad.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    uneven = factory.build()
    uneven["total_operations"] = uneven["total_succeeded"] + uneven["total_failed"] + 1
    (fixtures / "uneven.json").write_text(json.dumps(uneven), encoding="utf-8")
    (project / "package.json").write_text("{}", encoding="utf-8")  # not a job report
    (fixtures / "notes.md").write_text("# not JSON at all\n", encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    return project


def test_try_repo_passes_a_valid_file_and_fails_an_invalid_one(tmp_path: Path) -> None:
    repo, commit = hook_repository(tmp_path)
    valid, invalid, configured = (make_project(tmp_path, n) for n in ("a", "b", "c"))
    # The README's config, pointed at the repository under test.
    config = readme_config()
    (entry,) = config["repos"]
    entry.update(repo=str(repo), rev=commit)
    (hook,) = entry["hooks"]
    assert hook["id"] == "jobhook-validate" and hook["args"] == ["--strict"]
    (configured / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), "utf-8")
    git(configured, "add", "-A")
    configured_files = ["tests/fixtures/good.json", "tests/fixtures/uneven.json", "package.json",
                        "tests/fixtures/notes.md"]

    runs = [
        pre_commit(valid, tmp_path / "home-a", "try-repo", str(repo), "jobhook-validate",
                   "--ref", commit, "--files", "tests/fixtures/good.json",
                   "tests/fixtures/uneven.json"),
        pre_commit(invalid, tmp_path / "home-b", "try-repo", str(repo), "jobhook-validate",
                   "--ref", commit, "--files", "tests/fixtures/good.json",
                   "tests/fixtures/bad.ndjson"),
        pre_commit(configured, tmp_path / "home-c", "run", "--files", *configured_files),
    ]
    (passed, passed_out), (failed, failed_out), (strict, strict_out) = map(finish, runs)

    assert passed == 0, passed_out
    assert "jobhook validate" in passed_out and "Passed" in passed_out

    assert failed == 1, failed_out
    assert "Failed" in failed_out
    assert "tests/fixtures/bad.ndjson:2: /total_failed: -1 is less than the minimum of 0" in (
        failed_out
    )
    assert "good.json:" not in failed_out

    # `args: [--strict]` reached `jobhook validate` (a warning became an error) and
    # `files` kept package.json out of it.
    assert strict == 1, strict_out
    assert "tests/fixtures/uneven.json: /total_operations: total_succeeded" in strict_out
    assert "package.json" not in strict_out
    assert "notes.md" not in strict_out  # `files` narrows to the fixtures' JSON, not all files
