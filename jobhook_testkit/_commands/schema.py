"""``jobhook schema``: print the contract (JSON Schema or OpenAPI) or where it is installed.

For editors and other validators: ``jobhook schema > job-report.schema.json``, or point a
tool at ``$(jobhook schema --path)``. The bytes printed are the packaged file's, unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "print the job-report JSON Schema (or the OpenAPI document, or the installed file's path)"

_FILES = {False: "job-report.schema.json", True: "openapi.yaml"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--openapi", action="store_true",
        help="the OpenAPI 3.1 document (a webhooks entry) instead; its $ref names "
        "job-report.schema.json in the same directory (see --path)",
    )
    parser.add_argument(
        "--path", action="store_true",
        help="print the installed file's absolute path instead of its content",
    )


def run(args: argparse.Namespace) -> int:
    from importlib import resources

    resource = resources.files("jobhook_testkit") / "data" / _FILES[bool(args.openapi)]
    if args.path:
        if not isinstance(resource, Path):  # installed inside a zip: there is no file
            print(
                f"jobhook schema: {resource.name} is not installed as a file here "
                "(run without --path to print its content)",
                file=sys.stderr,
            )
            return 2
        print(resource.resolve())
        return 0
    data = resource.read_bytes()
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is not None:
        out.write(data)
        out.flush()
    else:  # a replaced stdout (capsys) has no byte layer; the files are UTF-8
        sys.stdout.write(data.decode("utf-8"))
    return 0
