"""`residents`: one row per resident, for search (name, ID number, district) and the resident screen.

A name search is a substring match (`name ILIKE '%term%'`), and most Chinese terms are one or two characters (a
surname, a given name): shorter than a trigram. So the name is indexed by its characters and pairs of adjacent
characters (the pg_bigm approach, in plain SQL: no extension needed): a GIN index on `residents_name_grams(name)`,
the lower-cased name's unigrams and bigrams (the functions: migration 0003). A search asks for the rows whose
grams contain every gram of the term's literal runs (`residents_term_grams`: a one-character run's character, a
longer run's bigrams) and rechecks with the ILIKE itself, so the rows are exactly those of the ILIKE alone; both
sides lower-case with the database's own `lower()`, as ILIKE does. The trigram index stays where pg_trgm is
available (equality, and terms of three characters or more)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import asyncpg

from civicledger.core.resident_id import normalise_id_number
from civicledger.core.text import NAME_MAX, search_term
from civicledger.domains.residents.household import Household
from civicledger.domains.residents.resident import Resident, corrected_value
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows
from civicledger.projections.sql import try_create_extension

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "name": "text", "id_number": "text", "gender": "text",
    "birth_date": "date", "phone": "text", "district": "text", "street": "text", "community": "text",
    "residency": "text", "household_id": "uuid", "relationship": "text", "deceased_on": "date",
    "erased": "boolean", "registered_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}
PERSONAL = ("name", "id_number", "gender", "birth_date", "phone", "street", "community")


class ResidentsProjection(RowProjection):
    """Residents as the registry knows them now; household membership from household events."""

    name = "residents"
    tables = ("residents",)
    table = "residents"
    columns = COLUMNS
    schema_version = 2  # 2: the index of the name's unigrams and bigrams

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS residents ("
            " id uuid PRIMARY KEY, version bigint NOT NULL, seq bigint NOT NULL, name text, id_number text,"
            " gender text, birth_date date, phone text, district text NOT NULL, street text, community text,"
            " residency text, household_id uuid, relationship text, deceased_on date,"
            " erased boolean NOT NULL DEFAULT false, registered_at timestamptz, updated_at timestamptz,"
            " position bigint NOT NULL)"
        )
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS residents_seq_idx ON residents (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS residents_district_idx ON residents (district, seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS residents_id_number_idx ON residents (id_number)")
        await conn.execute("CREATE INDEX IF NOT EXISTS residents_household_idx ON residents (household_id)")
        if await try_create_extension(conn, "pg_trgm"):  # equality, and terms of three characters or more
            await conn.execute(
                "CREATE INDEX IF NOT EXISTS residents_name_trgm_idx ON residents USING gin (name gin_trgm_ops)"
            )
        # (its functions are made by migration 0003: functions change only through migrations)
        await conn.execute("CREATE INDEX IF NOT EXISTS residents_name_grams_idx ON residents"
                           " USING gin (residents_name_grams(name))")

    def keys_of(self, env: Envelope) -> Iterable[Any]:
        event = env.event
        if isinstance(event, Household.Established):
            return (event.head_id,)
        if isinstance(event, Household.MemberAdded | Household.MemberRemoved):
            return (event.resident_id, getattr(event, "new_head_id", None))
        return (env.stream_id,)

    def touched_residents(self, batch: Sequence[Envelope]) -> Iterable[Any] | None:
        return {key for env in batch for key in self.keys_of(env) if key is not None}

    # -- the resident's own stream ------------------------------------------------------------------------

    @on(Resident.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: Resident.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, version=env.version, seq=env.position, name=e.name,
                 id_number=e.id_number, gender=e.gender.value if e.gender else None, birth_date=e.birth_date,
                 phone=e.phone, district=e.district, street=e.street, community=e.community,
                 residency=e.residency.value, household_id=None, relationship=None, deceased_on=None,
                 erased=False, registered_at=e.timestamp, updated_at=e.timestamp, position=env.position)

    @on(Resident.DetailsCorrected)
    def _corrected(self, rows: Rows, env: Envelope, e: Resident.DetailsCorrected) -> None:
        def change(row: dict[str, Any]) -> None:
            for key, value in (e.changes or {}).items():
                if key in COLUMNS:
                    value = corrected_value(key, value)
                    row[key] = getattr(value, "value", value)  # enums as their stored text

        self._update(rows, env, change)

    @on(Resident.AddressChanged)
    def _moved(self, rows: Rows, env: Envelope, e: Resident.AddressChanged) -> None:
        self._update(rows, env, lambda row: row.update(district=e.district, street=e.street, community=e.community))

    @on(Resident.DeathRecorded)
    def _died(self, rows: Rows, env: Envelope, e: Resident.DeathRecorded) -> None:
        self._update(rows, env, lambda row: row.update(deceased_on=e.date_of_death))

    @on(Resident.PersonalDataErased)
    def _erased(self, rows: Rows, env: Envelope, e: Resident.PersonalDataErased) -> None:
        self._update(rows, env, lambda row: row.update(erased=True))

    @staticmethod
    def _update(rows: Rows, env: Envelope, change: Callable[[dict[str, Any]], object]) -> None:
        row = rows.of(env.stream_id)
        if row is None:
            return
        change(row)
        if row.get("erased"):
            row.update(dict.fromkeys(PERSONAL))
        row.update(version=env.version, updated_at=env.event.timestamp, position=env.position)

    # -- membership, from the household's stream ---------------------------------------------------------

    @on(Household.Established)
    def _established(self, rows: Rows, env: Envelope, e: Household.Established) -> None:
        _membership(rows, env, e.head_id, env.stream_id, "HEAD")

    @on(Household.MemberAdded)
    def _member_added(self, rows: Rows, env: Envelope, e: Household.MemberAdded) -> None:
        _membership(rows, env, e.resident_id, env.stream_id, e.relationship.value)

    @on(Household.MemberRemoved)
    def _member_removed(self, rows: Rows, env: Envelope, e: Household.MemberRemoved) -> None:
        _membership(rows, env, e.resident_id, None, None)
        if e.new_head_id:
            _membership(rows, env, e.new_head_id, env.stream_id, "HEAD")


def _membership(rows: Rows, env: Envelope, resident_id: Any, household_id: Any, relationship: str | None) -> None:
    row = rows.of(resident_id)
    if row is not None:
        row.update(household_id=household_id, relationship=relationship, position=env.position)


# -- name search -------------------------------------------------------------------------------------------

def literal_runs(pattern: str) -> list[str]:
    """The literal runs of a LIKE pattern: split at its wildcards (`%`, `_`), a backslash taking the next
    character literally (LIKE's default escape)."""
    runs: list[str] = []
    run: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            run.append(next(chars, ch))
        elif ch in "%_":
            runs.append("".join(run))
            run = []
        else:
            run.append(ch)
    runs.append("".join(run))
    return [r for r in runs if r]


def caseless_term_grams(runs: Sequence[str]) -> list[str] | None:
    """`residents_term_grams(runs)` made here, for runs of caseless characters only (Han characters, digits,
    punctuation: `lower()` leaves them as they are whatever the database's locale); None when a run has a cased
    character (the database's `lower()` then decides, as the index's does)."""
    if any(ch.lower() != ch or ch.upper() != ch for run in runs for ch in run):
        return None
    return [gram for run in runs for gram in ([run] if len(run) == 1 else
                                              [run[i:i + 2] for i in range(len(run) - 1)])]


# -- the view: queries over `residents` -------------------------------------------------------------------

SELECT = "SELECT * FROM residents"


async def residents_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch(f"{SELECT} WHERE id = ANY($1)", list(ids))


def search_filters(args: list[Any], prefix: str = "", *, name: str | None = None, id_number: str | None = None,
                   district: str | None = None, household_id: Any = None, after_seq: int | None = None) -> list[str]:
    """The WHERE clauses of a residents search (columns under `prefix`), their values appended to `args` — the
    one definition of the search, for `search_residents` and the query planner alike."""
    args.append(after_seq or 0)
    clauses = [f"{prefix}seq > ${len(args)}"]
    # No name is longer than a name may be: a longer term is refused, not sent to the database.
    name = search_term(name, "filter.name", max_length=NAME_MAX) if name else None
    if name:
        args.append(f"%{name}%")
        clauses.append(f"{prefix}name ILIKE ${len(args)}")
        runs = literal_runs(name)
        if runs:  # the index's candidates, rechecked by the ILIKE above (a term of wildcards only: no index)
            grams = caseless_term_grams(runs)
            if grams is not None:  # no SQL function call (the planner cannot inline it: ~0.1 ms a call)
                args.append(grams)
                clauses.append(f"residents_name_grams({prefix}name) @> ${len(args)}::text[]")
            else:  # the term's grams made once per statement (an InitPlan), not again by every candidate's recheck
                args.append(runs)
                clauses.append(f"residents_name_grams({prefix}name) @> (SELECT residents_term_grams("
                               f"${len(args)}::text[]))")
    if id_number:
        args.append(normalise_id_number(id_number))  # the canonical spelling it was registered under
        clauses.append(f"{prefix}id_number = ${len(args)}")
    if district:
        args.append(district)
        clauses.append(f"{prefix}district = ${len(args)}")
    if household_id:
        args.append(household_id)
        clauses.append(f"{prefix}household_id = ${len(args)}")
    return clauses


async def search_residents(conn: asyncpg.Connection, *, name: str | None = None, id_number: str | None = None,
                           district: str | None = None, household_id: Any = None, after_seq: int | None = None,
                           limit: int = 20) -> list[asyncpg.Record]:
    """Keyset page in registration order; `limit + 1` rows tell the caller whether there is a next page."""
    args: list[Any] = []
    clauses = search_filters(args, name=name, id_number=id_number, district=district, household_id=household_id,
                             after_seq=after_seq)
    args.append(limit + 1)
    return await conn.fetch(
        f"{SELECT} WHERE {' AND '.join(clauses)} ORDER BY seq LIMIT ${len(args)}", *args
    )
