"""Side records under the checkpoints: the read-access log, idempotency records and key events.

They have no position in the global log, so a checkpoint seals them by the *transaction* that wrote them: all
rows whose `tx` lies in [previous checkpoint's side_bound, side_bound), where side_bound is
`pg_snapshot_xmin` when the checkpoint is taken — every transaction below it has finished, so no row can still
appear in a sealed range. Rows from before the keyed scheme (tx NULL) count as transaction 0: the first
checkpoint of format 2 seals them. Per kind, a checkpoint records how many rows are sealed so far and a
running hash over their leaves, in (tx, key) order:

    leaf          = SHA-256(0x02 || kind || 0x00 || canonical row || MAC, or nothing for a legacy row)
    running hash  = SHA-256(previous running hash || leaf), from 32 zero bytes

Each row also carries its own MAC (`core/eventstore/macs.py`); `verify` recomputes both."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from civicledger.core.access_log import ReadRow
from civicledger.core.eventstore.macs import Macs, canonical_result

_RANGE = "(({tx} >= $1::text::xid8 AND {tx} < $2::text::xid8) OR ($1::text = '0' AND {tx} IS NULL))"


@dataclass(frozen=True)
class SideKind:
    """One kind of side record: how to select it by sealing transaction, its leaf, and its MAC check."""

    name: str
    label: str  # for reports
    select: str  # columns, FROM and a WHERE with {range}; ordered by seal, then key
    order: str
    canonical: Callable[[asyncpg.Record], bytes]
    mac: Callable[[Macs, asyncpg.Record], bytes]
    mac_column: str
    key: Callable[[asyncpg.Record], Any]

    def query(self, upto: bool) -> str:
        """Rows sealed by transactions in [$1, $2) (or every row with `upto=False`), in leaf order."""
        where = self.select.format(range=self.range_clause if upto else "true")
        return f"{where} ORDER BY seal, {self.order}"

    @property
    def range_clause(self) -> str:
        return _RANGE.format(tx=self.tx_column)

    @property
    def tx_column(self) -> str:
        return "erased_tx" if self.name == "key_erased" else "tx"

    def leaf(self, row: asyncpg.Record) -> bytes:
        mac = row[self.mac_column]
        return hashlib.sha256(b"\x02" + self.name.encode() + b"\x00" + self.canonical(row)
                              + (bytes(mac) if mac is not None else b"")).digest()


def _read_canonical(row: asyncpg.Record) -> bytes:
    return row["id"].to_bytes(8, "big") + ReadRow.of(row).canonical()


def _idem_canonical(row: asyncpg.Record) -> bytes:
    return (orjson.dumps([row["scope"], row["key"], row["fingerprint"], row["command"]])
            + canonical_result(row["result"]) + orjson.dumps(list(row["positions"])))


def _digest(row: asyncpg.Record) -> bytes | None:
    return bytes(row["key_digest"]) if row["key_digest"] is not None else None


KINDS = (
    SideKind(
        name="personal_data_reads", label="read-access rows",
        select="SELECT id, read_at, reader_id, reader_role, reader_office, reader_district, resident_id,"
               " resident_district, fields, purpose, correlation_id, operation, mac,"
               " coalesce(tx, '0'::xid8)::text::bigint AS seal FROM personal_data_reads WHERE {range}",
        order="id", canonical=_read_canonical, mac=lambda m, r: m.read(ReadRow.of(r).canonical()),
        mac_column="mac", key=lambda r: r["id"]),
    SideKind(
        name="idempotency_keys", label="idempotency records",
        select="SELECT scope, key, fingerprint, command, result::text AS result, positions, mac,"
               " coalesce(tx, '0'::xid8)::text::bigint AS seal FROM idempotency_keys WHERE {range}",
        order="scope, key", canonical=_idem_canonical,
        mac=lambda m, r: m.idempotency(r["scope"], r["key"], r["fingerprint"], r["command"], r["result"]),
        mac_column="mac", key=lambda r: (r["scope"], r["key"])),
    SideKind(
        name="key_created", label="key-created events",
        select="SELECT subject_id, key_digest, created_mac, coalesce(tx, '0'::xid8)::text::bigint AS seal"
               " FROM subject_keys WHERE {range}",
        order="subject_id",
        canonical=lambda r: r["subject_id"].bytes + (_digest(r) or b""),
        mac=lambda m, r: m.key_created(r["subject_id"], _digest(r)), mac_column="created_mac",
        key=lambda r: r["subject_id"]),
    SideKind(
        name="key_erased", label="key-destroyed events",
        select="SELECT subject_id, erased_mac, coalesce(erased_tx, '0'::xid8)::text::bigint AS seal"
               " FROM subject_keys WHERE erased_at IS NOT NULL AND {range}",
        order="subject_id", canonical=lambda r: r["subject_id"].bytes,
        mac=lambda m, r: m.key_erased(r["subject_id"]), mac_column="erased_mac", key=lambda r: r["subject_id"]),
)
BY_NAME = {k.name: k for k in KINDS}


def fold(running: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(running + leaf).digest()


_BATCH = 2000


async def sealed_rows(conn: asyncpg.Connection, kind: SideKind, lo: int, hi: int) -> AsyncIterator[asyncpg.Record]:
    """Rows of `kind` written by transactions in [lo, hi), in leaf order (inside a transaction). A tick's range
    usually holds a second's writes: one statement reads them (a cursor costs a round trip more, to close its
    portal, for each kind on every tick); a range of more rows than that is read again through a cursor."""
    rows = await conn.fetch(kind.query(upto=True) + f" LIMIT {_BATCH + 1}", str(lo), str(hi))
    if len(rows) <= _BATCH:
        for row in rows:
            yield row
        return
    async for row in conn.cursor(kind.query(upto=True), str(lo), str(hi), prefetch=_BATCH):
        yield row


async def side_bound(conn: asyncpg.Connection) -> int:
    """Every transaction below this id has finished: its side rows are final."""
    return int(await conn.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
