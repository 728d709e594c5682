"""`casework_sessions` and `casework_reviews`: what was done with a resident, session by session, and each
periodic review — the most sensitive records of the program.

Every row carries the station that holds its case *now* (`station_id`, `district`), not the one that wrote
it: who may read a session's notes follows the case, so a transfer moves every earlier row to the receiving
station in the same batch (one statement per batch), and the old station loses them. Notes and review
summaries are about the resident: blanked when the resident is erased."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from civicledger.domains.casework.case import CaseworkCase
from civicledger.projections.base import Envelope, PersonalColumns, Projection, on
from civicledger.projections.sql import copy_rows

SESSIONS = ("case_id", "number", "position", "resident_id", "station_id", "district", "recorded_station_id",
            "held_on", "kind", "minutes", "goals_addressed", "notes", "recorded_by", "recorded_at", "erased")
REVIEWS = ("case_id", "number", "position", "resident_id", "station_id", "district", "reviewed_on", "decision",
           "progress", "summary", "next_review_due", "reviewed_by", "reviewed_at", "erased")

DDL = (
    "CREATE TABLE IF NOT EXISTS casework_sessions (case_id uuid NOT NULL, number int NOT NULL,"
    " position bigint NOT NULL UNIQUE, resident_id uuid NOT NULL, station_id uuid NOT NULL, district text NOT NULL,"
    " recorded_station_id uuid NOT NULL, held_on date NOT NULL, kind text NOT NULL, minutes int NOT NULL,"
    " goals_addressed int[] NOT NULL, notes text, recorded_by text NOT NULL, recorded_at timestamptz NOT NULL,"
    " erased boolean NOT NULL, PRIMARY KEY (case_id, number))",
    "CREATE INDEX IF NOT EXISTS casework_sessions_resident_idx ON casework_sessions (resident_id, position)",
    "CREATE TABLE IF NOT EXISTS casework_reviews (case_id uuid NOT NULL, number int NOT NULL,"
    " position bigint NOT NULL UNIQUE, resident_id uuid NOT NULL, station_id uuid NOT NULL, district text NOT NULL,"
    " reviewed_on date NOT NULL, decision text NOT NULL, progress jsonb NOT NULL, summary text,"
    " next_review_due date NOT NULL, reviewed_by text NOT NULL, reviewed_at timestamptz NOT NULL,"
    " erased boolean NOT NULL, PRIMARY KEY (case_id, number))",
)


class _Batch:
    def __init__(self) -> None:
        self.sessions: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.moved: dict[UUID, tuple[UUID, str]] = {}  # case -> the station (and district) holding it now


class CaseworkRecordsProjection(Projection):
    """Sessions and reviews of every case, readable by whoever holds the case now."""

    name = "casework_records"
    tables = ("casework_sessions", "casework_reviews")
    personal_columns = (PersonalColumns("casework_sessions", "resident_id", ("notes",), erased_flag="erased"),
                        PersonalColumns("casework_reviews", "resident_id", ("summary",), erased_flag="erased"))

    async def create(self, conn: asyncpg.Connection) -> None:
        for statement in DDL:
            await conn.execute(statement)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        b = _Batch()
        for env in batch:
            self.dispatch(env, b)
        await copy_rows(conn, "casework_sessions", SESSIONS, [tuple(r[c] for c in SESSIONS) for r in b.sessions])
        await copy_rows(conn, "casework_reviews", REVIEWS, [tuple(r[c] for c in REVIEWS) for r in b.reviews])
        if b.moved:
            cases = list(b.moved)
            stations = [b.moved[c][0] for c in cases]
            districts = [b.moved[c][1] for c in cases]
            for table in self.tables:
                await conn.execute(
                    f"UPDATE {table} t SET station_id = m.station_id, district = m.district"
                    " FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS m(case_id, station_id, district)"
                    " WHERE t.case_id = m.case_id", cases, stations, districts)

    @on(CaseworkCase.SessionRecorded)
    def _session(self, b: _Batch, env: Envelope, e: Any) -> None:
        b.sessions.append({
            "case_id": env.stream_id, "number": e.number, "position": env.position, "resident_id": e.resident_id,
            "station_id": e.station_id, "district": e.district, "recorded_station_id": e.station_id,
            "held_on": e.held_on, "kind": e.kind.value, "minutes": e.minutes,
            "goals_addressed": list(e.goals_addressed), "notes": e.notes, "recorded_by": e.recorded_by,
            "recorded_at": e.timestamp, "erased": False,
        })

    @on(CaseworkCase.Reviewed)
    def _reviewed(self, b: _Batch, env: Envelope, e: Any) -> None:
        progress = [{"number": p.number, "progress": p.progress.value} for p in e.progress]
        b.reviews.append({
            "case_id": env.stream_id, "number": e.number, "position": env.position, "resident_id": e.resident_id,
            "station_id": e.station_id, "district": e.district, "reviewed_on": e.reviewed_on,
            "decision": e.decision.value, "progress": orjson.dumps(progress).decode(), "summary": e.summary,
            "next_review_due": e.next_review_due, "reviewed_by": e.reviewed_by, "reviewed_at": e.timestamp,
            "erased": False,
        })

    @on(CaseworkCase.Transferred)
    def _transferred(self, b: _Batch, env: Envelope, e: Any) -> None:
        b.moved[env.stream_id] = (e.to_station_id, e.to_district)


async def sessions_of(conn: asyncpg.Connection, case_id: Any, *, after: int | None = None,
                      limit: int = 20) -> list[asyncpg.Record]:
    """A case's sessions in the order they were recorded. `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM casework_sessions WHERE case_id = $1 AND number > $2 ORDER BY number"
                            " LIMIT $3", case_id, after or 0, limit + 1)


async def reviews_of(conn: asyncpg.Connection, case_id: Any, *, after: int | None = None,
                     limit: int = 20) -> list[asyncpg.Record]:
    """A case's reviews in order. `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM casework_reviews WHERE case_id = $1 AND number > $2 ORDER BY number"
                            " LIMIT $3", case_id, after or 0, limit + 1)
