"""The run seed: option, ini, header, replay section, order independence, pytest-xdist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from jobhook_testkit.plugin import derive_seed, replay_command

# Each inner test writes the report its fixture gave it to OUT/<test name>.json, and the
# run seed it saw to OUT/<test name>.seed.
RECORDING_TESTS = """
import json
from pathlib import Path
from jobhook_testkit.plugin import jobhook_seed

OUT = Path({out!r})

def _keep(request, report):
    OUT.mkdir(exist_ok=True)
    name = request.node.name
    (OUT / (name + ".json")).write_text(json.dumps(report))
    (OUT / (name + ".seed")).write_text(str(jobhook_seed(request.config)))

def test_alpha(request, job_report):
    _keep(request, job_report)

def test_beta(request, job_report_factory):
    _keep(request, job_report_factory.build_batch(3))

def test_gamma(request, job_report):
    _keep(request, job_report)

def test_delta(request, job_report_factory):
    _keep(request, job_report_factory.failure())
"""


# Plugins that play no part here but cost ~1 s per fresh process (Hypothesis' most).
UNRELATED_PLUGINS = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:anyio")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*UNRELATED_PLUGINS, *args)


def _recorded(out: Path) -> dict[str, object]:
    found = {path.name: json.loads(path.read_text()) for path in sorted(out.iterdir())}
    for path in out.iterdir():
        path.unlink()
    return found


def _header_seed(result: pytest.RunResult) -> int:
    match = re.search(r"^jobhook: seed (\d+) \(replay with --jobhook-seed=\1\)$",
                      result.stdout.str(), re.MULTILINE)
    assert match, result.stdout.str()
    return int(match.group(1))


@pytest.fixture
def recording(pytester: pytest.Pytester) -> Path:
    out = pytester.path / "out"
    pytester.makepyfile(test_rec=RECORDING_TESTS.format(out=str(out)))
    return out


def test_option_sets_the_seed_shown_in_the_header(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = _run(pytester, "--jobhook-seed=4242")
    assert _header_seed(result) == 4242


def test_ini_sets_the_seed_and_the_option_wins(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\njobhook_seed = 31337\n")
    pytester.makepyfile("def test_ok(): pass")
    assert _header_seed(_run(pytester)) == 31337
    assert _header_seed(_run(pytester, "--jobhook-seed=5")) == 5


def test_without_a_seed_each_run_draws_a_new_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok(): pass")
    seeds = {_header_seed(_run(pytester)) for _ in range(3)}
    assert len(seeds) == 3


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5"])
def test_a_bad_seed_is_a_usage_error(pytester: pytest.Pytester, bad: str) -> None:
    pytester.makepyfile("def test_ok(): pass")
    result = _run(pytester, f"--jobhook-seed={bad}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--jobhook-seed: expected a non-negative integer, got '{bad}'"])

    pytester.makeini(f"[pytest]\njobhook_seed = {bad}\n")
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini option jobhook_seed: expected a non-negative integer*"])


def test_failing_tests_get_a_replay_section_even_under_q(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_passes(job_report):
            pass

        def test_fails(job_report):
            assert job_report["status"] == "nope"

        @pytest.fixture
        def broken():
            raise RuntimeError("setup broke")

        def test_errors_in_setup(broken):
            pass
        """
    )
    result = _run(pytester, "-q", "--jobhook-seed=99", "-rA")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    text = result.stdout.str()
    assert "jobhook: seed" not in text  # -q hides the header: the section must carry it
    result.stdout.fnmatch_lines(
        [
            "*- jobhook -*",
            "seed:   99",
            "replay: pytest --jobhook-seed=99 'test_failing_tests_get_a_replay_section_even_"
            "under_q.py::test_fails'",
        ]
    )
    assert "::test_errors_in_setup'" in text
    assert "::test_passes'" not in text


def test_the_replay_command_reproduces_the_payloads(
    pytester: pytest.Pytester, recording: Path
) -> None:
    pytester.makepyfile(
        test_fail="""
        import json
        from pathlib import Path

        def test_boom(job_report):
            Path("boom.json").write_text(json.dumps(job_report))
            assert False
        """
    )
    first = _run(pytester, "test_fail.py")
    seen = json.loads((pytester.path / "boom.json").read_text())
    line = next(line for line in first.outlines if line.startswith("replay: "))
    argv = shlex.split(line.removeprefix("replay: "))
    assert argv[0] == "pytest" and argv[2] == "test_fail.py::test_boom"
    _run(pytester, *argv[1:])
    assert json.loads((pytester.path / "boom.json").read_text()) == seen


