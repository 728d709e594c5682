"""Signed, chained checkpoints over the global log and its side records (DESIGN §3 tamper evidence).

A checkpoint seals the log up to a position that can no longer change (the recorder's safe horizon: every
transaction holding a lower position has finished), and the side records (read-access log, idempotency
records, key events) of every transaction older than a transaction-id bound. It records

    log                                   the log's identity (`log_identity`): one witness may serve several
    seq, position, previous_position      which range (previous_position, position] it seals
    event_count                           events at positions <= position, from the start of the log
    gaps                                  positions in the range that hold no event (failed appends use up
                                          positions), as inclusive [first, last] ranges
    range_root                            Merkle root of the range's leaves (see `merkle`)
    log_hash                              running hash of every leaf up to position
    previous_hash                         the previous checkpoint's hash (32 zero bytes before the first)
    legacy_upto                           the highest position that may hold an event without a keyed MAC
                                          (stored before the keyed scheme; 0 for a log that began with it)
    side_bound                            transaction-id bound: side records written by transactions below it
                                          are sealed (see `sides`)
    sides                                 per kind of side record: [name, count, running hash] up to the bound

    checkpoint_hash = SHA-256(canonical JSON ["civicledger-checkpoint/2", log, seq, position, previous_position,
                      event_count, gaps, range_root hex, log_hash hex, previous_hash hex, created_at ISO-8601,
                      legacy_upto, side_bound, sides with hashes in hex])
    signature       = Ed25519(checkpoint_hash)

Checkpoints of the first format ("civicledger-checkpoint/1": the same without log, legacy_upto, side_bound
and sides) stay valid: the first checkpoint of format 2 seals everything before it as the legacy range.
Every checkpoint is also published to the witness outside the database (`witness.py`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import asyncpg

from civicledger.inspection import merkle
from civicledger.inspection.signing import Signer, decode_key, encode_key, key_id, signature_valid

FORMAT_1 = "civicledger-checkpoint/1"
FORMAT = "civicledger-checkpoint/2"
TABLE = "log_checkpoints"

Side = tuple[str, int, bytes]  # (kind, records sealed so far, running hash)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    position: int
    previous_position: int
    event_count: int
    gaps: tuple[tuple[int, int], ...]
    range_root: bytes
    log_hash: bytes
    previous_hash: bytes
    created_at: datetime
    checkpoint_hash: bytes = b""
    signature: bytes = b""
    public_key: bytes = b""
    format: str = FORMAT
    log_id: str | None = None
    legacy_upto: int = 0
    side_bound: int = 0
    sides: tuple[Side, ...] = ()

    @property
    def keyed(self) -> bool:
        """Taken under the keyed scheme (format 2): it carries the legacy range and the side records."""
        return self.format == FORMAT

    def canonical(self) -> bytes:
        common = [self.seq, self.position, self.previous_position, self.event_count, [list(g) for g in self.gaps],
                  self.range_root.hex(), self.log_hash.hex(), self.previous_hash.hex(),
                  self.created_at.astimezone(UTC).isoformat()]
        if not self.keyed:
            return json.dumps([FORMAT_1, *common], separators=(",", ":")).encode()
        sides = [[name, count, running.hex()] for name, count, running in self.sides]
        return json.dumps([FORMAT, self.log_id, *common, self.legacy_upto, self.side_bound, sides],
                          separators=(",", ":")).encode()

    def computed_hash(self) -> bytes:
        return hashlib.sha256(self.canonical()).digest()

    def problems(self, trusted_keys: Sequence[bytes] = ()) -> list[str]:
        """What is wrong with this checkpoint on its own: its hash, its signature, its key."""
        out = []
        if self.computed_hash() != self.checkpoint_hash:
            out.append("its recorded fields do not hash to its checkpoint hash (edited)")
        if not signature_valid(self.public_key, self.checkpoint_hash, self.signature):
            out.append("its signature is not valid")
        if trusted_keys and bytes(self.public_key) not in {bytes(k) for k in trusted_keys}:
            out.append(f"it is signed by key {key_id(self.public_key)}, which is not the published key")
        return out

    def sealed(self, signer: Signer) -> Checkpoint:
        digest = self.computed_hash()
        return replace(self, checkpoint_hash=digest, signature=signer.sign(digest), public_key=signer.public_key)

    def covers(self, position: int) -> bool:
        return self.previous_position < position <= self.position

    def is_gap(self, position: int) -> bool:
        return any(a <= position <= b for a, b in self.gaps)

    def side(self, name: str) -> tuple[int, bytes]:
        for kind, count, running in self.sides:
            if kind == name:
                return count, running
        return 0, merkle.ZERO

    # -- the file an inspector keeps, and the witness's record ------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format": self.format, "seq": self.seq, "position": self.position,
            "previousPosition": self.previous_position, "eventCount": self.event_count,
            "gaps": [list(g) for g in self.gaps], "rangeRoot": self.range_root.hex(),
            "logHash": self.log_hash.hex(), "previousHash": self.previous_hash.hex(),
            "createdAt": self.created_at.astimezone(UTC).isoformat(),
            "checkpointHash": self.checkpoint_hash.hex(), "signature": self.signature.hex(),
            "publicKey": encode_key(self.public_key), "keyId": key_id(self.public_key),
        }
        if self.keyed:
            doc.update({"log": self.log_id, "legacyUpto": self.legacy_upto, "sideBound": self.side_bound,
                        "sides": [[name, count, running.hex()] for name, count, running in self.sides]})
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Checkpoint:
        fmt = doc.get("format")
        if fmt not in (FORMAT, FORMAT_1):
            raise ValueError(f"not a {FORMAT} (or {FORMAT_1}) document")
        keyed = fmt == FORMAT
        return cls(
            seq=int(doc["seq"]), position=int(doc["position"]), previous_position=int(doc["previousPosition"]),
            event_count=int(doc["eventCount"]), gaps=tuple((int(a), int(b)) for a, b in doc["gaps"]),
            range_root=bytes.fromhex(doc["rangeRoot"]), log_hash=bytes.fromhex(doc["logHash"]),
            previous_hash=bytes.fromhex(doc["previousHash"]), created_at=datetime.fromisoformat(doc["createdAt"]),
            checkpoint_hash=bytes.fromhex(doc["checkpointHash"]), signature=bytes.fromhex(doc["signature"]),
            public_key=decode_key(doc["publicKey"]), format=fmt,
            log_id=doc.get("log") if keyed else None, legacy_upto=int(doc.get("legacyUpto", 0)),
            side_bound=int(doc.get("sideBound", 0)),
            sides=tuple((str(n), int(c), bytes.fromhex(h)) for n, c, h in doc.get("sides", [])),
        )

    @classmethod
    def from_row(cls, row: Any) -> Checkpoint:
        gaps = row["gaps"]
        gaps = json.loads(gaps) if isinstance(gaps, str) else gaps
        sides = row["sides"]
        sides = json.loads(sides) if isinstance(sides, str) else sides
        return cls(
            seq=row["seq"], position=row["position"], previous_position=row["previous_position"],
            event_count=row["event_count"], gaps=tuple((int(a), int(b)) for a, b in gaps),
            range_root=bytes(row["range_root"]), log_hash=bytes(row["log_hash"]),
            previous_hash=bytes(row["previous_hash"]), created_at=row["created_at"],
            checkpoint_hash=bytes(row["checkpoint_hash"]), signature=bytes(row["signature"]),
            public_key=bytes(row["public_key"]), format=row["format"],
            log_id=str(row["log_id"]) if row["log_id"] else None, legacy_upto=row["legacy_upto"],
            side_bound=row["side_bound"], sides=tuple((str(n), int(c), bytes.fromhex(h)) for n, c, h in sides),
        )


GENESIS = Checkpoint(seq=0, position=0, previous_position=0, event_count=0, gaps=(), range_root=merkle.ZERO,
                     log_hash=merkle.ZERO, previous_hash=merkle.ZERO, created_at=datetime(1970, 1, 1, tzinfo=UTC),
                     checkpoint_hash=merkle.ZERO, format=FORMAT_1)


def gaps_between(after: int, upto: int, present: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Inclusive ranges of positions in (after, upto] that hold no event; `present` is sorted."""
    out: list[tuple[int, int]] = []
    expected = after + 1
    for position in present:
        if position > expected:
            out.append((expected, position - 1))
        expected = position + 1
    if expected <= upto:
        out.append((expected, upto))
    return tuple(out)


