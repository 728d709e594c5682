"""`verify`, check 1: the database's checkpoints against the witness's, the chain of checkpoints, the alarms the
sealers published; and, last, what the witness cannot vouch for yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.integrity import META_COLUMNS, event_digest
from civicledger.core.eventstore.macs import Macs
from civicledger.inspection.checkpoints import GENESIS, Checkpoint, CheckpointTableMissing, load_checkpoints
from civicledger.inspection.findings import (
    CHECKPOINT_INVALID,
    CHECKPOINT_MISSING,
    UNWITNESSED_EVENTS,
    WITNESS_ALARM,
    WITNESS_MISMATCH,
    Finding,
)
from civicledger.inspection.sealing import alarm_valid
from civicledger.inspection.witness import Witnessed
from civicledger.projections.audit_log import occurred_at

Report = Any  # verify.IntegrityReport


async def checkpoints(conn: asyncpg.Connection, report: Report, witnessed: Witnessed | None,
                      trusted_keys: Sequence[bytes]) -> list[Checkpoint]:
    """The checkpoints to check the log against: the witness's copy wherever it has one."""
    log_id = await _log_id(conn, report)
    try:
        stored = await load_checkpoints(conn)
    except CheckpointTableMissing:
        stored = []
        report.add(Finding(CHECKPOINT_MISSING, "the checkpoints table is gone (dropped)"))
    for cp in stored:
        if cp.keyed and log_id is not None and cp.log_id != log_id:
            report.add(Finding(CHECKPOINT_INVALID, f"checkpoint #{cp.seq} seals log {cp.log_id}, but this database"
                               f" says it is log {log_id} (its identity was changed)", checkpoint=cp.seq))
    merged = stored if witnessed is None else _merge(report, stored, witnessed, trusted_keys)
    _check_chain(report, merged, trusted_keys)
    if witnessed is not None:
        _alarms(report, witnessed, trusted_keys)
    return merged


async def _log_id(conn: asyncpg.Connection, report: Report) -> str | None:
    found = await conn.fetchval("SELECT to_regclass('log_identity') IS NOT NULL")
    log_id = await conn.fetchval("SELECT log_id FROM log_identity") if found else None
    if log_id is None:
        report.add(Finding(CHECKPOINT_INVALID, "the log's identity (table log_identity) is gone"))
        return None
    return str(log_id)


def _merge(report: Report, stored: list[Checkpoint], witnessed: Witnessed,
           trusted_keys: Sequence[bytes]) -> list[Checkpoint]:
    held: list[Checkpoint] = []
    for doc in witnessed.checkpoints:
        try:
            held.append(Checkpoint.from_document(doc))
        except (KeyError, TypeError, ValueError):
            report.add(Finding(WITNESS_MISMATCH, f"the witness holds an unreadable checkpoint document: {doc!r:.80}"))
    report.witnessed_checkpoints = len(held)
    report.witnessed_upto = held[-1].position if held else 0
    if witnessed.unreadable:
        report.notes.append(f"the witness has {witnessed.unreadable} unreadable lines (a torn write)")
    for doc in witnessed.conflicts:
        report.add(Finding(WITNESS_MISMATCH, f"the witness holds two different checkpoints #{doc.get('seq')}",
                           checkpoint=doc.get("seq")))
    in_db = {cp.seq: cp for cp in stored}
    in_witness = {cp.seq: cp for cp in held}
    missing = sorted(set(in_witness) - set(in_db))
    for first, last in _runs(missing):
        which = f"#{first}" if first == last else f"#{first}-#{last}"
        report.add(Finding(CHECKPOINT_MISSING, f"checkpoint{'s' if first != last else ''} {which} the witness holds"
                           " are missing from the database (deleted)", checkpoint=first))
    for seq in sorted(set(in_witness) & set(in_db)):
        ours = in_db[seq]
        if ours.checkpoint_hash != in_witness[seq].checkpoint_hash or ours.canonical() != in_witness[seq].canonical():
            report.add(Finding(WITNESS_MISMATCH, f"the database's checkpoint #{seq} differs from the one the witness"
                               " holds (replaced or edited)", checkpoint=seq))
            for problem in ours.problems(trusted_keys):
                report.add(Finding(CHECKPOINT_INVALID, f"the database's checkpoint #{seq}: {problem}", checkpoint=seq))
    later = [cp for cp in stored if cp.seq > witnessed.last_seq]
    if later:
        report.notes.append(f"{len(later)} checkpoints in the database are not in the witness yet"
                            f" (from #{later[0].seq})")
    if not held:
        keyed = [cp for cp in stored if cp.keyed]
        if keyed:
            report.add(Finding(WITNESS_MISMATCH, f"the witness holds none of this log's {len(keyed)} keyed checkpoints"
                               " (every one is published): it is not this log's witness, or it was lost"))
        elif witnessed.other_logs:
            report.add(Finding(WITNESS_MISMATCH, "the witness holds other logs but nothing of this one: if it is this"
                               " log's witness, the log's identity was changed"))
        else:
            report.notes.append("the witness holds nothing of this log yet: no sealer has published to it (run"
                                " `serve` or `worker`, or `verify --seal`)")
    return [in_witness.get(seq) or in_db[seq] for seq in sorted(set(in_db) | set(in_witness))]


