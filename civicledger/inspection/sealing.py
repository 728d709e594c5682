"""The sealer: seals the log and its side records at most about a second behind, publishes every checkpoint to
the witness, and checks what this process wrote until a witnessed checkpoint covers it.

Every process that writes runs one (`Runtime.start`); they take turns through an advisory lock. One tick:

1. **Reconcile with the witness.** Checkpoints the witness holds and the database lost are restored from the
   witness (they are signed), and an alarm says so — the newest at every tick, any older one within a minute
   (`full_reconcile_interval_s`: one count in the database; a tick no longer fetches every seq ever written,
   which grew by up to 86,400 a day); checkpoints the database holds and the witness lacks (another process
   sealed them, or publishing failed) are published.
2. **Seal** below the safe horizon (`core/eventstore/horizon.py`) and below the side bound (`sides.py`), then
   publish each new checkpoint. An idle tick is one small query.
3. **Check receipts** (`core/eventstore/receipts.py`): an acknowledged event or side record that is missing or
   different raises an alarm in the witness at once; one found sealed under a witnessed checkpoint is done.

Alarms are signed documents in the witness, which `verify` reports as findings:

    {"format": "civicledger-alarm/1", "log", "raisedAt", "kind", "message", "items", "keyId", "publicKey",
     "alarmHash": SHA-256 of the canonical JSON of the other fields (keys sorted), "signature": Ed25519}
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg

from civicledger.core.aio import within
from civicledger.core.eventstore.horizon import horizon_position_async
from civicledger.core.eventstore.receipts import Receipts
from civicledger.core.transient import Outage, is_transient
from civicledger.inspection import merkle, sides
from civicledger.inspection.checkpoints import (
    FORMAT,
    GENESIS,
    Checkpoint,
    CheckpointTableMissing,
    create_checkpoint_table,
    gaps_between,
    insert_checkpoints,
    latest_checkpoint,
    load_checkpoints,
    log_identity,
    range_leaves,
    table_exists,
)
from civicledger.inspection.receipt_checks import check_receipts
from civicledger.inspection.signing import Signer, decode_key, encode_key, signature_valid
from civicledger.inspection.witness import Witness, WitnessConflict

log = logging.getLogger(__name__)

ALARM_FORMAT = "civicledger-alarm/1"
_LOCK = "civicledger-checkpoint"
_PROBE = (
    "SELECT (SELECT notification_id FROM events ORDER BY notification_id DESC LIMIT 1) AS position,"
    " (SELECT seq FROM log_checkpoints ORDER BY seq DESC LIMIT 1) AS seq,"
    " EXISTS (SELECT 1 FROM personal_data_reads WHERE tx >= $1::text::xid8)"
    "  OR EXISTS (SELECT 1 FROM idempotency_keys WHERE tx >= $1::text::xid8)"
    "  OR EXISTS (SELECT 1 FROM subject_keys WHERE tx >= $1::text::xid8)"
    "  OR EXISTS (SELECT 1 FROM subject_keys WHERE erased_at IS NOT NULL AND erased_tx >= $1::text::xid8) AS side"
)


def alarm_hash(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k not in ("alarmHash", "signature")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).digest()


def signed_alarm(signer: Signer, log_id: str, kind: str, message: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": ALARM_FORMAT, "log": log_id, "raisedAt": datetime.now(UTC).isoformat(),
                           "kind": kind, "message": message, "items": items, "keyId": signer.key_id,
                           "publicKey": encode_key(signer.public_key)}
    digest = alarm_hash(doc)
    return {**doc, "alarmHash": digest.hex(), "signature": signer.sign(digest).hex()}


def alarm_valid(doc: dict[str, Any]) -> bool:
    try:
        digest = alarm_hash(doc)
        return digest.hex() == doc.get("alarmHash") and signature_valid(
            decode_key(doc["publicKey"]), digest, bytes.fromhex(doc.get("signature", "")))
    except (KeyError, ValueError):
        return False


class Checkpointer:
    """Seals, publishes and checks (see the module docstring); `seal_all` is one full tick."""

    def __init__(self, pool: asyncpg.Pool, signer: Signer, witness: Witness, receipts: Receipts, *,
                 max_events: int = 10_000, full_reconcile_interval_s: float = 60.0) -> None:
        self.pool = pool
        self.signer = signer
        self.witness = witness
        self.receipts = receipts
        self.max_events = max_events
        # Every tick checks that the witness's newest checkpoints are in the database; every this many seconds
        # (and at the first tick) that none of the older ones is missing either. Both restore what went.
        self.full_reconcile_interval_s = full_reconcile_interval_s
        self._next_full_reconcile = 0.0
        self.witnessed: Checkpoint | None = None  # the newest checkpoint the witness holds
        self._log_id: str | None = None
        self._seen: tuple[int, int, int] | None = None  # (position, seq, side bound) after the last tick
        self._range_full = False  # the last checkpoint stopped at max_events, not at the horizon

    async def seal(self) -> list[Checkpoint]:
        return await self.seal_all()

    async def seal_all(self) -> list[Checkpoint]:
        sealed: list[Checkpoint] = []
        async with self.pool.acquire() as conn:
            if self._log_id is None:
                self._log_id = await log_identity(conn)
            log_id = self._log_id
            witness_ok = await self._witness_step(self._reconcile(conn, log_id))
            while (checkpoint := await self._seal_one(conn, log_id)) is not None:
                sealed.append(checkpoint)
                if checkpoint.position == checkpoint.previous_position or not self._range_full:
                    # Side records only, or every event below the horizon: the next tick seals what came since
                    # (another try now would be a dozen statements to find nothing, on every busy tick).
                    break
            # Without the witness, seal into the database anyway; receipts wait for a witnessed checkpoint.
            if await self._witness_step(self._publish(conn, log_id)) and witness_ok:
                await self._check_receipts(conn, log_id)
            latest = await latest_checkpoint(conn) or GENESIS
            self._seen = (latest.position, latest.seq, latest.side_bound if latest.keyed else 0)
        if sealed:
            log.debug("sealed the log up to position %s (checkpoint #%s)", sealed[-1].position, sealed[-1].seq)
        return sealed

    async def _witness_step(self, step: Any) -> bool:
        try:
            await step
        except OSError as exc:
            log.warning("sealer: the witness %s is unavailable (%s); sealing into the database only",
                        self.witness.description, exc)
            return False
        return True

    async def tick(self) -> None:
        if not len(self.receipts) and await self._idle():
            return
        await self.seal_all()

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        outage = Outage(log, "sealer")
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await within(interval, stop.wait())
            if stop.is_set():
                return
            try:
                await self.tick()
            except Exception as exc:
                if is_transient(exc):  # the database or the witness away: warned once, retried every tick
                    outage.failed(exc)
                else:
                    log.exception("sealer failed; retrying at the next tick")
                continue
            outage.recovered()

    async def _idle(self) -> bool:
        if self._seen is None:
            return False
        position, seq, bound = self._seen
        try:
            async with self.pool.acquire() as conn:
                row = await conn.fetchrow(_PROBE, str(bound))
        except asyncpg.UndefinedTableError:
            return False
        assert row is not None
        return (row["position"] or 0) <= position and (row["seq"] or 0) == seq and not row["side"]

    # -- 1. the witness -----------------------------------------------------------------------------------

    async def _reconcile(self, conn: asyncpg.Connection, log_id: str) -> None:
        """Restore what the witness holds and the database lost."""
        full = time.monotonic() >= self._next_full_reconcile
        if full:
            self._next_full_reconcile = time.monotonic() + self.full_reconcile_interval_s
        newest = await asyncio.to_thread(self.witness.newest, log_id)
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
            if not await table_exists(conn):
                await create_checkpoint_table(conn)  # dropped: the witness's copies come back below
            if newest is None:
                return
            last = int(newest["seq"])
            if full:
                # The witness holds 1..last without a hole: a count of the database's seqs up to last says
                # whether one is missing, without moving every seq ever written to this process.
                whole = await conn.fetchval("SELECT count(*) = $1 FROM log_checkpoints WHERE seq <= $1", last)
            else:
                # Between full checks, only whether the newest ones went (one index probe).
                stored = await conn.fetchval("SELECT seq FROM log_checkpoints ORDER BY seq DESC LIMIT 1")
                whole = stored is not None and stored >= last
            if whole:
                return
            present = {r["seq"] for r in await conn.fetch("SELECT seq FROM log_checkpoints WHERE seq <= $1", last)}
            held = await asyncio.to_thread(self.witness.read, log_id)  # every checkpoint: only to restore some
            restore = [Checkpoint.from_document(d) for d in held.checkpoints
                       if int(d["seq"]) <= last and int(d["seq"]) not in present]
            restore = [cp for cp in restore if not cp.problems([self.signer.public_key])]
            if restore:
                await insert_checkpoints(conn, restore)
        if restore:
            seqs = [cp.seq for cp in restore]
            await self.alarm(log_id, "CHECKPOINTS_RESTORED",
                             f"{len(seqs)} checkpoints the witness holds were missing from the database (deleted);"
                             " restored from the witness", [{"seq": s} for s in seqs[:1000]])

    async def _publish(self, conn: asyncpg.Connection, log_id: str) -> None:
        last = await asyncio.to_thread(self.witness.newest, log_id)
        try:
            pending = await load_checkpoints(conn, after_seq=int(last["seq"]) if last else 0)
        except CheckpointTableMissing:
            pending = []
        if pending:
            try:
                await asyncio.to_thread(self.witness.publish_checkpoints, log_id, [cp.to_document() for cp in pending])
            except WitnessConflict as exc:
                await self.alarm(log_id, "WITNESS_CONFLICT", str(exc), [])
            last = await asyncio.to_thread(self.witness.newest, log_id)
        self.witnessed = Checkpoint.from_document(last) if last else None

    async def alarm(self, log_id: str, kind: str, message: str, items: list[dict[str, Any]]) -> None:
        log.error("tamper alarm %s: %s %s", kind, message, items[:5])
        doc = signed_alarm(self.signer, log_id, kind, message, items)
        await asyncio.to_thread(self.witness.publish_alarm, log_id, doc)

    # -- 2. sealing ---------------------------------------------------------------------------------------

    async def _seal_one(self, conn: asyncpg.Connection, log_id: str) -> Checkpoint | None:
        async with conn.transaction():
            # One sealer at a time, whichever process it runs in.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
            last = await latest_checkpoint(conn) or GENESIS
            horizon = await horizon_position_async(conn)
            sealed = await range_leaves(conn, last.position, horizon, self.max_events) if horizon > last.position \
                else []
            self._range_full = len(sealed) >= self.max_events
            # The bound first, the rows after: every transaction below it has finished (two statements).
            previous_bound = last.side_bound if last.keyed else 0
            bound = max(await sides.side_bound(conn), previous_bound)
            side_seals, new_side_rows = await self._seal_sides(conn, last, previous_bound, bound)
            if not sealed and not new_side_rows and (last.keyed or last.seq == 0):
                return None
            upto = sealed[-1][0] if sealed else last.position
            log_hash = last.log_hash
            for _, leaf in sealed:
                log_hash = merkle.fold(log_hash, leaf)
            legacy_upto = last.legacy_upto if last.keyed else await conn.fetchval(
                "SELECT coalesce(max(notification_id), 0) FROM events"
                " WHERE event_mac IS NULL AND notification_id <= $1", upto)
            checkpoint = Checkpoint(
                seq=last.seq + 1, position=upto, previous_position=last.position,
                event_count=last.event_count + len(sealed),
                gaps=gaps_between(last.position, upto, [p for p, _ in sealed]),
                range_root=merkle.root([leaf for _, leaf in sealed]), log_hash=log_hash,
                previous_hash=last.checkpoint_hash, created_at=datetime.now(UTC), format=FORMAT, log_id=log_id,
                legacy_upto=legacy_upto, side_bound=bound, sides=side_seals,
            ).sealed(self.signer)
            await insert_checkpoints(conn, [checkpoint])
        return checkpoint

    @staticmethod
    async def _seal_sides(conn: asyncpg.Connection, last: Checkpoint, lo: int,
                          hi: int) -> tuple[tuple[tuple[str, int, bytes], ...], int]:
        out = []
        new = 0
        for kind in sides.KINDS:
            count, running = last.side(kind.name) if last.keyed else (0, merkle.ZERO)
            async for row in sides.sealed_rows(conn, kind, lo, hi):
                running = sides.fold(running, kind.leaf(row))
                count += 1
                new += 1
            out.append((kind.name, count, running))
        return tuple(out), new

    # -- 3. receipts --------------------------------------------------------------------------------------

    async def _check_receipts(self, conn: asyncpg.Connection, log_id: str) -> None:
        if not len(self.receipts):
            return
        pending = self.receipts.take()
        keep, problems = await check_receipts(conn, pending, self.witnessed)
        self.receipts.put_back(keep)
        if problems:
            await self.alarm(log_id, "ACKNOWLEDGED_RECORD_CHANGED",
                             f"{len(problems)} records this process wrote and was told were committed are missing"
                             " or different before a witnessed checkpoint covered them", problems[:1000])
