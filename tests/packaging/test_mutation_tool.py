"""tools/mutation.py: its configuration names real files, and its score counts honestly.

The mutation run itself is too slow for the suite (README: Developing); this checks what
would silently make its figures wrong: a module or test file that no longer exists, an
equivalent listed for the wrong module, a score that counts survivors as kills.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    path = ROOT / "tools" / "mutation.py"
    spec = importlib.util.spec_from_file_location("jobhook_mutation_tool", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def config(tool: ModuleType) -> dict[str, Any]:
    loaded: dict[str, Any] = tool.load_config()
    return loaded


def test_every_core_module_exists_and_has_tests_configured(config: dict[str, Any]) -> None:
    assert config["core"], "no core modules"
    for module in config["core"]:
        assert (ROOT / "jobhook_testkit" / f"{module}.py").is_file(), module
        tests = config["modules"][module]["tests"]
        assert tests, module
        # Files not written yet are skipped by the tool; most must exist, or the module
        # would be measured against nothing.
        assert sum((ROOT / path).exists() for path in tests) >= len(tests) - 1, module


def test_equivalents_name_a_known_module_and_give_a_reason(config: dict[str, Any]) -> None:
    for entry in config.get("equivalent", []):
        assert entry["module"] in config["modules"], entry
        assert len(entry["reason"]) > 20, entry
        assert ("pattern" in entry) != ("mutants" in entry), entry
        if "pattern" in entry:
            source = (ROOT / "jobhook_testkit" / f"{entry['module']}.py").read_text("utf-8")
            assert re.search(entry["pattern"], source, re.MULTILINE), entry


def test_the_mutmut_settings_select_the_module_and_its_tests(
    tool: ModuleType, config: dict[str, Any]
) -> None:
    import tomllib

    settings = tomllib.loads(tool._mutmut_settings("factory", config))["tool"]["mutmut"]
    assert settings["only_mutate"] == ["jobhook_testkit/factory.py"]
    assert "tests/unit/test_factory.py" in settings["pytest_add_cli_args_test_selection"]
    assert f"--jobhook-seed={config['seed']}" in settings["pytest_add_cli_args"]
    assert "--hypothesis-profile=jobhook-mutation" in settings["pytest_add_cli_args"]


def test_the_score_excludes_listed_equivalents_and_counts_the_rest(
    tool: ModuleType, tmp_path: Path
) -> None:
    meta = tmp_path / "mutants" / "jobhook_testkit" / "factory.py.meta"
    meta.parent.mkdir(parents=True)
    prefix = "jobhook_testkit.factory.x_f__mutmut_"
    codes = {"1": 1, "2": 1, "3": 0, "4": 0, "5": 33, "6": 36, "7": 1, "8": None}
    meta.write_text(json.dumps({
        "exit_code_by_key": {prefix + n: code for n, code in codes.items()},
        "durations_by_key": {},
    }))
    config = {"equivalent": [
        {"module": "factory", "mutants": ["x_f__mutmut_4", "x_f__mutmut_7"], "reason": "r"},
    ]}
    result = tool.score(tmp_path, "factory", config)
    # Killed: 1, 2, 7 (listed, but killed after all) and 6 (a timeout). Survivors: 3 and 5
    # ("no tests" is not a kill). 4 is equivalent and 8 not checked yet: out of the total.
    assert (result["killed"], result["total"], result["equivalent"]) == (4, 6, 1)
    assert result["unchecked"] == 1
    assert result["survivors"] == [prefix + "3", prefix + "5"]
    assert result["percent"] == 66.7
    assert result["stale"] == ["x_f__mutmut_7"]  # listed, yet killed: the name may be stale


def test_each_pytest_session_under_mutmut_forgets_apps_loaded_from_temporary_files(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mutmut runs pytest more than once in one process: an app a test wrote to its tmp_path
    # and loaded must not be found, stale, by the next session (`check --app` exits 2).
    import sys

    (tmp_path / "written_by_a_test_app.py").write_text("app = 'first'\n", encoding="utf-8")

    def session(*args: Any, **kwargs: Any) -> int:
        sys.path.insert(0, str(tmp_path))
        __import__("written_by_a_test_app")
        __import__("jobhook_testkit.contract")  # the package's own modules stay imported
        return 0

    monkeypatch.setattr(pytest, "main", session)
    path_before = list(sys.path)
    tool._forget_test_imports_between_sessions()

    assert pytest.main(["-q"]) == 0
    assert "written_by_a_test_app" not in sys.modules
    assert "jobhook_testkit.contract" in sys.modules
    assert sys.path == path_before
