"""Who read whose personal data (the foundation's `personal_data_reads`), and which reads look unusual.

Three patterns are reported, each over a period:

- **Bulk reads**: one reader saw the personal data of at least `threshold` different residents within any
  sliding `window` (one finding per burst, from its first to its last read).
- **Out of district without a case link**: a reader bound to a district (caseworkers, supervisors) read a
  resident registered in another district, and has no *case link* to them. A case link is an event recorded
  by the reader's office — or by the reader — on any stream that concerns the resident: the resident's own
  record, or any program's case that put an entry on the resident's timeline (`client_timeline`), at any
  time (a lookup usually comes before the case is opened). City-wide services (marriage registration) create
  their case link as soon as they record anything.
- **Night reads**: reads between `night_start` and `night_end` o'clock, Asia/Shanghai time (one finding per
  reader and night).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

BULK_READS = "BULK_READS"
OUT_OF_DISTRICT_WITHOUT_CASE_LINK = "OUT_OF_DISTRICT_WITHOUT_CASE_LINK"
NIGHT_READS = "NIGHT_READS"


async def reads_page(conn: asyncpg.Connection, *, reader_id: str | None = None, resident_id: UUID | None = None,
                     purpose: str | None = None, since: datetime | None = None, until: datetime | None = None,
                     before_id: int | None = None, limit: int = 50) -> list[asyncpg.Record]:
    """Newest first, keyset on the read's id; `limit + 1` rows."""
    clauses: list[str] = []
    args: list[Any] = []
    for clause, value in (("reader_id = ${}", reader_id), ("resident_id = ${}", resident_id),
                          ("purpose ILIKE ${}", f"%{purpose}%" if purpose else None),
                          ("read_at >= ${}", since), ("read_at < ${}", until), ("id < ${}", before_id)):
        if value is not None:
            args.append(value)
            clauses.append(clause.format(len(args)))
    args.append(limit + 1)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return await conn.fetch(f"SELECT * FROM personal_data_reads {where} ORDER BY id DESC LIMIT ${len(args)}", *args)


@dataclass
class AccessFinding:
    kind: str
    reader_id: str
    reader_role: str | None
    reader_office: str | None
    reader_district: str | None
    first_read_at: datetime
    last_read_at: datetime
    read_count: int
    resident_ids: list[UUID] = field(default_factory=list)
    detail: str = ""


@dataclass(frozen=True)
class Thresholds:
    bulk_threshold: int = 50
    bulk_window: timedelta = timedelta(hours=1)
    night_start: int = 22
    night_end: int = 6


async def unusual_access(conn: asyncpg.Connection, since: datetime, until: datetime,
                         thresholds: Thresholds = Thresholds()) -> list[AccessFinding]:
    findings = await _bulk(conn, since, until, thresholds)
    findings += await _out_of_district(conn, since, until)
    findings += await _night(conn, since, until, thresholds)
    return sorted(findings, key=lambda f: (f.first_read_at, f.kind, f.reader_id))


async def _bulk(conn: asyncpg.Connection, since: datetime, until: datetime, t: Thresholds) -> list[AccessFinding]:
    # Only readers who saw enough different residents in the whole period can have a burst.
    rows = await conn.fetch(
        "WITH heavy AS (SELECT reader_id FROM personal_data_reads WHERE read_at >= $1 AND read_at < $2"
        " GROUP BY reader_id HAVING count(DISTINCT resident_id) >= $3)"
        " SELECT r.reader_id, r.reader_role, r.reader_office, r.reader_district, r.resident_id, r.read_at"
        " FROM personal_data_reads r JOIN heavy USING (reader_id)"
        " WHERE r.read_at >= $1 AND r.read_at < $2 ORDER BY r.reader_id, r.read_at, r.id",
        since, until, t.bulk_threshold,
    )
    out: list[AccessFinding] = []
    window: deque[Any] = deque()
    counts: Counter[UUID] = Counter()
    burst: AccessFinding | None = None
    reader = None
    for row in rows:
        if row["reader_id"] != reader:
            reader, burst = row["reader_id"], None
            window.clear()
            counts.clear()
        window.append(row)
        counts[row["resident_id"]] += 1
        while window and window[0]["read_at"] <= row["read_at"] - t.bulk_window:
            old = window.popleft()
            counts[old["resident_id"]] -= 1
            if not counts[old["resident_id"]]:
                del counts[old["resident_id"]]
        if len(counts) < t.bulk_threshold:
            burst = None
            continue
        if burst is None:
            burst = _finding(BULK_READS, window[0], first=window[0]["read_at"], last=row["read_at"])
            burst.read_count = len(window)
            burst.resident_ids = list(dict.fromkeys(r["resident_id"] for r in window))
            out.append(burst)
        else:
            burst.last_read_at = row["read_at"]
            burst.read_count += 1
            if row["resident_id"] not in burst.resident_ids:
                burst.resident_ids.append(row["resident_id"])
    for f in out:
        f.detail = (f"{len(f.resident_ids)} residents' personal data within "
                    f"{_duration(t.bulk_window)} (threshold {t.bulk_threshold})")
    return out


