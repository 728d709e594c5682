"""`civicledger verify`: recompute the tamper evidence from the stored rows and the witness, and say where it fails.

Checks, in one consistent snapshot of the database (threat model: docs/THREAT-MODEL.md):

1. **Checkpoints and the witness** (`verify_witness.py`). The database's checkpoints are compared with the
   witness's: one the witness holds and the database lacks was deleted, one that differs was replaced; each
   checkpoint's hash, signature, key and link to the previous one. The witness's copy is what the rest
   checks against. Alarms the sealers published (acknowledged records changed before they were sealed,
   checkpoints restored) are findings.
2. **Streams** (`verify_log.py`, by stream and version). Every event's digest is recomputed; its keyed MAC
   must match (a DBA cannot compute one: a forged, rewritten or re-chained event fails here), except in the
   legacy range stored before the keyed scheme; the unkeyed chain must link; versions run 1, 2, 3 ... with no
   hole; positions grow with versions.
3. **The global log** (`verify_log.py`, by position). Positions follow the writers' transaction order;
   each sealed range is recomputed: a position the checkpoint saw filled and now empty is a deleted event,
   an event where it saw a gap is a forged one, a different Merkle root a rewrite. Optionally a checkpoint
   kept outside the system (`--against FILE`) is compared with the log's running hash at its position.
4. **Side records** (`verify_sides.py`): the read-access log, idempotency records and key events, each row's
   MAC and each checkpoint's count and running hash of them; idempotency records against the events
   recorded under their keys; every resident whose sealed data is in the log has a key record.

What the witness cannot vouch for yet — events and side records after its newest checkpoint, normally the
last second — is reported; events older than the grace period that it still cannot vouch for are a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.macs import Macs
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.findings import (  # re-exported: the finding kinds are part of this module's API
    CHAIN_MISMATCH,
    CHECKPOINT_INVALID,
    CHECKPOINT_MISMATCH,
    CHECKPOINT_MISSING,
    EXTERNAL_CHECKPOINT_MISMATCH,
    IDEMPOTENCY_MISMATCH,
    KEY_INCONSISTENT,
    KEY_MISSING,
    LOG_ORDER,
    MAC_MISMATCH,
    MISSING_EVENT,
    ROW_MAC_MISMATCH,
    SIDE_MISMATCH,
    STREAM_ORDER,
    UNEXPECTED_EVENT,
    UNKEYED_EVENT,
    UNWITNESSED_EVENTS,
    VERSION_GAP,
    WITNESS_ALARM,
    WITNESS_MISMATCH,
    Finding,
)
from civicledger.inspection.signing import key_id
from civicledger.inspection.witness import Witnessed

MAX_FINDINGS = 1000
__all__ = [
    "CHAIN_MISMATCH", "CHECKPOINT_INVALID", "CHECKPOINT_MISMATCH", "CHECKPOINT_MISSING",
    "EXTERNAL_CHECKPOINT_MISMATCH", "IDEMPOTENCY_MISMATCH", "KEY_INCONSISTENT", "KEY_MISSING", "LOG_ORDER",
    "MAC_MISMATCH", "MISSING_EVENT", "ROW_MAC_MISMATCH", "SIDE_MISMATCH", "STREAM_ORDER", "UNEXPECTED_EVENT",
    "UNKEYED_EVENT", "UNWITNESSED_EVENTS", "VERSION_GAP", "WITNESS_ALARM", "WITNESS_MISMATCH", "Finding",
    "IntegrityReport", "verify",
]


@dataclass
class IntegrityReport:
    scope: str
    events: int = 0
    streams: int = 0
    checkpoints: int = 0
    sealed_upto: int = 0
    unsealed_events: int = 0
    latest: Checkpoint | None = None
    against: Checkpoint | None = None
    witness: str | None = None
    witnessed_upto: int = 0
    witnessed_checkpoints: int = 0
    unwitnessed_events: int = 0
    first_unwitnessed: int | None = None
    side_rows: dict[str, int] = field(default_factory=dict)
    unsealed_side_rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.more_findings += 1

    def render(self) -> str:
        lines = [f"civicledger verify ({self.scope}): {self.events:,} events in {self.streams:,} streams; "
                 f"{self.checkpoints:,} signed checkpoints"]
        if self.latest is not None:
            lines.append(f"  sealed up to position {self.sealed_upto:,} (checkpoint #{self.latest.seq}, "
                         f"{self.latest.created_at:%Y-%m-%d %H:%M:%S} UTC, key {key_id(self.latest.public_key)});"
                         f" {self.unsealed_events:,} later events not yet sealed")
        if self.side_rows:
            lines.append("  side records: " + ", ".join(
                f"{name} {count:,} ({self.unsealed_side_rows.get(name, 0):,} not yet sealed)"
                for name, count in self.side_rows.items()))
        if self.witness is None:
            lines.append("  witness: not consulted")
        else:
            lines.append(f"  witness {self.witness}: {self.witnessed_checkpoints:,} checkpoints, vouching for the log"
                         f" up to position {self.witnessed_upto:,}; {self.unwitnessed_events:,} later events it"
                         " cannot vouch for yet")
        if self.against is not None:
            lines.append(f"  compared with the checkpoint kept outside the system: #{self.against.seq} at "
                         f"position {self.against.position:,} (key {key_id(self.against.public_key)})")
        lines += [f"  note: {n}" for n in self.notes]
        if self.ok:
            lines.append("OK: no finding")
            return "\n".join(lines)
        total = len(self.findings) + self.more_findings
        lines.append(f"FAILED: {total} finding{'s' if total != 1 else ''}")
        for f in self.findings:
            lines.append(f"  {f.kind:<29} {f.where()}: {f.message}")
        if self.more_findings:
            lines.append(f"  ... and {self.more_findings} more")
        return "\n".join(lines)


async def verify(conn: asyncpg.Connection, *, macs: Macs, trusted_keys: Sequence[bytes] = (),
                 against: Checkpoint | None = None, stream_id: UUID | None = None,
                 witnessed: Witnessed | None = None, witness: str | None = None,
                 grace_s: float = 60.0) -> IntegrityReport:
    """Run every check in one snapshot. With `stream_id`, only that stream's events (and the checkpoints'
    own signatures) are checked: quick enough for a GraphQL request on one case. `witnessed` is what the
    witness (described by `witness`) holds for this log, read just before; None checks without a witness."""
    from civicledger.inspection import verify_log, verify_sides, verify_witness

    report = IntegrityReport(scope=f"stream {stream_id}" if stream_id else "whole log", against=against,
                             witness=witness if witnessed is not None else None)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        checkpoints = await verify_witness.checkpoints(conn, report, witnessed, trusted_keys)
        report.checkpoints = len(checkpoints)
        report.latest = checkpoints[-1] if checkpoints else None
        report.sealed_upto = checkpoints[-1].position if checkpoints else 0
        await verify_log.check_streams(conn, report, macs, checkpoints, stream_id)
        if stream_id is None:
            await verify_log.check_log(conn, report, checkpoints, against, trusted_keys)
            await verify_sides.check_sides(conn, report, checkpoints, macs)
            await verify_sides.check_idempotency_positions(conn, report)
            await verify_sides.check_keys(conn, report)
            if witnessed is not None:
                await verify_witness.check_unwitnessed(conn, report, witnessed, grace_s, macs)
    return report
