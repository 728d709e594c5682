"""`verify`, checks 2 and 3: every stream (digests, keyed MACs, unkeyed chains, versions) and the global log
(transaction order, each checkpoint's sealed range, a checkpoint kept outside)."""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.integrity import META_COLUMNS, ZERO_HASH, chain_hash, event_digest
from civicledger.core.eventstore.macs import Macs
from civicledger.core.eventstore.sealed import subjects_in
from civicledger.inspection import merkle
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.findings import (
    CHAIN_MISMATCH,
    CHECKPOINT_MISMATCH,
    EXTERNAL_CHECKPOINT_MISMATCH,
    LOG_ORDER,
    MAC_MISMATCH,
    MISSING_EVENT,
    STREAM_ORDER,
    UNEXPECTED_EVENT,
    UNKEYED_EVENT,
    VERSION_GAP,
    Finding,
)

Report = Any  # verify.IntegrityReport (not imported: it imports this module)


async def legacy_upto(conn: asyncpg.Connection, report: Report, checkpoints: Sequence[Checkpoint]) -> int:
    """The highest position that may hold an event stored before the keyed scheme (without a MAC): fixed by
    the first keyed checkpoint; before there is one, everything before the first event with a MAC."""
    keyed = [cp for cp in checkpoints if cp.keyed]
    if keyed:
        return keyed[0].legacy_upto
    first = await conn.fetchval("SELECT min(notification_id) FROM events WHERE event_mac IS NOT NULL")
    report.notes.append("no keyed checkpoint yet: events without a MAC are taken as stored before the keyed"
                        " scheme when they come before the first event with one")
    return first - 1 if first is not None else 2**62


async def check_streams(conn: asyncpg.Connection, report: Report, macs: Macs, checkpoints: Sequence[Checkpoint],
                        stream_id: UUID | None) -> None:
    """Every event of every stream (or of one); for the whole log, also that every resident whose sealed data
    the events hold still has a key record (`verify_sides.check_subjects_have_keys`)."""
    from civicledger.inspection.verify_sides import check_subjects_have_keys

    legacy = await legacy_upto(conn, report, checkpoints)
    columns = ", ".join(META_COLUMNS)
    where, args = ("WHERE originator_id = $1", [stream_id]) if stream_id else ("", [])
    query = (f"SELECT originator_id, originator_version, topic, state, notification_id, {columns}, chain_hash,"
             f" event_mac FROM events {where} ORDER BY originator_id, originator_version")
    current: UUID | None = None
    previous, expected, last_position = ZERO_HASH, 1, 0
    states: list[bytes] = []
    reported: set[UUID] = set()
    async for r in conn.cursor(query, *args, prefetch=2000):
        sid, version, position = r["originator_id"], r["originator_version"], r["notification_id"]
        if sid != current:
            current, previous, expected, last_position = sid, ZERO_HASH, 1, 0
            report.streams += 1
        report.events += 1
        stored, state = bytes(r["chain_hash"]), bytes(r["state"])
        gap = version != expected
        if version > expected:
            missing = f"version {expected}" if version == expected + 1 else f"versions {expected}-{version - 1}"
            report.add(Finding(VERSION_GAP, f"{missing} missing before this event (deleted)", sid, version, position))
        elif version < expected:  # cannot happen with the primary key; kept for robustness
            report.add(Finding(VERSION_GAP, "version repeats", sid, version, position))
        if position < last_position:
            report.add(Finding(STREAM_ORDER, f"recorded before version {version - 1} (position {last_position}):"
                               " the stream's events were reordered", sid, version, position))
        digest = event_digest(sid, version, r["topic"], state, [r[c] for c in META_COLUMNS])
        mac = r["event_mac"]
        if mac is None and position > legacy:
            report.add(Finding(UNKEYED_EVENT, f"no keyed MAC, though events after position {legacy} are all"
                               " written with one: inserted without the key (forged), or its MAC removed",
                               sid, version, position))
        elif mac is not None and not Macs.same(macs.event(digest), mac):
            report.add(Finding(MAC_MISMATCH, "the keyed MAC does not match the event's contents and metadata:"
                               " altered, forged or re-chained without the key", sid, version, position))
        elif chain_hash(previous, digest) != stored and not gap:
            report.add(Finding(CHAIN_MISMATCH, "the stored chain hash does not match the event's contents, "
                               "metadata or predecessor (altered or forged)", sid, version, position))
        # Resynchronise on the stored value, so one altered event is one finding, not a cascade.
        previous, expected, last_position = stored, version + 1, max(last_position, position)
        if stream_id is None:
            states.append(state)
            if len(states) >= 5000:
                await check_subjects_have_keys(conn, report, subjects_in(states), reported)
                states.clear()
    if states:
        await check_subjects_have_keys(conn, report, subjects_in(states), reported)


@dataclass
class _Range:
    checkpoint: Checkpoint
    start_count: int
    leaves: list[bytes] = field(default_factory=list)
    present: list[tuple[int, UUID, int]] = field(default_factory=list)


async def check_log(conn: asyncpg.Connection, report: Report, checkpoints: list[Checkpoint],
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
        if report.witness is not None and position > report.witnessed_upto:
            report.unwitnessed_events += 1
            report.first_unwitnessed = report.first_unwitnessed or position
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


def _close_range(report: Report, rng: _Range) -> None:
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


def _compare_external(report: Report, kept: Checkpoint, checkpoints: list[Checkpoint],
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


async def _locate_reordering(conn: asyncpg.Connection, report: Report, descents: list[int]) -> None:
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