# -- storage ------------------------------------------------------------------------------------------------

class CheckpointTableMissing(Exception):
    """The checkpoints table is gone (dropped): the witness still has them."""


async def create_checkpoint_table(conn: asyncpg.Connection) -> None:
    """Re-create a dropped checkpoints table (the sealer then restores the witness's copies), in the shape the
    migrations give it (`civicledger/migrations`: keep the two alike). Its creation and every change to it are
    migrations; this is only the repair after a drop."""
    await conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " seq bigint PRIMARY KEY, position bigint NOT NULL, previous_position bigint NOT NULL,"
        " event_count bigint NOT NULL, gaps jsonb NOT NULL, range_root bytea NOT NULL, log_hash bytea NOT NULL,"
        " previous_hash bytea NOT NULL, created_at timestamptz NOT NULL, checkpoint_hash bytea NOT NULL,"
        f" signature bytea NOT NULL, public_key bytea NOT NULL, format text NOT NULL DEFAULT '{FORMAT_1}',"
        " log_id uuid, legacy_upto bigint NOT NULL DEFAULT 0, side_bound bigint NOT NULL DEFAULT 0,"
        " sides jsonb NOT NULL DEFAULT '[]')"
    )
    await conn.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_by_position_idx ON {TABLE} (position)")


async def insert_checkpoints(conn: asyncpg.Connection, checkpoints: Sequence[Checkpoint]) -> None:
    await conn.executemany(
        f"INSERT INTO {TABLE} (seq, position, previous_position, event_count, gaps, range_root, log_hash,"
        " previous_hash, created_at, checkpoint_hash, signature, public_key, format, log_id, legacy_upto,"
        " side_bound, sides)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14::uuid, $15, $16, $17::jsonb)",
        [(cp.seq, cp.position, cp.previous_position, cp.event_count, json.dumps([list(g) for g in cp.gaps]),
          cp.range_root, cp.log_hash, cp.previous_hash, cp.created_at, cp.checkpoint_hash, cp.signature,
          cp.public_key, cp.format, cp.log_id, cp.legacy_upto, cp.side_bound,
          json.dumps([[n, c, h.hex()] for n, c, h in cp.sides])) for cp in checkpoints],
    )


