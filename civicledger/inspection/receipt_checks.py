"""The sealer's check of what its process wrote (`core/eventstore/receipts.py`) against the database.

A receipt is done once the record is found unchanged *and* sealed under a checkpoint the witness holds: from
then on the checkpoint vouches for it. Missing or different before that is a problem (an alarm): between the
commit and the witnessed checkpoint, only the database held the record, and someone changed it."""

from __future__ import annotations

from typing import Any

import asyncpg

from civicledger.core.eventstore.macs import Macs
from civicledger.core.eventstore.receipts import Pending
from civicledger.inspection.checkpoints import Checkpoint

_SIDE_QUERIES = {
    "personal_data_reads": ("SELECT id AS k, mac, coalesce(tx, '0'::xid8)::text::bigint AS seal"
                            " FROM personal_data_reads WHERE id = ANY($1::bigint[])"),
    "idempotency_keys": ("SELECT ARRAY[i.scope, i.key] AS k, i.mac, coalesce(i.tx, '0'::xid8)::text::bigint AS seal"
                         " FROM idempotency_keys i JOIN unnest($1::text[], $2::text[]) AS u(s, k)"
                         " ON i.scope = u.s AND i.key = u.k"),
    "key_created": ("SELECT subject_id AS k, created_mac AS mac, coalesce(tx, '0'::xid8)::text::bigint AS seal"
                    " FROM subject_keys WHERE subject_id = ANY($1::uuid[])"),
    "key_erased": ("SELECT subject_id AS k, erased_mac AS mac, coalesce(erased_tx, '0'::xid8)::text::bigint AS seal"
                   " FROM subject_keys WHERE subject_id = ANY($1::uuid[]) AND erased_at IS NOT NULL"),
}


async def check_receipts(conn: asyncpg.Connection, pending: Pending,
                         witnessed: Checkpoint | None) -> tuple[Pending, list[dict[str, Any]]]:
    """(receipts to keep for a later tick, problems found)."""
    position = witnessed.position if witnessed else 0
    bound = witnessed.side_bound if witnessed is not None and witnessed.keyed else 0
    keep = Pending()
    problems: list[dict[str, Any]] = []
    if pending.events:
        rows = await conn.fetch("SELECT notification_id, originator_id, originator_version, event_mac FROM events"
                                " WHERE notification_id = ANY($1::bigint[])", [p for p, _, _, _ in pending.events])
        found = {r["notification_id"]: r for r in rows}
        for receipt in pending.events:
            p, stream, version, mac = receipt
            row = found.get(p)
            found_there = _event_problem(row, stream, version, mac)
            if found_there:
                problems.append({"record": "event", "position": p, "stream": str(stream), "version": version,
                                 "found": found_there})
            elif p > position:
                keep.events.append(receipt)
    for kind, items in pending.rows.items():
        if not items:
            continue
        query = _SIDE_QUERIES[kind]
        keys = [k for k, _ in items]
        args: list[Any] = [[k[0] for k in keys], [k[1] for k in keys]] if kind == "idempotency_keys" else [keys]
        found_rows = {_key(kind, r["k"]): r for r in await conn.fetch(query, *args)}
        for receipt in items:
            key, mac = receipt
            row = found_rows.get(key)
            if row is None or not Macs.same(row["mac"], mac):
                problems.append({"record": kind, "key": _shown(key), "found": "missing" if row is None
                                 else "another MAC"})
            elif row["seal"] >= bound:
                keep.rows[kind].append(receipt)
    return keep, problems


def _event_problem(row: asyncpg.Record | None, stream: Any, version: int, mac: bytes) -> str | None:
    if row is None:
        return "missing"
    if (row["originator_id"], row["originator_version"]) != (stream, version):
        return f"stream {row['originator_id']} version {row['originator_version']} in its place"
    if not Macs.same(row["event_mac"], mac):
        return "another MAC"
    return None


def _key(kind: str, value: Any) -> Any:
    return tuple(value) if kind == "idempotency_keys" else value


def _shown(key: Any) -> Any:
    return list(key) if isinstance(key, tuple) else str(key)
