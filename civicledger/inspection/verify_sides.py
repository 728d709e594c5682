"""`verify`, check 4: the side records — read-access log, idempotency records, key events (`sides.py`)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.macs import Macs
from civicledger.inspection import merkle, sides
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.findings import (
    IDEMPOTENCY_MISMATCH,
    KEY_INCONSISTENT,
    KEY_MISSING,
    ROW_MAC_MISMATCH,
    SIDE_MISMATCH,
    Finding,
)

Report = Any  # verify.IntegrityReport


async def check_sides(conn: asyncpg.Connection, report: Report, checkpoints: Sequence[Checkpoint],
                      macs: Macs) -> None:
    """Each row's MAC, and each keyed checkpoint's count and running hash of the rows it sealed."""
    keyed = [cp for cp in checkpoints if cp.keyed]
    xmax = int(await conn.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
    for kind in sides.KINDS:
        await _check_kind(conn, report, kind, keyed, macs, xmax)


async def _check_kind(conn: asyncpg.Connection, report: Report, kind: sides.SideKind, keyed: list[Checkpoint],
                      macs: Macs, xmax: int) -> None:
    index, count, running, start = 0, 0, merkle.ZERO, 0
    total = unsealed = 0

    def close() -> None:
        nonlocal index, count, running, start
        cp = keyed[index]
        sealed, expected = cp.side(kind.name)
        if (count, running) != (sealed, expected):
            previous = keyed[index - 1].side_bound if index else 0
            report.add(Finding(SIDE_MISMATCH, f"checkpoint #{cp.seq} sealed {sealed - _before(keyed, index, kind)} "
                               f"{kind.label} written by transactions {previous}-{cp.side_bound - 1}; they are not the"
                               f" same now ({count - start} there): deleted, inserted or altered", checkpoint=cp.seq))
            count, running = sealed, expected  # resynchronise: one finding per damaged range
        index, start = index + 1, count

    async for row in conn.cursor(kind.query(upto=False), prefetch=2000):
        total += 1
        seal = row["seal"]
        while index < len(keyed) and seal >= keyed[index].side_bound:
            close()
        if index < len(keyed):
            running = sides.fold(running, kind.leaf(row))
            count += 1
        else:
            unsealed += 1
        mac = row[kind.mac_column]
        if mac is None and seal != 0:
            report.add(Finding(ROW_MAC_MISMATCH, f"{kind.label[:-1]} {_key(kind, row)} has no MAC, though written"
                               " under the keyed scheme: inserted without the key (forged), or its MAC removed"))
        elif mac is not None and not Macs.same(kind.mac(macs, row), mac):
            report.add(Finding(ROW_MAC_MISMATCH, f"{kind.label[:-1]} {_key(kind, row)}: its MAC does not match its"
                               " contents (altered or forged without the key)"))
        if seal >= xmax:
            report.add(Finding(SIDE_MISMATCH, f"{kind.label[:-1]} {_key(kind, row)} claims transaction {seal}, which"
                               " has not happened yet (moved out of the sealed ranges)"))
        if total % 5000 == 0:
            await asyncio.sleep(0)
    while index < len(keyed):
        close()
    report.side_rows[kind.name] = total
    report.unsealed_side_rows[kind.name] = unsealed


def _before(keyed: list[Checkpoint], index: int, kind: sides.SideKind) -> int:
    return keyed[index - 1].side(kind.name)[0] if index else 0


def _key(kind: sides.SideKind, row: asyncpg.Record) -> str:
    key = kind.key(row)
    return "/".join(key) if isinstance(key, tuple) else str(key)


async def check_idempotency_positions(conn: asyncpg.Connection, report: Report) -> None:
    """An idempotency record lists the positions its command wrote; the events say which key they were
    written under (their metadata is covered by their MACs). Both must agree."""
    rows = await conn.fetch(
        "WITH logged AS (SELECT actor_id AS scope, idempotency_key AS key,"
        "   array_agg(notification_id ORDER BY notification_id) AS positions"
        "   FROM events WHERE idempotency_key IS NOT NULL GROUP BY 1, 2),"
        " recorded AS (SELECT scope, key, ARRAY(SELECT p FROM unnest(positions) AS p ORDER BY p) AS positions"
        "   FROM idempotency_keys)"
        " SELECT coalesce(l.scope, r.scope) AS scope, coalesce(l.key, r.key) AS key, l.positions AS logged,"
        "   r.positions AS recorded"
        " FROM logged l FULL JOIN recorded r ON r.scope = l.scope AND r.key = l.key"
        " WHERE l.positions IS DISTINCT FROM r.positions AND NOT (l.scope IS NULL AND cardinality(r.positions) = 0)"
        " ORDER BY 1, 2")
    for r in rows:
        which = f"idempotency key {r['key']!r} of {r['scope']}"
        if r["recorded"] is None:
            message = f"the events at positions {_list(r['logged'])} were written under {which}, whose record is gone"
            position = r["logged"][0]
        elif r["logged"] is None:
            message = f"the record of {which} lists positions {_list(r['recorded'])}, where no event carries its key"
            position = r["recorded"][0]
        else:
            message = (f"the record of {which} lists positions {_list(r['recorded'])}, the events under its key are"
                       f" at {_list(r['logged'])}")
            position = r["logged"][0]
        report.add(Finding(IDEMPOTENCY_MISMATCH, message + " (deleted, altered or forged)", position=position))


def _list(positions: Sequence[int]) -> str:
    shown = ", ".join(str(p) for p in positions[:5])
    return shown + (f" ... ({len(positions)})" if len(positions) > 5 else "")


async def check_subjects_have_keys(conn: asyncpg.Connection, report: Report, subjects: set[UUID],
                                   reported: set[UUID]) -> None:
    """Residents whose sealed data is in the log (these events' MACs vouch for that) must have a key record."""
    if not subjects:
        return
    known = {r["subject_id"] for r in await conn.fetch(
        "SELECT subject_id FROM subject_keys WHERE subject_id = ANY($1::uuid[])", list(subjects))}
    for subject in sorted(subjects - known - reported):
        reported.add(subject)
        report.add(Finding(KEY_MISSING, f"the log holds personal data sealed for {subject}, whose key record is gone"
                           " (deleted: the data is unreadable without an audited erasure)"))


async def check_keys(conn: asyncpg.Connection, report: Report) -> None:
    """Each key record agrees with its own key events: a live key is the one created, an erased one is gone."""
    async for r in conn.cursor("SELECT subject_id, wrapped_key, key_digest, erased_at FROM subject_keys",
                               prefetch=5000):
        subject, wrapped = r["subject_id"], r["wrapped_key"]
        if wrapped is None and r["erased_at"] is None:
            report.add(Finding(KEY_INCONSISTENT, f"the data key of {subject} is gone without an erasure (destroyed"
                               " outside the audited erasure)"))
        elif wrapped is not None and r["erased_at"] is not None:
            report.add(Finding(KEY_INCONSISTENT, f"the data key of {subject} is present though erased (restored)"))
        elif wrapped is not None and r["key_digest"] is not None \
                and hashlib.sha256(bytes(wrapped)).digest() != bytes(r["key_digest"]):
            report.add(Finding(KEY_INCONSISTENT, f"the data key of {subject} is not the key that was created"
                               " (replaced)"))