def _runs(values: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in values:
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _check_chain(report: Report, checkpoints: list[Checkpoint], trusted_keys: Sequence[bytes]) -> None:
    previous = GENESIS
    for cp in checkpoints:
        for problem in cp.problems(trusted_keys):
            report.add(Finding(CHECKPOINT_INVALID, f"checkpoint #{cp.seq}: {problem}", checkpoint=cp.seq))
        if cp.seq != previous.seq + 1:
            report.add(Finding(CHECKPOINT_INVALID, f"checkpoints #{previous.seq + 1}-#{cp.seq - 1} are missing",
                               checkpoint=cp.seq))
        elif cp.previous_hash != previous.checkpoint_hash or cp.previous_position != previous.position:
            report.add(Finding(CHECKPOINT_INVALID, "does not link to the previous checkpoint", checkpoint=cp.seq))
        elif previous.keyed and (not cp.keyed or cp.legacy_upto != previous.legacy_upto
                                 or cp.side_bound < previous.side_bound):
            report.add(Finding(CHECKPOINT_INVALID, "does not continue the keyed checkpoint before it (format, legacy"
                               " range or side bound)", checkpoint=cp.seq))
        previous = cp


def _alarms(report: Report, witnessed: Witnessed, trusted_keys: Sequence[bytes]) -> None:
    for doc in witnessed.alarms:
        if not alarm_valid(doc):
            report.add(Finding(WITNESS_ALARM, f"an alarm in the witness is not validly signed: {doc.get('message')!r}"))
            continue
        items = [i for i in doc.get("items") or [] if "record" in i]
        if not items:
            report.add(Finding(WITNESS_ALARM, f"{doc.get('kind')} at {doc.get('raisedAt')}: {doc.get('message')}"))
        for item in items:  # one finding per record the sealer found changed, with where
            report.add(_item_finding(doc, item))


def _item_finding(doc: dict[str, Any], item: dict[str, Any]) -> Finding:
    said = f"{doc.get('kind')} at {doc.get('raisedAt')}: a record written and acknowledged, then changed before" \
           " it was sealed and witnessed"
    if item["record"] == "event":
        return Finding(WITNESS_ALARM, f"{said}: the event is {item['found']}", UUID(item["stream"]), item["version"],
                       item["position"])
    return Finding(WITNESS_ALARM, f"{said}: {item['record']} {item.get('key')} is {item.get('found')}")


async def check_unwitnessed(conn: asyncpg.Connection, report: Report, witnessed: Witnessed, grace_s: float,
                            macs: Macs) -> None:
    """Events after the witness's newest checkpoint: normal for about a second; a finding once older than the
    grace period, when the witness has been in use for this log (a sealer publishes every checkpoint). Their
    age is read from the oldest whose MAC verifies: a forged event's own timestamp proves nothing."""
    if report.first_unwitnessed is None or not witnessed.checkpoints:
        return
    columns = ", ".join(META_COLUMNS)
    rows = await conn.fetch(f"SELECT originator_id, originator_version, topic, state, event_mac, {columns}"
                            " FROM events WHERE notification_id >= $1 ORDER BY notification_id LIMIT 1000",
                            report.first_unwitnessed)
    recorded = next((occurred_at(bytes(r["state"])) for r in rows if r["event_mac"] is not None and Macs.same(
        macs.event(event_digest(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"]),
                                [r[c] for c in META_COLUMNS])), r["event_mac"])), None)
    if recorded is None:
        return
    age = (datetime.now(UTC) - recorded).total_seconds()
    if age > grace_s:
        report.add(Finding(UNWITNESSED_EVENTS, f"{report.unwitnessed_events} events from position"
                           f" {report.first_unwitnessed} on (the oldest recorded {age:,.0f} s ago) are covered by no"
                           " checkpoint the witness holds: the sealer is not running or cannot publish, or checkpoints"
                           " were removed before they reached the witness", position=report.first_unwitnessed))
