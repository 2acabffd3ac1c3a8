"""Wall time of the conformance suite against the bundled Flask example vs its deliveries.

    python benchmarks/bench_check.py [--rounds R]

The suite's wall time should be dominated by the receiver, not by us. For each round the
whole suite runs against examples/flask_receiver (served on 127.0.0.1, real sockets),
once with independent checks run concurrently (the default) and once one at a time, and
the script prints, best of R rounds (the machine is shared and noisy):

  wall          check_receiver() from call to report, server start and stop included
  deliveries    how many requests the suite sent (the ordinary report it starts with
                included)
  sum           the sum of those deliveries' own elapsed times (send -> full answer)
  wall / sum    our overhead as a ratio: 1.0 would mean we cost nothing on top of the
                deliveries; below 1.0, concurrency hides part of the receiver's time

Both walls include two deliberate waits: survives-hang-up gives the receiver 0.2 s to
notice the broken connection before judging it, and processes-redelivery-once watches the
probe for a settle period after its first count (so that background double processing
shows). Run concurrently, other checks fill them; one at a time, the wall without them is
printed separately ("wall - waits"): that ratio is the suite's own overhead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from flask_receiver.app import HOOK_PATH, ReportStore, create_app

from jobhook_testkit._checks import HANG_UP_GRACE
from jobhook_testkit.contract import ContractReport, check_receiver

AUTH = "Bearer s3cret"


def one_run(concurrency: int) -> ContractReport:
    store = ReportStore()

    def probe(report: Any) -> int:
        return store.times_processed(report["id"])

    report = check_receiver(
        create_app(auth=AUTH, store=store), path=HOOK_PATH, auth=AUTH, timeout=5.0,
        probe=probe, concurrency=concurrency, seed=1,
    )
    if not report.passed or report.warnings or report.skipped:
        raise SystemExit(f"the example should pass everything:\n{report}")
    return report


def _watched(report: ContractReport) -> float:
    """How long processes-redelivery-once spent watching the probe (not delivering)."""
    result = report["processes-redelivery-once"]
    return result.elapsed - sum(d.elapsed for d in result.deliveries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    one_run(4)  # warm up: imports, Faker, Flask
    print(f"jobhook check against examples/flask_receiver, best of {args.rounds} rounds")
    print(f"{'mode':<22}{'wall':>10}{'deliveries':>12}{'sum':>10}{'wall / sum':>12}"
          f"{'per delivery':>14}")
    for label, concurrency in (("concurrent (4)", 4), ("one at a time", 1)):
        best: ContractReport | None = None
        for _ in range(args.rounds):
            report = one_run(concurrency)
            if best is None or report.elapsed < best.elapsed:
                best = report
        assert best is not None
        deliveries = [*best.deliveries, *filter(None, [best.first_delivery])]
        total = sum(d.elapsed for d in deliveries)
        print(f"{label:<22}{best.elapsed:>9.3f}s{len(deliveries):>12}{total:>9.3f}s"
              f"{best.elapsed / total:>12.2f}{best.elapsed / len(deliveries) * 1000:>12.2f}ms")
        if concurrency == 1:
            net = best.elapsed - HANG_UP_GRACE - _watched(best)
            print(f"{'  wall - waits':<22}{net:>9.3f}s{'':>12}{total:>9.3f}s{net / total:>12.2f}")


if __name__ == "__main__":
    main()
