"""One source of truth: the package carries byte-identical copies of schema/.

Checked for the installed package (editable in development and CI), and for a wheel and
an sdist built from this checkout (the wheel built *from the sdist*, as pip would).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from jobhook_testkit import load_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schema"
SYNC = "python tools/sync_schema.py"


def _canonical() -> dict[str, bytes]:
    return {
        path.relative_to(SCHEMA_DIR).as_posix(): path.read_bytes()
        for path in sorted(SCHEMA_DIR.rglob("*"))
        if path.is_file()
    }


def _installed(node: object, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for child in node.iterdir():  # type: ignore[attr-defined]
        name = f"{prefix}{child.name}"
        if child.is_dir():
            found.update(_installed(child, name + "/"))
        else:
            found[name] = child.read_bytes()
    return found


def _diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    return f"missing={missing} extra={extra} differing={changed}; run: {SYNC}"


def test_installed_package_carries_schema_byte_for_byte() -> None:
    installed = _installed(resources.files("jobhook_testkit") / "data")
    assert installed == _canonical(), _diff(_canonical(), installed)


def test_load_schema_reads_the_packaged_copy() -> None:
    import json

    assert load_schema() == json.loads((SCHEMA_DIR / "job-report.schema.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the [test] extra installs the backend, and CI has no time to spare
    # downloading it again. `build` makes the sdist first, then the wheel from the sdist.
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


@pytest.mark.slow
def test_wheel_built_from_sdist_carries_schema_byte_for_byte(built: Path) -> None:
    (wheel,) = built.glob("*.whl")
    prefix = "jobhook_testkit/data/"
    with zipfile.ZipFile(wheel) as archive:
        found = {
            name[len(prefix):]: archive.read(name)
            for name in archive.namelist()
            if name.startswith(prefix) and not name.endswith("/")
        }
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        entry_text = archive.read(entry_points).decode()
    assert found == _canonical(), _diff(_canonical(), found)
    assert "jobhook_testkit/py.typed" in names
    assert "[pytest11]" in entry_text and "jobhook = jobhook_testkit.plugin" in entry_text
    assert "jobhook = jobhook_testkit.cli:main" in entry_text


@pytest.mark.slow
def test_sdist_carries_both_copies(built: Path) -> None:
    (sdist,) = built.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if m.isfile()}
        for relative, data in _canonical().items():
            for copy in (f"schema/{relative}", f"jobhook_testkit/data/{relative}"):
                member = archive.extractfile(members[copy])
                assert member is not None and member.read() == data, copy


def _load_sync_tool() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_schema", ROOT / "tools" / "sync_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sync_tool_rewrites_only_what_differs_and_never_empties_the_target(
    tmp_path: Path,
) -> None:
    # It used to delete the whole data/ directory and copy it again: a test run beside
    # it (or a copy failing halfway) found the package without its schema.
    sync_tool: Any = _load_sync_tool()
    source, target = tmp_path / "schema", tmp_path / "data"
    (source / "examples" / "valid").mkdir(parents=True)
    (source / "a.json").write_bytes(b"{}")
    (source / "examples" / "valid" / "b.json").write_bytes(b"[1]")
    (target / "old").mkdir(parents=True)
    (target / "old" / "gone.json").write_bytes(b"x")
    (target / "a.json").write_bytes(b"{}")
    untouched = (target / "a.json").stat().st_ino

    assert sync_tool.sync(source, target) == (1, 1)
    assert _tree(target) == _tree(source)
    assert (target / "a.json").stat().st_ino == untouched  # identical: not rewritten
    assert not (target / "old").exists()
    assert sync_tool.sync(source, target) == (0, 0)
    with pytest.raises(FileNotFoundError):
        sync_tool.sync(tmp_path / "absent", target)
    assert _tree(target) == _tree(source)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_wheel_carries_the_inspectors_static_page(built: Path) -> None:
    static = ROOT / "jobhook_testkit" / "_inspector" / "static"
    expected = {path.name: path.read_bytes() for path in static.iterdir()}
    assert set(expected) == {"index.html", "inspector.js", "inspector.css"}
    (wheel,) = built.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        found = {name: archive.read(f"jobhook_testkit/_inspector/static/{name}")
                 for name in expected}
    assert found == expected