async def _out_of_district(conn: asyncpg.Connection, since: datetime, until: datetime) -> list[AccessFinding]:
    rows = await conn.fetch(
        "SELECT r.reader_id, min(r.reader_role) AS reader_role, r.reader_office, r.reader_district,"
        " r.resident_id, min(r.resident_district) AS resident_district, min(r.read_at) AS first_read_at,"
        " max(r.read_at) AS last_read_at, count(*) AS reads"
        " FROM personal_data_reads r"
        " WHERE r.read_at >= $1 AND r.read_at < $2 AND r.reader_district IS NOT NULL"
        "   AND r.resident_district IS DISTINCT FROM r.reader_district"
        "   AND NOT EXISTS (SELECT 1 FROM client_timeline t WHERE t.resident_id = r.resident_id"
        "                   AND (t.actor_office = r.reader_office OR t.actor_id = r.reader_id))"
        " GROUP BY r.reader_id, r.reader_office, r.reader_district, r.resident_id"
        " ORDER BY first_read_at",
        since, until,
    )
    out = []
    for row in rows:
        f = _finding(OUT_OF_DISTRICT_WITHOUT_CASE_LINK, row, first=row["first_read_at"], last=row["last_read_at"])
        f.read_count, f.resident_ids = row["reads"], [row["resident_id"]]
        f.detail = (f"a {row['reader_district']} reader saw a {row['resident_district'] or 'unknown'}-district"
                    f" resident's personal data; {row['reader_office'] or 'their office'} recorded nothing on"
                    " any of the resident's streams")
        out.append(f)
    return out


async def _night(conn: asyncpg.Connection, since: datetime, until: datetime, t: Thresholds) -> list[AccessFinding]:
    local = "(r.read_at AT TIME ZONE 'Asia/Shanghai')"
    hour = f"extract(hour FROM {local})"
    joiner = "OR" if t.night_start > t.night_end else "AND"
    in_night = f"({hour} >= $3::int {joiner} {hour} < $4::int)"
    rows = await conn.fetch(
        f"SELECT r.reader_id, min(r.reader_role) AS reader_role, min(r.reader_office) AS reader_office,"
        f" min(r.reader_district) AS reader_district, ({local} - make_interval(hours => $4::int))::date AS night,"
        f" min(r.read_at) AS first_read_at, max(r.read_at) AS last_read_at, count(*) AS reads,"
        f" array_agg(DISTINCT r.resident_id) AS residents"
        f" FROM personal_data_reads r WHERE r.read_at >= $1 AND r.read_at < $2 AND {in_night}"
        f" GROUP BY r.reader_id, night ORDER BY first_read_at",
        since, until, t.night_start, t.night_end,
    )
    out = []
    for row in rows:
        f = _finding(NIGHT_READS, row, first=row["first_read_at"], last=row["last_read_at"])
        f.read_count, f.resident_ids = row["reads"], list(row["residents"])
        f.detail = (f"{row['reads']} reads of {len(f.resident_ids)} residents' personal data in the night of "
                    f"{row['night']:%Y-%m-%d} ({t.night_start:02d}:00-{t.night_end:02d}:00 Asia/Shanghai)")
        out.append(f)
    return out


def _finding(kind: str, row: Any, *, first: datetime, last: datetime) -> AccessFinding:
    return AccessFinding(kind=kind, reader_id=row["reader_id"], reader_role=row["reader_role"],
                         reader_office=row["reader_office"], reader_district=row["reader_district"],
                         first_read_at=first, last_read_at=last, read_count=0)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