def test_the_replay_command_works_from_the_directory_pytest_was_run_in(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Node ids are relative to the rootdir, but pytest reads paths relative to where it
    # was started: run from a subdirectory, 'sub/test_fail.py::...' was "not found".
    pytester.makeini("[pytest]\n")
    sub = pytester.mkdir("sub")
    (sub / "test_fail.py").write_text(
        "import json, pathlib\n"
        "def test_boom(job_report):\n"
        "    pathlib.Path('boom.json').write_text(json.dumps(job_report))\n"
        "    assert False\n"
    )
    monkeypatch.chdir(sub)
    first = _run(pytester, "-q", "test_fail.py")
    seen = json.loads((sub / "boom.json").read_text())
    line = next(line for line in first.outlines if line.startswith("replay: "))
    argv = shlex.split(line.removeprefix("replay: "))
    assert argv[2] == "test_fail.py::test_boom"
    _run(pytester, *argv[1:]).assert_outcomes(failed=1)
    assert json.loads((sub / "boom.json").read_text()) == seen


def test_payloads_do_not_depend_on_order_or_selection(
    pytester: pytest.Pytester, recording: Path
) -> None:
    _run(pytester, "--jobhook-seed=123").assert_outcomes(passed=4)
    everything = _recorded(recording)
    _run(pytester, "--jobhook-seed=123", "-k", "gamma or beta").assert_outcomes(passed=2)
    subset = _recorded(recording)
    assert subset == {name: everything[name] for name in subset}
    assert set(subset) == {"test_beta.json", "test_beta.seed", "test_gamma.json",
                           "test_gamma.seed"}
    assert everything["test_alpha.json"] != everything["test_gamma.json"]

    _run(pytester, "--jobhook-seed=124").assert_outcomes(passed=4)
    assert _recorded(recording)["test_alpha.json"] != everything["test_alpha.json"]


def test_xdist_workers_share_the_controllers_seed_and_build_the_same_payloads(
    pytester: pytest.Pytester, recording: Path
) -> None:
    # No seed given: the controller draws one and hands it to both workers.
    pytester.makepyfile(test_fail="def test_boom(job_report):\n    assert False\n")
    result = pytester.runpytest_subprocess(
        *UNRELATED_PLUGINS, "-p", "no:faker", "-n", "2", timeout=60
    )
    result.assert_outcomes(passed=4, failed=1)
    seed = _header_seed(result)
    recorded = _recorded(recording)
    assert {recorded[f"test_{n}.seed"] for n in ("alpha", "beta", "gamma", "delta")} == {seed}
    # The section comes from the worker that ran the test, with the shared seed.
    result.stdout.fnmatch_lines([f"replay: pytest --jobhook-seed={seed} 'test_fail.py::test_boom'"])

    # The same seed without xdist (one process, another order of tests): same payloads.
    _run(pytester, f"--jobhook-seed={seed}", "-p", "no:xdist").assert_outcomes(
        passed=4, failed=1)
    assert _recorded(recording) == recorded


def test_helpers_are_stable_and_shell_safe() -> None:
    # Changing the derivation would silently change every user's recorded seeds.
    assert derive_seed(1, "a.py::t") == 7443407539662124
    assert derive_seed(1, "a.py::t") != derive_seed(2, "a.py::t")
    assert derive_seed(1, "a.py::t") != derive_seed(1, "a.py::u")
    nodeid = "tests/test_x.py::test_it[it's $HOME `x`]"
    command = replay_command(7, nodeid)
    assert command.startswith("pytest --jobhook-seed=7 '")
    assert shlex.split(command) == ["pytest", "--jobhook-seed=7", nodeid]


def test_a_section_that_cannot_be_rendered_does_not_stop_the_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from jobhook_testkit.plugin import add_failure_section

        @pytest.fixture
        def fragile(request):
            add_failure_section(request.node, "jobhook extra", lambda: 1 / 0)

        def test_fails(fragile):
            assert False

        def test_next():
            pass
        """
    )
    result = _run(pytester, "-q", "--jobhook-seed=1")
    result.assert_outcomes(passed=1, failed=1)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["*- jobhook extra -*",
                                 "(could not be shown: ZeroDivisionError: division by zero)"])
