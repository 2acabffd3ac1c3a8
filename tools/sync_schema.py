"""Copy the canonical contract files from schema/ into the package (jobhook_testkit/data/).

schema/ is what humans read and link to; the package carries byte-identical copies so
that wheels, sdists and editable installs all load the same bytes through
importlib.resources. tests/packaging/test_schema_copies.py fails until this has been run.

    python tools/sync_schema.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "schema"
TARGET = ROOT / "jobhook_testkit" / "data"


def main() -> int:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(SOURCE, TARGET)
    count = sum(1 for path in TARGET.rglob("*") if path.is_file())
    print(f"copied {count} files from {SOURCE.relative_to(ROOT)}/ to {TARGET.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
