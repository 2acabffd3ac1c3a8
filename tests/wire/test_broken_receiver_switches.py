"""A switch of examples/broken_receiver breaks one behaviour: a whole run fails the check it
names (and, per README, only the checks whose deliveries meet the same bug)."""

from __future__ import annotations

import pytest

from jobhook_testkit import check_receiver
from tests.wire.test_check_receiver import AUTH, PATH, _broken, _probe


@pytest.mark.parametrize(
    ("switch", "failing"),
    [
        ("acknowledges-concurrent-deliveries", ["acknowledges-concurrent-deliveries"]),
        ("acknowledges-failure-report",
         ["acknowledges-failure-report", "acknowledges-edge-cases"]),
        ("rejects-empty-body", ["rejects-empty-body"]),
    ],
)
def test_a_whole_run_fails_what_the_switch_breaks(switch: str, failing: list[str]) -> None:
    app = _broken().create_app([switch])
    report = check_receiver(app, path=PATH, auth=AUTH, probe=_probe(app), timeout=5, seed=1)
    assert sorted(r.name for r in report.failures) == sorted(failing), report

