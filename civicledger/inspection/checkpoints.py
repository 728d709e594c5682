"""Signed, chained checkpoints over the global log (DESIGN §3 tamper evidence).

A checkpoint seals the log up to a position that can no longer change (the recorder's safe horizon: every
transaction holding a lower position has finished). It records

    seq, position, previous_position      which range (previous_position, position] it seals
    event_count                           events at positions <= position, from the start of the log
    gaps                                  positions in the range that hold no event (failed appends use up
                                          positions), as inclusive [first, last] ranges
    range_root                            Merkle root of the range's leaves (see `merkle`)
    log_hash                              running hash of every leaf up to position
    previous_hash                         the previous checkpoint's hash (32 zero bytes before the first)

    checkpoint_hash = SHA-256(canonical JSON ["civicledger-checkpoint/1", seq, position, previous_position,
                      event_count, gaps, range_root hex, log_hash hex, previous_hash hex, created_at ISO-8601])
    signature       = Ed25519(checkpoint_hash)

After sealing, a deleted event shows as a missing position, a forged one as an event where the checkpoint
saw a gap, and any rewrite (even one that recomputes every stream's chain) as a different log hash. An
inspector keeps a checkpoint outside the system (`civicledger checkpoint --export FILE`) and later runs
`civicledger verify --against FILE`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import asyncpg

from civicledger.core.eventstore.horizon import horizon_position_async
from civicledger.core.transient import Outage, is_transient
from civicledger.inspection import merkle
from civicledger.inspection.signing import Signer, decode_key, encode_key, key_id, signature_valid

log = logging.getLogger(__name__)

FORMAT = "civicledger-checkpoint/1"
TABLE = "log_checkpoints"
_LOCK = "civicledger-checkpoint"



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

    def canonical(self) -> bytes:
        return json.dumps(
            [FORMAT, self.seq, self.position, self.previous_position, self.event_count,
             [list(g) for g in self.gaps], self.range_root.hex(), self.log_hash.hex(), self.previous_hash.hex(),
             self.created_at.astimezone(UTC).isoformat()],
            separators=(",", ":"),
        ).encode()

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

    # -- the file an inspector keeps ------------------------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "seq": self.seq, "position": self.position,
            "previousPosition": self.previous_position, "eventCount": self.event_count,
            "gaps": [list(g) for g in self.gaps], "rangeRoot": self.range_root.hex(),
            "logHash": self.log_hash.hex(), "previousHash": self.previous_hash.hex(),
            "createdAt": self.created_at.astimezone(UTC).isoformat(),
            "checkpointHash": self.checkpoint_hash.hex(), "signature": self.signature.hex(),
            "publicKey": encode_key(self.public_key), "keyId": key_id(self.public_key),
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Checkpoint:
        if doc.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        return cls(
            seq=int(doc["seq"]), position=int(doc["position"]), previous_position=int(doc["previousPosition"]),
            event_count=int(doc["eventCount"]), gaps=tuple((int(a), int(b)) for a, b in doc["gaps"]),
            range_root=bytes.fromhex(doc["rangeRoot"]), log_hash=bytes.fromhex(doc["logHash"]),
            previous_hash=bytes.fromhex(doc["previousHash"]), created_at=datetime.fromisoformat(doc["createdAt"]),
            checkpoint_hash=bytes.fromhex(doc["checkpointHash"]), signature=bytes.fromhex(doc["signature"]),
            public_key=decode_key(doc["publicKey"]),
        )

    @classmethod
    def from_row(cls, row: Any) -> Checkpoint:
        gaps = row["gaps"]
        gaps = json.loads(gaps) if isinstance(gaps, str) else gaps
        return cls(
            seq=row["seq"], position=row["position"], previous_position=row["previous_position"],
            event_count=row["event_count"], gaps=tuple((int(a), int(b)) for a, b in gaps),
            range_root=bytes(row["range_root"]), log_hash=bytes(row["log_hash"]),
            previous_hash=bytes(row["previous_hash"]), created_at=row["created_at"],
            checkpoint_hash=bytes(row["checkpoint_hash"]), signature=bytes(row["signature"]),
            public_key=bytes(row["public_key"]),
        )


GENESIS = Checkpoint(seq=0, position=0, previous_position=0, event_count=0, gaps=(), range_root=merkle.ZERO,
                     log_hash=merkle.ZERO, previous_hash=merkle.ZERO, created_at=datetime(1970, 1, 1, tzinfo=UTC),
                     checkpoint_hash=merkle.ZERO)


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

async def create_checkpoint_table(conn: asyncpg.Connection) -> None:
    await conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " seq bigint PRIMARY KEY, position bigint NOT NULL, previous_position bigint NOT NULL,"
        " event_count bigint NOT NULL, gaps jsonb NOT NULL, range_root bytea NOT NULL, log_hash bytea NOT NULL,"
        " previous_hash bytea NOT NULL, created_at timestamptz NOT NULL, checkpoint_hash bytea NOT NULL,"
        " signature bytea NOT NULL, public_key bytea NOT NULL)"
    )
    await conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_position_idx ON {TABLE} (position)")


async def load_checkpoints(conn: asyncpg.Connection) -> list[Checkpoint]:
    return [Checkpoint.from_row(r) for r in await conn.fetch(f"SELECT * FROM {TABLE} ORDER BY seq")]


async def latest_checkpoint(conn: asyncpg.Connection) -> Checkpoint | None:
    row = await conn.fetchrow(f"SELECT * FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    return Checkpoint.from_row(row) if row else None


async def checkpoints_covering(conn: asyncpg.Connection, positions: Sequence[int]) -> list[Checkpoint]:
    """The checkpoints whose ranges hold these positions (unsealed positions have none)."""
    if not positions:
        return []
    rows = await conn.fetch(
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


# -- sealing ------------------------------------------------------------------------------------------------

class Checkpointer:
    """Follows the log and seals it, one signed checkpoint per call of `seal` (at most `max_events` events)."""

    def __init__(self, pool: asyncpg.Pool, signer: Signer, *, max_events: int = 10_000) -> None:
        self.pool = pool
        self.signer = signer
        self.max_events = max_events

    async def seal(self) -> Checkpoint | None:
        """Seal the next range up to the safe horizon; None when there is nothing new to seal."""
        async with self.pool.acquire() as conn, conn.transaction():
            # One sealer at a time, whichever process it runs in.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
            last = await latest_checkpoint(conn) or GENESIS
            horizon = await horizon_position_async(conn)
            if horizon is None or horizon <= last.position:
                return None
            sealed = await range_leaves(conn, last.position, horizon, self.max_events)
            if not sealed:
                return None
            upto = sealed[-1][0]
            leaves = [leaf for _, leaf in sealed]
            log_hash = last.log_hash
            for leaf in leaves:
                log_hash = merkle.fold(log_hash, leaf)
            checkpoint = Checkpoint(
                seq=last.seq + 1, position=upto, previous_position=last.position,
                event_count=last.event_count + len(sealed),
                gaps=gaps_between(last.position, upto, [p for p, _ in sealed]),
                range_root=merkle.root(leaves), log_hash=log_hash, previous_hash=last.checkpoint_hash,
                created_at=datetime.now(UTC),
            ).sealed(self.signer)
            await conn.execute(
                f"INSERT INTO {TABLE} (seq, position, previous_position, event_count, gaps, range_root, log_hash,"
                " previous_hash, created_at, checkpoint_hash, signature, public_key)"
                " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12)",
                checkpoint.seq, checkpoint.position, checkpoint.previous_position, checkpoint.event_count,
                json.dumps([list(g) for g in checkpoint.gaps]), checkpoint.range_root, checkpoint.log_hash,
                checkpoint.previous_hash, checkpoint.created_at, checkpoint.checkpoint_hash, checkpoint.signature,
                checkpoint.public_key,
            )
        return checkpoint

    async def seal_all(self) -> list[Checkpoint]:
        """Seal until caught up with the safe horizon."""
        out = []
        while (checkpoint := await self.seal()) is not None:
            out.append(checkpoint)
        return out

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        outage = Outage(log, "checkpointer")
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
            try:
                sealed = await self.seal_all()
            except Exception as exc:
                if is_transient(exc):  # a database outage: warned once, retried at the next interval
                    outage.failed(exc)
                else:
                    log.exception("checkpointer failed; retrying at the next interval")
                continue
            outage.recovered()
            if sealed:
                log.info("sealed the log up to position %s (checkpoint #%s)", sealed[-1].position, sealed[-1].seq)
