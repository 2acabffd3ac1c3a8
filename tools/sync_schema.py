"""Copy the canonical contract files from schema/ into the package (jobhook_testkit/data/).

schema/ is what humans read and link to; the package carries byte-identical copies so
that wheels, sdists and editable installs all load the same bytes through
importlib.resources. tests/packaging/test_schema_copies.py fails until this has been run.

    python tools/sync_schema.py

Only files that differ are rewritten, each one atomically (a temporary file renamed over
the old one), and files no longer in schema/ are removed last: the package never goes
without its schema, not even while this runs next to a test run or fails halfway.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "schema"
TARGET = ROOT / "jobhook_testkit" / "data"


def _files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def sync(source: Path = SOURCE, target: Path = TARGET) -> tuple[int, int]:
    """Make ``target`` a byte-identical copy of ``source``; return (written, removed)."""
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is not a directory: nothing to copy")
    wanted = _files(source)
    written = 0
    for relative, path in wanted.items():
        data = path.read_bytes()
        destination = target / relative
        if not destination.is_file() or destination.read_bytes() != data:
            _write_atomically(destination, data)
            written += 1
    removed = 0
    for relative, path in _files(target).items() if target.is_dir() else ():
        if relative not in wanted:
            path.unlink()
            removed += 1
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return written, removed


def main() -> int:
    try:
        written, removed = sync()
    except OSError as exc:
        print(f"sync_schema: {exc}", file=sys.stderr)
        return 2
    print(
        f"{SOURCE.relative_to(ROOT)}/ -> {TARGET.relative_to(ROOT)}/: "
        f"{written} file(s) written, {removed} removed, {len(_files(SOURCE))} in sync"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
