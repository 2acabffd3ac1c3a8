"""A plain install brings the compiled validator where it has wheels, and only there."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return {Requirement(text).name: Requirement(text) for text in project["dependencies"]}


def test_jsonschema_rs_is_a_regular_dependency_on_cpython_only() -> None:
    requirement = _requirements()["jsonschema-rs"]
    assert requirement.marker is not None
    cpython = {"platform_python_implementation": "CPython"}
    pypy = {"platform_python_implementation": "PyPy"}
    assert requirement.marker.evaluate(cpython)
    assert not requirement.marker.evaluate(pypy)
    assert str(requirement.marker) == str(Marker('platform_python_implementation == "CPython"'))


def test_jsonschema_stays_the_reference() -> None:
    assert "jsonschema" in _requirements()
