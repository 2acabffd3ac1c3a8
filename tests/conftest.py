"""Shared test helpers. The jobhook plugin itself is active through its entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

import jobhook_testkit

ROOT = Path(__file__).resolve().parent.parent

# Resolve every public name now. pytester's in-process runs restore sys.modules after each
# run, so a module first imported during one is imported again later, while the package
# keeps (caches) the names it resolved from the first copy: `pytest.raises(
# ContractFailedError)` then misses the error the second copy raises, depending on order.
for _name in jobhook_testkit.__all__:
    getattr(jobhook_testkit, _name)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout the tests run from."""
    return ROOT
