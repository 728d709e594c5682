"""The two shapes most read models take: one row per key (a resident, a case, a referral), folded in memory.

A batch loads the rows its events touch once, hands each event to its `@on` handler with the batch's `Rows`,
and writes back every changed row in one statement — no round trip per event:

    class HouseholdsProjection(RowProjection):
        name = "households"
        table = "households"
        columns = {"id": "uuid", "head_id": "uuid", "members": "jsonb", ...}

        @on(Household.Established)
        def _established(self, rows: Rows, env: Envelope, e: Household.Established) -> None:
            rows.new(env.stream_id, head_id=e.head_id, members=[...])

        @on(Household.MemberAdded)
        def _added(self, rows: Rows, env: Envelope, e: Household.MemberAdded) -> None:
            row = rows.of(env.stream_id)
            ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import asyncpg

from civicledger.projections.base import Envelope, Projection
from civicledger.projections.sql import copy_rows, upsert_rows


class Rows:
    """The rows one batch touches: loaded once, changed by the handlers, written back once."""

    def __init__(self, loaded: dict[Any, dict[str, Any]]) -> None:
        self._rows = loaded
        self._touched: dict[Any, None] = {}

    def new(self, key: Any, **values: Any) -> dict[str, Any]:
        self._rows[key] = values
        self._touched[key] = None
        return values

    def of(self, key: Any) -> dict[str, Any] | None:
        """The row, marked as changed; None when the read model has none (an event it cannot place)."""
        row = self._rows.get(key)
        if row is not None:
            self._touched[key] = None
        return row

    def peek(self, key: Any) -> dict[str, Any] | None:
        return self._rows.get(key)

    def changed(self) -> list[dict[str, Any]]:
        return [self._rows[k] for k in self._touched if k in self._rows]


class RowProjection(Projection):
    """A read model of one row per `key` in `table`, with `columns` (name → SQL type) written by upsert."""

    table: ClassVar[str]
    key: ClassVar[str] = "id"
    columns: ClassVar[Mapping[str, str]]
    # Columns stored as jsonb that handlers see as Python values (decoded on load, encoded on write).
    json_columns: ClassVar[Sequence[str]] = ()

    def keys_of(self, env: Envelope) -> Iterable[Any]:
        """The rows an event may change: its own stream's by default."""
        return (env.stream_id,)

    async def load(self, conn: asyncpg.Connection, keys: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        import orjson

        rows = {}
        for record in await conn.fetch(f"SELECT * FROM {self.table} WHERE {self.key} = ANY($1)", list(keys)):
            row = dict(record)
            for column in self.json_columns:
                if row.get(column) is not None:
                    row[column] = orjson.loads(row[column])
            rows[row[self.key]] = row
        return rows

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        keys = list(dict.fromkeys(k for env in batch for k in self.keys_of(env) if k is not None))
        rows = Rows(await self.load(conn, keys))
        for env in batch:
            self.dispatch(env, rows)
        await self.write(conn, rows.changed())

    async def write(self, conn: asyncpg.Connection, changed: list[dict[str, Any]]) -> None:
        if self.json_columns:
            import orjson

            changed = [{**row, **{c: orjson.dumps(row[c]).decode() for c in self.json_columns
                                  if row.get(c) is not None}} for row in changed]
        await upsert_rows(conn, self.table, self.key, self.columns, changed)


class AppendProjection(Projection):
    """An append-only read model (a history, the payroll's lines): each `@on` handler returns the row (a tuple
    in `columns` order), a list of rows, or None; a batch's rows are written with one COPY."""

    table: ClassVar[str]
    columns: ClassVar[Sequence[str]]
    splittable = True  # handlers return rows from their event alone

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        records: list[tuple[Any, ...]] = []
        for env in batch:
            produced = self.dispatch(env)
            if isinstance(produced, tuple):
                records.append(produced)
            elif produced:
                records.extend(produced)
        await copy_rows(conn, self.table, self.columns, records)
