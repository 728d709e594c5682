"""A checksum of every read-model table, to compare a restored or rebuilt database with the original."""

from __future__ import annotations

import psycopg

from civicledger.core.db import ConnectionParams


def read_model_tables() -> list[str]:
    from civicledger.programs import read_models

    return sorted({t for p in read_models(None) for t in p.tables})  # type: ignore[arg-type]


def read_model_checksums(params: ConnectionParams) -> dict[str, str]:
    """md5 of each table's rows, each row as text, in text order: equal contents give equal sums whatever
    the physical order (a rebuild writes rows in another order than live projection did)."""
    sums: dict[str, str] = {}
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        for table in read_model_tables():
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) "
                f"FROM (SELECT t::text AS r FROM {table} t) rows").fetchone()
            assert row is not None
            sums[table] = f"{row[0]}:{row[1]}"
    return sums
