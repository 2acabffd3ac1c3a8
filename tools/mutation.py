"""Mutation testing of jobhook-testkit's core with mutmut 3: does the suite fail when
behaviour breaks?

    python tools/mutation.py factory            # one module (jobhook_testkit/factory.py)
    python tools/mutation.py core               # every module listed as `core`
    python tools/mutation.py sender --workers 2 --resume
    python tools/mutation.py core --score-only  # recount the last results, run nothing

Each module runs in its own scratch copy of the repository, .mutation/MODULE/ (git-ignored),
so runs of different modules never share mutmut's state. The configuration lives in
tools/mutation.toml: which test files exercise each module (mutmut then runs, per mutant,
only the tests among them that reach the mutated function) and the equivalent mutants,
each with its reason: source lines no mutant of which is made (``pattern``), or mutants
made but not counted (``mutants``, by the name mutmut gives them).

What makes the figures trustworthy:
- this package is a pytest plugin and its tests start subprocesses (`jobhook ...`,
  `pytester.runpytest_subprocess`): PYTHONPATH points at the mutated copy and mutmut's
  MUTANT_UNDER_TEST is inherited, so the plugin and every subprocess import the mutant,
  not the pristine package;
- reproducible: a fixed --jobhook-seed, Hypothesis derandomized without its example
  database, pytest-randomly off;
- it is slow by nature and not part of .ci/run; it lowers its own CPU priority
  (nice 19) and uses one worker unless told otherwise.

--resume keeps the results of the previous run of a module: it finishes what an
interrupted run left unchecked, then retests the survivors (after adding a test, say).

The score counts killed and timed-out mutants over all mutants made, less the listed
equivalents; "no tests" counts as surviving. Survivors' diffs are written to
.mutation/MODULE/survivors.txt, the scores of every module measured to
.mutation/scores.json.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().with_name("mutation.toml")
SCRATCH = ROOT / ".mutation"
PACKAGE = "jobhook_testkit"
# What the tests need from the checkout besides the package and tests/ (mutmut copies those).
ALSO_COPY = ["schema", "examples", "tools", "README.md", "CHANGELOG.md"]
HYPOTHESIS_PROFILE = "jobhook-mutation"
KILLED = {"killed", "timeout", "crashed", "caught by type check"}


def load_config() -> dict[str, Any]:
    with CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def _toml_list(values: list[str]) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _mutmut_settings(module: str, config: dict[str, Any]) -> str:
    # A test file named in the config but not written yet is left out, not an error.
    tests = [path for path in config["modules"][module]["tests"] if (ROOT / path).exists()]
    patterns = [
        entry["pattern"]
        for entry in config.get("equivalent", [])
        if entry["module"] == module and "pattern" in entry
    ]
    pytest_args = [
        "-p", "no:randomly",
        f"--jobhook-seed={config['seed']}",
        f"--hypothesis-profile={HYPOTHESIS_PROFILE}",
        # Hypothesis is imported before pytest starts (to register that profile), so pytest
        # cannot rewrite its asserts and says so; under -W error that would stop the run.
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]  # fmt: skip
    return "\n".join([
        "",
        "[tool.mutmut]",
        f"source_paths = {_toml_list([PACKAGE])}",
        f"only_mutate = {_toml_list([f'{PACKAGE}/{module}.py'])}",
        f"do_not_mutate_patterns = {_toml_list(patterns)}",
        f"pytest_add_cli_args = {_toml_list(pytest_args)}",
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
        f"also_copy = {_toml_list(ALSO_COPY)}",
        "use_git_change_detection = false",
        f"debug = {'true' if os.environ.get('JOBHOOK_MUTATION_DEBUG') else 'false'}",
        "",
    ])  # fmt: skip


def prepare(module: str, config: dict[str, Any], *, resume: bool) -> Path:
    """A scratch copy of the checkout for one module, with mutmut configured in it."""
    work = SCRATCH / module
    if not resume and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
    for name in [PACKAGE, "tests", *ALSO_COPY]:
        source = ROOT / name
        if source.is_dir():
            # copy2 keeps mtimes: with --resume, mutmut re-mutates only files that changed.
            shutil.copytree(source, work / name, ignore=ignore, dirs_exist_ok=True)
        elif source.exists():
            shutil.copy2(source, work / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(pyproject + _mutmut_settings(module, config), "utf-8")
    return work


# mutmut's exit codes per mutant (its mutmut/stats.py), read here without importing it.
_STATUS = {
    None: "not checked", 0: "survived", 1: "killed", 3: "killed", 5: "no tests",
    33: "no tests", 34: "skipped", 36: "timeout", 37: "caught by type check",
    -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
    -9: "crashed", -11: "crashed",  # e.g. killed past its CPU limit: a change was noticed
}  # fmt: skip


def _results(work: Path, module: str) -> dict[str, str]:
    meta = work / "mutants" / PACKAGE / f"{module}.py.meta"
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {name: _STATUS.get(code, "suspicious") for name, code in codes.items()}


def _is_listed_equivalent(name: str, module: str, config: dict[str, Any]) -> bool:
    """Whether ``name`` (a full mutant name) matches a ``mutants`` entry (a glob on the
    name without the module prefix) listed as equivalent for ``module``."""
    short = name.removeprefix(f"{PACKAGE}.{module}.")
    return any(
        fnmatch.fnmatchcase(short, pattern)
        for entry in config.get("equivalent", [])
        if entry["module"] == module
        for pattern in entry.get("mutants", [])
    )


def score(work: Path, module: str, config: dict[str, Any]) -> dict[str, Any]:
    """Killed over all mutants made, less the equivalent ones listed in the config (a
    listed mutant that was killed after all counts as killed: the list is out of date)."""
    statuses = _results(work, module)
    counts: dict[str, int] = {}
    for name, status in statuses.items():
        if status not in KILLED and _is_listed_equivalent(name, module, config):
            status = "equivalent"
        counts[status] = counts.get(status, 0) + 1
    # Mutants not checked yet (an interrupted run) are left out and shown as such.
    uncounted = ("skipped", "equivalent", "not checked")
    total = sum(n for status, n in counts.items() if status not in uncounted)
    killed = sum(counts.get(status, 0) for status in KILLED)
    return {
        "module": module,
        "killed": killed,
        "total": total,
        "equivalent": counts.get("equivalent", 0),
        "unchecked": counts.get("not checked", 0),
        "percent": round(100 * killed / total, 1) if total else None,
        "counts": counts,
        "survivors": sorted(
            name for name, status in statuses.items()
            if status not in KILLED and status != "not checked"
            and not _is_listed_equivalent(name, module, config)
        ),
        # Listed as equivalent, yet killed: mutmut numbers a function's mutants in order,
        # so after an edit the listed name may mean another mutant. Review the entry.
        "stale": sorted(
            name.removeprefix(f"{PACKAGE}.{module}.") for name, status in statuses.items()
            if status in KILLED and _is_listed_equivalent(name, module, config)
        ),
    }


def run_module(module: str, config: dict[str, Any], *, workers: int, resume: bool) -> int:
    work = prepare(module, config, resume=resume)
    # Python caches "no such directory" for a sys.path entry: make it exist before start.
    (work / "mutants").mkdir(exist_ok=True)
    env = dict(os.environ)
    # Subprocesses (the `jobhook` CLI, pytester's runpytest_subprocess) import the mutant.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(work / "mutants"), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PYTHONHASHSEED"] = "0"
    command = [sys.executable, str(Path(__file__).resolve()), "--inner", str(workers)]
    survivors = score(work, module, config)["survivors"] if resume else []
    # Without names mutmut tests what it has no result for (new or changed functions, or
    # an interrupted run); with names it retests those: the survivors of the last run.
    code = subprocess.run(command, cwd=work, env=env, check=False).returncode
    if survivors and not code:
        code = subprocess.run([*command, *survivors], cwd=work, env=env, check=False).returncode
    return code


def _inner(workers: int, names: list[str]) -> int:
    """Runs inside the scratch copy: mutmut, then the survivors' diffs."""
    from hypothesis import settings

    # mutmut runs pytest in this process (and forks of it), so a profile registered here
    # is the one --hypothesis-profile loads.
    settings.register_profile(
        HYPOTHESIS_PROFILE, derandomize=True, database=None, deadline=None, print_blob=False
    )
    _forget_test_imports_between_sessions()
    from mutmut.__main__ import cli

    try:
        cli.main(["run", "--max-children", str(workers), *names], standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            return int(exc.code) if isinstance(exc.code, int) else 1
    return 0


def _forget_test_imports_between_sessions() -> None:
    """mutmut runs pytest several times in this one process (recording which tests reach
    which function, the clean run) and forks every mutant's run from it. A test that loads
    an app from a file it wrote (``jobhook check --app TMP/app.py:app``) leaves that module
    in ``sys.modules`` and its directory on ``sys.path``; the next session writes the file
    anew in another temporary directory, and the app loader rightly refuses the stale module
    of the same name (exit 2). Each session therefore ends by forgetting the modules
    imported from temporary directories and the import paths it added, as a fresh
    ``pytest`` process would."""
    import tempfile

    import pytest

    temporary = str(Path(tempfile.gettempdir()).resolve())
    run_pytest = pytest.main

    def _from_temporary(module: Any) -> bool:
        origin = getattr(module, "__file__", None)
        return isinstance(origin, str) and str(Path(origin).resolve()).startswith(temporary)

    def main_then_forget(*args: Any, **kwargs: Any) -> Any:
        path, known = list(sys.path), set(sys.modules)
        try:
            return run_pytest(*args, **kwargs)
        finally:
            for name in set(sys.modules) - known:
                if _from_temporary(sys.modules[name]):
                    del sys.modules[name]
            sys.path[:] = path

    pytest.main = main_then_forget  # type: ignore[assignment]


def _write_survivors(work: Path, result: dict[str, Any]) -> None:
    lines: list[str] = []
    if result["survivors"]:
        diffs = subprocess.run(
            [sys.executable, "-c", _SHOW, *result["survivors"]],
            cwd=work, capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines.append(diffs.stdout + diffs.stderr)
    (work / "survivors.txt").write_text("".join(lines), encoding="utf-8")


_SHOW = """
import sys
from mutmut.__main__ import show
for name in sys.argv[1:]:
    try:
        show.main([name], standalone_mode=False)
    except Exception as exc:
        print(f"# {name}: {exc}")
    print()
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--inner"]:
        return _inner(int(args[1]), args[2:])
    config = load_config()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="module names (factory, _wire, ...) or core")
    parser.add_argument("--workers", type=int, default=1, help="mutants tested at once (1)")
    parser.add_argument(
        "--resume", action="store_true",
        help="keep earlier results: test what is unchecked, retest the survivors",
    )
    parser.add_argument(
        "--score-only", action="store_true",
        help="run nothing: recount the last results (after editing the equivalents)",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the table for README's Developing"
    )
    parser.add_argument("--no-nice", action="store_true", help="keep the normal CPU priority")
    options = parser.parse_args(args)
    modules: list[str] = []
    for target in options.targets:
        for module in config["core"] if target == "core" else [target]:
            if module not in config["modules"]:
                parser.error(f"unknown module {module!r}; known: {', '.join(config['modules'])}")
            modules.append(module)
    from importlib.metadata import entry_points

    if not any(ep.value.startswith(PACKAGE) for ep in entry_points(group="pytest11")):
        parser.error(f"{PACKAGE} is not installed for {sys.executable}: pip install -e '.[test]'")
    if not options.no_nice:
        os.nice(19 - os.nice(0))
    rows = []
    for module in modules:
        code = 0
        if not options.score_only:
            code = run_module(module, config, workers=options.workers, resume=options.resume)
        result = score(SCRATCH / module, module, config)
        if (SCRATCH / module).is_dir():  # (never run: nothing to show)
            _write_survivors(SCRATCH / module, result)
        rows.append(result)
        if code:
            print(f"{module}: mutmut exited with {code}", file=sys.stderr)
    print()
    print(
        f"{'module':<12} {'killed/total':>13} {'score':>7} {'equivalent':>10} "
        f"{'unchecked':>9}  survivors"
    )
    for row in rows:
        percent = "-" if row["percent"] is None else f"{row['percent']:.1f}%"
        where = f".mutation/{row['module']}/survivors.txt" if row["survivors"] else ""
        fraction = f"{row['killed']}/{row['total']}"
        print(
            f"{row['module']:<12} {fraction:>13} {percent:>7} {row['equivalent']:>10} "
            f"{row['unchecked']:>9}  "
            f"{len(row['survivors'])} {where}"
        )
    for row in rows:
        if row["stale"]:
            print(f"{row['module']}: listed as equivalent but killed, so the entry may name "
                  f"other mutants now (review tools/mutation.toml): {', '.join(row['stale'])}",
                  file=sys.stderr)
    if options.markdown:
        print()
        print("| module | killed / mutants | score | equivalent | not yet checked |")
        print("|---|---:|---:|---:|---:|")
        for row in rows:
            percent = "-" if row["percent"] is None else f"{row['percent']:.1f}%"
            print(f"| `{row['module']}.py` | {row['killed']} / {row['total']} | {percent} | "
                  f"{row['equivalent']} | {row['unchecked']} |")
    # The latest figures of every module measured so far, for README's Developing section.
    latest = SCRATCH / "scores.json"
    known = json.loads(latest.read_text(encoding="utf-8")) if latest.exists() else {}
    known = known if isinstance(known, dict) else {}
    known.update({row["module"]: {k: v for k, v in row.items() if k not in ("survivors", "stale")}
                  for row in rows})
    latest.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
