"""`civicledger verify`: recompute the tamper evidence from the stored rows and say where it fails.

Three independent checks, in one consistent snapshot of the database:

1. **Streams** (ordered by stream, version). Every event's digest and chain hash are recomputed with the
   writer's own functions (`core/eventstore/integrity.py`) and compared with the stored chain hash; versions
   must run 1, 2, 3 ... with no hole; positions must grow with versions. Finds an altered payload or metadata,
   a deleted event inside a stream, a forged event with a wrong chain, a reordering inside a stream.
2. **The global log** (ordered by position). Positions are handed out in the order of the writers'
   transaction ids (see the recorder), so a position whose transaction is out of order was moved. Finds
   two events of different streams swapped. Gaps alone are not findings: failed appends use up positions.
3. **Checkpoints.** Each signed checkpoint's hash, signature, key and link to the previous one; then each
   sealed range is recomputed from the events: a position the checkpoint saw filled and now empty is a
   deleted event, an event where it saw a gap is a forged one, and a range whose Merkle root differs was
   rewritten (even with every stream chain recomputed). Optionally, a checkpoint kept outside the system
   (`--against FILE`) is compared with the log's running hash at its position.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.integrity import META_COLUMNS, ZERO_HASH, chain_hash, event_digest
from civicledger.inspection import merkle
from civicledger.inspection.checkpoints import GENESIS, Checkpoint, load_checkpoints
from civicledger.inspection.signing import key_id

MAX_FINDINGS = 1000

# Stable finding kinds (also GraphQL's `IntegrityFinding.kind`).
CHAIN_MISMATCH = "CHAIN_MISMATCH"
VERSION_GAP = "VERSION_GAP"
STREAM_ORDER = "STREAM_ORDER"
LOG_ORDER = "LOG_ORDER"
MISSING_EVENT = "MISSING_EVENT"
UNEXPECTED_EVENT = "UNEXPECTED_EVENT"
CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"
CHECKPOINT_INVALID = "CHECKPOINT_INVALID"
EXTERNAL_CHECKPOINT_MISMATCH = "EXTERNAL_CHECKPOINT_MISMATCH"


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    stream_id: UUID | None = None
    version: int | None = None
    position: int | None = None
    checkpoint: int | None = None

    def where(self) -> str:
        parts = []
        if self.stream_id is not None:
            parts.append(f"stream {self.stream_id}")
        if self.version is not None:
            parts.append(f"version {self.version}")
        if self.position is not None:
            parts.append(f"position {self.position}")
        if self.checkpoint is not None:
            parts.append(f"checkpoint #{self.checkpoint}")
        return ", ".join(parts) or "the log"


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
        if self.against is not None:
            lines.append(f"  compared with the checkpoint kept outside the system: #{self.against.seq} at "
                         f"position {self.against.position:,} (key {key_id(self.against.public_key)})")
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


async def verify(conn: asyncpg.Connection, *, trusted_keys: Sequence[bytes] = (),
                 against: Checkpoint | None = None, stream_id: UUID | None = None) -> IntegrityReport:
    """Run every check in one snapshot. With `stream_id`, only that stream's chain (and the checkpoints'
    own signatures) are checked: quick enough for a GraphQL request on one case."""
    report = IntegrityReport(scope=f"stream {stream_id}" if stream_id else "whole log", against=against)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        checkpoints = await load_checkpoints(conn)
        report.checkpoints = len(checkpoints)
        report.latest = checkpoints[-1] if checkpoints else None
        report.sealed_upto = checkpoints[-1].position if checkpoints else 0
        _check_checkpoint_chain(report, checkpoints, trusted_keys)
        await _check_streams(conn, report, stream_id)
        if stream_id is None:
            await _check_log(conn, report, checkpoints, against, trusted_keys)
    return report


# -- 1. streams ---------------------------------------------------------------------------------------------

async def _check_streams(conn: asyncpg.Connection, report: IntegrityReport, stream_id: UUID | None) -> None:
    columns = ", ".join(META_COLUMNS)
    where, args = ("WHERE originator_id = $1", [stream_id]) if stream_id else ("", [])
    query = (f"SELECT originator_id, originator_version, topic, state, notification_id, {columns}, chain_hash"
             f" FROM events {where} ORDER BY originator_id, originator_version")
    current: UUID | None = None
    previous, expected, last_position = ZERO_HASH, 1, 0
    count = 0
    async for r in conn.cursor(query, *args, prefetch=2000):
        sid, version, position = r["originator_id"], r["originator_version"], r["notification_id"]
        if sid != current:
            current, previous, expected, last_position = sid, ZERO_HASH, 1, 0
            report.streams += 1
        report.events += 1
        stored = bytes(r["chain_hash"])
        gap = version != expected
        if version > expected:
            missing = f"version {expected}" if version == expected + 1 else f"versions {expected}-{version - 1}"
            report.add(Finding(VERSION_GAP, f"{missing} missing before this event (deleted)", sid, version, position))
        elif version < expected:  # cannot happen with the primary key; kept for robustness
            report.add(Finding(VERSION_GAP, "version repeats", sid, version, position))
        if position < last_position:
            report.add(Finding(STREAM_ORDER, f"recorded before version {version - 1} (position {last_position}):"
                               " the stream's events were reordered", sid, version, position))
        meta = [r[c] for c in META_COLUMNS]
        recomputed = chain_hash(previous, event_digest(sid, version, r["topic"], bytes(r["state"]), meta))
        if recomputed != stored and not gap:
            report.add(Finding(CHAIN_MISMATCH, "the stored chain hash does not match the event's contents, "
                               "metadata or predecessor (altered or forged)", sid, version, position))
        # Resynchronise on the stored value, so one altered event is one finding, not a cascade.
        previous, expected, last_position = stored, version + 1, max(last_position, position)
        count += 1
        if count % 5000 == 0:
            await asyncio.sleep(0)


# -- 2 and 3. the global log and its checkpoints ------------------------------------------------------------

def _check_checkpoint_chain(report: IntegrityReport, checkpoints: list[Checkpoint],
                            trusted_keys: Sequence[bytes]) -> None:
    previous = GENESIS
    for cp in checkpoints:
        for problem in cp.problems(trusted_keys):
            report.add(Finding(CHECKPOINT_INVALID, f"checkpoint #{cp.seq}: {problem}", checkpoint=cp.seq))
        if cp.seq != previous.seq + 1:
            report.add(Finding(CHECKPOINT_INVALID, f"checkpoints #{previous.seq + 1}-#{cp.seq - 1} are missing",
                               checkpoint=cp.seq))
        elif cp.previous_hash != previous.checkpoint_hash or cp.previous_position != previous.position:
            report.add(Finding(CHECKPOINT_INVALID, "does not link to the previous checkpoint", checkpoint=cp.seq))
        previous = cp


@dataclass
class _Range:
    checkpoint: Checkpoint
    start_count: int
    leaves: list[bytes] = field(default_factory=list)
    present: list[tuple[int, UUID, int]] = field(default_factory=list)


async def _check_log(conn: asyncpg.Connection, report: IntegrityReport, checkpoints: list[Checkpoint],
                     against: Checkpoint | None, trusted_keys: Sequence[bytes]) -> None:
    pending = list(checkpoints)
    current: _Range | None = None
    log_hash, count = merkle.ZERO, 0
    at_against: tuple[bytes, int] | None = None
    last_tx, descents = None, []
    previous_count = 0

    def open_range(position: int) -> _Range | None:
        nonlocal previous_count
        while pending and pending[0].position < position:
            close(_Range(pending.pop(0), previous_count))
        if pending and pending[0].covers(position):
            return _Range(pending.pop(0), previous_count)
        return None

    def close(rng: _Range) -> None:
        nonlocal previous_count
        _close_range(report, rng)
        previous_count = rng.checkpoint.event_count

    async for r in conn.cursor("SELECT notification_id, originator_id, originator_version, chain_hash,"
                               " (tx::text)::bigint AS tx FROM events ORDER BY notification_id", prefetch=5000):
        position = r["notification_id"]
        if against is not None and at_against is None and position > against.position:
            at_against = (log_hash, count)
        if last_tx is not None and r["tx"] < last_tx:
            descents.append(position)
        last_tx = r["tx"]
        leaf = merkle.leaf_hash(position, r["originator_id"], r["originator_version"], bytes(r["chain_hash"]))
        log_hash, count = merkle.fold(log_hash, leaf), count + 1
        if current is None or not current.checkpoint.covers(position):
            if current is not None:
                close(current)
            current = open_range(position)
        if current is not None:
            current.leaves.append(leaf)
            current.present.append((position, r["originator_id"], r["originator_version"]))
        else:
            report.unsealed_events += 1
        if count % 5000 == 0:
            await asyncio.sleep(0)
    if current is not None:
        close(current)
    while pending:
        close(_Range(pending.pop(0), previous_count))
    if descents:
        await _locate_reordering(conn, report, descents)
    if against is not None:
        _compare_external(report, against, checkpoints, at_against or (log_hash, count), trusted_keys)


def _close_range(report: IntegrityReport, rng: _Range) -> None:
    cp = rng.checkpoint
    present = {p for p, _, _ in rng.present}
    specific = 0
    for position, sid, version in rng.present:
        if cp.is_gap(position):
            report.add(Finding(UNEXPECTED_EVENT, f"checkpoint #{cp.seq} sealed this position as empty: the event"
                               " was inserted afterwards (forged)", sid, version, position, cp.seq))
            specific += 1
    for position in _expected_positions(cp):
        if position not in present:
            report.add(Finding(MISSING_EVENT, f"checkpoint #{cp.seq} sealed an event here; it has been deleted",
                               position=position, checkpoint=cp.seq))
            specific += 1
    sealed = cp.event_count - rng.start_count
    if not specific and (merkle.root(rng.leaves) != cp.range_root or len(rng.present) != sealed):
        report.add(Finding(CHECKPOINT_MISMATCH, f"the events at positions {cp.previous_position + 1}-{cp.position}"
                           f" are not the ones checkpoint #{cp.seq} sealed ({len(rng.present)} events now, "
                           f"{sealed} sealed): rewritten or reordered", checkpoint=cp.seq))


def _expected_positions(cp: Checkpoint) -> list[int]:
    out: list[int] = []
    position = cp.previous_position + 1
    for a, b in cp.gaps:
        out.extend(range(position, a))
        position = b + 1
    out.extend(range(position, cp.position + 1))
    return out


def _compare_external(report: IntegrityReport, kept: Checkpoint, checkpoints: list[Checkpoint],
                      at: tuple[bytes, int], trusted_keys: Sequence[bytes]) -> None:
    for problem in kept.problems(trusted_keys):
        report.add(Finding(EXTERNAL_CHECKPOINT_MISMATCH, f"the kept checkpoint: {problem}", checkpoint=kept.seq))
    ours = next((cp for cp in checkpoints if cp.seq == kept.seq), None)
    if ours is None:
        report.add(Finding(EXTERNAL_CHECKPOINT_MISMATCH, f"the system no longer holds checkpoint #{kept.seq}",
                           checkpoint=kept.seq))
    elif ours.checkpoint_hash != kept.checkpoint_hash:
        report.add(Finding(EXTERNAL_CHECKPOINT_MISMATCH, f"the system's checkpoint #{kept.seq} differs from the"
                           " one kept outside it (the checkpoints were rewritten)", checkpoint=kept.seq))
    log_hash, count = at
    if log_hash != kept.log_hash or count != kept.event_count:
        report.add(Finding(EXTERNAL_CHECKPOINT_MISMATCH, f"the log up to position {kept.position} no longer hashes"
                           f" to the kept checkpoint ({count} events now, {kept.event_count} then); the"
                           " range findings above say where", position=kept.position, checkpoint=kept.seq))


async def _locate_reordering(conn: asyncpg.Connection, report: IntegrityReport, descents: list[int]) -> None:
    """Positions follow transaction order; find the events out of place around the descents found."""
    first, last = descents[0], descents[-1]
    before = await conn.fetchval("SELECT max(notification_id) FROM events WHERE notification_id < $1", first)
    rows = await conn.fetch(
        "SELECT notification_id, originator_id, originator_version, (tx::text)::bigint AS tx FROM events"
        " WHERE notification_id >= $1 AND notification_id <= $2 ORDER BY notification_id", before, last)
    lo = await conn.fetchval("SELECT (tx::text)::bigint FROM events WHERE notification_id < $1"
                             " ORDER BY notification_id DESC LIMIT 1", before)
    hi = await conn.fetchval("SELECT (tx::text)::bigint FROM events WHERE notification_id > $1"
                             " ORDER BY notification_id LIMIT 1", last)
    candidates = [i for i, r in enumerate(rows) if (lo is None or r["tx"] >= lo) and (hi is None or r["tx"] <= hi)]
    keep = set(_longest_non_decreasing([rows[i]["tx"] for i in candidates]))
    in_order = {candidates[i] for i in keep}
    misplaced = [r for i, r in enumerate(rows) if i not in in_order]
    if len(rows) == 2 and len(misplaced) == 1:
        misplaced = list(rows)  # two neighbours swapped: either could have moved
    for r in misplaced:
        report.add(Finding(LOG_ORDER, f"written by transaction {r['tx']}, out of order with its neighbours: events"
                           " were moved to other positions", r["originator_id"], r["originator_version"],
                           r["notification_id"]))


def _longest_non_decreasing(values: list[Any]) -> list[int]:
    tails: list[Any] = []
    tail_index: list[int] = []
    parent = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect_right(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_index.append(i)
        else:
            tails[k] = v
            tail_index[k] = i
        parent[i] = tail_index[k - 1] if k else -1
    out, i = [], tail_index[-1] if tail_index else -1
    while i != -1:
        out.append(i)
        i = parent[i]
    return out[::-1]