async def table_exists(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", TABLE)  # type: ignore[no-any-return]


async def _fetch(conn: asyncpg.Connection, query: str, *args: Any) -> list[asyncpg.Record]:
    # Checked first, not caught: a failed statement would abort the caller's transaction (verify's snapshot).
    if not await table_exists(conn):
        raise CheckpointTableMissing
    return await conn.fetch(query, *args)  # type: ignore[no-any-return]


async def load_checkpoints(conn: asyncpg.Connection, after_seq: int = 0) -> list[Checkpoint]:
    return [Checkpoint.from_row(r) for r in await _fetch(conn, f"SELECT * FROM {TABLE} WHERE seq > $1 ORDER BY seq",
                                                          after_seq)]


async def latest_checkpoint(conn: asyncpg.Connection) -> Checkpoint | None:
    rows = await _fetch(conn, f"SELECT * FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    return Checkpoint.from_row(rows[0]) if rows else None


async def checkpoints_covering(conn: asyncpg.Connection, positions: Sequence[int]) -> list[Checkpoint]:
    """The checkpoints whose ranges hold these positions (unsealed positions have none)."""
    if not positions:
        return []
    rows = await _fetch(
        conn,
        f"SELECT DISTINCT c.* FROM unnest($1::bigint[]) AS p(pos)"
        f" JOIN {TABLE} c ON p.pos > c.previous_position AND p.pos <= c.position ORDER BY c.seq",
        list(positions),
    )
    return [Checkpoint.from_row(r) for r in rows]


async def range_leaves(conn: asyncpg.Connection, after: int, upto: int,
                       limit: int | None = None) -> list[tuple[int, bytes]]:
    """(position, Merkle leaf) of the events in (after, upto], in order; at most `limit`."""
    rows = await conn.fetch(
        "SELECT notification_id, originator_id, originator_version, chain_hash FROM events"
        " WHERE notification_id > $1 AND notification_id <= $2 ORDER BY notification_id LIMIT $3",
        after, upto, limit,
    )
    return [(r["notification_id"], merkle.leaf_hash(r["notification_id"], r["originator_id"],
                                                     r["originator_version"], bytes(r["chain_hash"])))
            for r in rows]


async def log_identity(conn: asyncpg.Connection) -> str:
    log_id = await conn.fetchval("SELECT log_id FROM log_identity")
    if log_id is None:
        raise LookupError("the log's identity (table log_identity) is gone")
    return str(log_id)
