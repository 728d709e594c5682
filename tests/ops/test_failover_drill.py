"""The failover drill (`civicledger failover-drill`, docs/OPERATIONS.md) as a test: Patroni with etcd on
loopback, a primary and a synchronous standby, registrations with idempotency keys and retries over HTTP,
the primary's postmaster killed with SIGKILL mid-load. Nothing acknowledged is lost or doubled, the log
verifies, and the API — not restarted — answers a command and a read-your-writes query on the new primary.
Needs `patroni` and `etcd` (`.ci/run` installs them)."""

from __future__ import annotations

from civicledger.ops.drill import run_drill


def test_killing_the_primary_mid_load_loses_no_acknowledged_command() -> None:
    report = run_drill(warmup_acks=30, after_acks=30, workers=4)
    print(report.render())

    assert report.new_primary and report.new_primary != report.old_primary
    assert report.acknowledged >= 60 and report.unsettled == 0
    assert report.lost == [] and report.doubled == []
    assert report.unexpected == []
    assert report.verify_exit == 0, report.verify_text
    assert report.answered_after
    assert report.outage_s is not None and report.outage_s > 0
