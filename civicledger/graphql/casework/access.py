"""Per-request loaders of the casework read models, and who sees what was written about a resident.

Two rules, both from `graphql/permissions.py`, and every unmasked read is logged (`record_read`):
- the case's intake need, assessment, goals' words and closing note follow the usual rule
  (`sees_personal_data`: caseworkers and supervisors of the district of the station holding the case,
  integrators with the personal scope, inspectors with a stated purpose);
- session notes and review summaries are held records (`sees_held_records`): only the social workers of the
  station holding the case now, and inspectors with a stated purpose."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from civicledger.graphql.permissions import MASKED_TEXT, sees_held_records, sees_personal_data
from civicledger.projections.casework_cases import cases_by_ids
from civicledger.projections.casework_stations import stations_by_ids, stations_of


def stations(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("casework_stations", stations_by_ids)


def cases(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("casework_cases", cases_by_ids)


async def _stations_of(conn: Any, keys: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    return [{"id": key, "stations": await stations_of(conn, *key)} for key in keys]


async def reader_stations(info: Info) -> frozenset[UUID]:
    """The stations the reader works for (on the staff list, or the token names the station's office)."""
    principal = info.context.principal
    found = await info.context.loader("casework_stations_of", _stations_of).load(
        (principal.subject, principal.office))
    return found["stations"]  # type: ignore[no-any-return]


def reveal(info: Info, row: Any, field: str) -> bool:
    """May this reader see `field` of a case's row (or a child row with resident_id, district, erased) unmasked?
    Logs the read when yes."""
    ctx = info.context
    if row["erased"] or not sees_personal_data(ctx.principal, row["district"], ctx.purpose):
        return False
    ctx.record_read(row["resident_id"], row["district"], field)
    return True


async def reveal_held(info: Info, row: Any, field: str) -> bool:
    """May this reader see `field` of a session or review row (its `station_id` is the station holding the case
    now) unmasked? Logs the read when yes."""
    ctx = info.context
    if row["erased"]:
        return False
    holders = await reader_stations(info)
    if not sees_held_records(ctx.principal, holders, row["station_id"], row["district"], ctx.purpose):
        return False
    ctx.record_read(row["resident_id"], row["district"], field)
    return True


def masked(value: Any) -> Any:
    return None if value is None else MASKED_TEXT
