"""``jobhook generate``: realistic job reports (or the edge-case corpus) as NDJSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from jobhook_testkit._commands import _options

if TYPE_CHECKING:
    from jobhook_testkit.factory import JobReportFactory

HELP = "print realistic job reports as NDJSON (one compact report per line)"




def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-n", "--count", type=_options.whole_number, default=None, metavar="N",
        help="how many reports (default 1); ids are distinct",
    )
    _options.add_seed(
        parser, "seed: the same seed prints the same reports (default: random, shown on stderr)"
    )
    _options.add_report_shape(
        parser, status_help="fix the status (default: a realistic mix of SUCCESS and FAILURE)",
        type_help="fix the job type (default: mostly export, some import)",
    )
    parser.add_argument(
        "--locale", default=None, metavar="L",
        help="Faker locale for definition names, e.g. fr_FR, de_DE, ja_JP",
    )
    parser.add_argument(
        "--edge-cases", action="store_true",
        help="print the named edge-case corpus instead (takes no other option)",
    )


def _reports(factory: JobReportFactory, count: int, **overrides: Any) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    while len(seen) < count:
        report = factory.build(**overrides)
        if report["id"] not in seen:
            seen.add(report["id"])
            yield report


def _write(reports: Iterable[dict[str, Any]]) -> None:
    # UTF-8 whatever the console's encoding: names hold accents, other scripts, emoji.
    out = getattr(sys.stdout, "buffer", None)
    for report in reports:
        line = json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n"
        if out is not None:
            out.write(line.encode("utf-8"))
        else:
            sys.stdout.write(line)
    if out is not None:
        out.flush()


def run(args: argparse.Namespace) -> int:
    if args.edge_cases:
        given = [
            flag for flag, value in (
                ("--count", args.count), ("--seed", args.seed), ("--status", args.status),
                ("--type", args.job_type), ("--locale", args.locale),
            ) if value is not None
        ]
        if given:
            print(f"jobhook generate: --edge-cases takes no {', '.join(given)}", file=sys.stderr)
            return 2
        from jobhook_testkit._edge_cases import edge_cases

        sys.stdout.flush()
        _write(case.payload for case in edge_cases())
        return 0
    from jobhook_testkit.factory import JobReportFactory

    try:
        factory = JobReportFactory(seed=args.seed, locale=args.locale)
    except ValueError as exc:  # an unknown locale
        print(f"jobhook generate: {exc}", file=sys.stderr)
        return 2
    if args.seed is None:
        print(
            f"jobhook generate: seed {factory.seed} (pass --seed {factory.seed} to repeat)",
            file=sys.stderr,
        )
    overrides: dict[str, Any] = {}
    if args.status is not None:
        overrides["status"] = args.status
    if args.job_type is not None:
        overrides["type"] = args.job_type
    count = 1 if args.count is None else args.count
    sys.stdout.flush()
    _write(_reports(factory, count, **overrides))
    return 0
