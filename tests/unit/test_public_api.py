"""The public surface: everything users call is importable from jobhook_testkit itself."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import jobhook_testkit


def test_all_is_sorted_public_and_complete() -> None:
    assert jobhook_testkit.__all__ == sorted(jobhook_testkit.__all__)
    assert not [name for name in jobhook_testkit.__all__ if name.startswith("_")]
    assert sorted(jobhook_testkit._EXPORTS) == jobhook_testkit.__all__


@pytest.mark.parametrize("name", jobhook_testkit.__all__)
def test_every_exported_name_resolves_to_its_defining_module(name: str) -> None:
    value = getattr(jobhook_testkit, name)
    module = importlib.import_module(f"jobhook_testkit.{jobhook_testkit._EXPORTS[name]}")
    assert value is getattr(module, name)
    assert name in dir(jobhook_testkit)


@pytest.mark.parametrize(
    "name",
    ["validate", "assert_valid", "load_schema", "JobReportFactory", "JobReportProvider",
     "edge_cases", "FakeSender", "Delivery", "serve_wsgi", "check_receiver", "ContractReport",
     "ReceiverContract", "assert_acknowledged"],
)
def test_the_names_the_design_promises_are_exported(name: str) -> None:
    assert name in jobhook_testkit.__all__


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        jobhook_testkit.nope  # noqa: B018


def test_importing_the_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, jobhook_testkit;"
        "heavy = {'faker', 'jsonschema', 'werkzeug', 'requests', 'responses', 'hypothesis'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_the_package_ships_py_typed() -> None:
    from importlib import resources

    assert (resources.files("jobhook_testkit") / "py.typed").is_file()
