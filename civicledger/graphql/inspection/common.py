"""Shared by the inspectors' fields: ids of any stream, instants, who may see whose personal data, and the
per-request loaders that decrypt payloads (recording every unmasked read)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from civicledger.core.ascii import BIGINT_MAX, ascii_int
from civicledger.core.clock import SHANGHAI
from civicledger.core.errors import InvalidInputError
from civicledger.core.eventstore.sealed import subjects_in
from civicledger.graphql.context import Context
from civicledger.graphql.permissions import sees_personal_data
from civicledger.graphql.relay import decode_cursor, encode_cursor
from civicledger.inspection.history import RecordedEvent
from civicledger.inspection.payloads import Readable, Reveal

T = TypeVar("T")


def stream_uuid(value: str) -> UUID:
    """A stream id: a raw UUID or the global id of any node backed by a stream (Resident, Household...); ASCII
    only (`uuid.UUID` would read Unicode hex digits)."""
    try:
        if not str(value).isascii():
            raise ValueError(value)
        try:
            return UUID(str(value))
        except ValueError:
            node_id = relay.GlobalID.from_id(str(value)).node_id
        if not node_id.isascii():
            raise ValueError(node_id)
        return UUID(node_id)
    except Exception:
        raise InvalidInputError("malformed stream id: give a UUID or a global id", id=str(value)) from None


def aware(instant: datetime | None) -> datetime | None:
    """Instants without a time zone are read as Guangzhou time."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=SHANGHAI)


def encode_log_cursor(occurred_at: datetime, position: int) -> str:
    micros = round(occurred_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"l:{micros}:{position}".encode()).decode().rstrip("=")


def decode_log_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    try:
        kind, micros, position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if kind != "l":
            raise ValueError(kind)
        # Within what a timestamptz of years 1..9999 can be, and bigint positions: ASCII digits only.
        instant = ascii_int(micros, field="after", minimum=-62_135_596_800_000_000, maximum=253_402_300_799_000_000)
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=instant),
                ascii_int(position, field="after", maximum=BIGINT_MAX))
    except (ValueError, UnicodeDecodeError, InvalidInputError, OverflowError):
        raise InvalidInputError("malformed cursor", field="after") from None


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


async def reveal_for(ctx: Context, subjects: Iterable[UUID]) -> tuple[Reveal, dict[UUID, str | None]]:
    """Who may see whose personal data, by the same rule as everywhere else (`sees_personal_data`), with the
    residents' districts from the registry's read model."""
    wanted = list(dict.fromkeys(subjects))
    rows = await ctx.loaders.resident.load_many(wanted) if wanted else []
    districts = {s: (r["district"] if r else None) for s, r in zip(wanted, rows, strict=True)}

    def reveal(subject: UUID) -> bool:
        return sees_personal_data(ctx.principal, districts.get(subject), ctx.purpose)

    return reveal, districts


def record_reads(ctx: Context, revealed: dict[UUID, set[str]], districts: dict[UUID, str | None],
                 prefix: str = "") -> None:
    for subject, names in revealed.items():
        for name in names:
            ctx.record_read(subject, districts.get(subject), f"{prefix}{camel(name)}")


class Shown:
    """A payload as this reader may see it, and the districts needed to log what it reveals."""

    def __init__(self, readable: Readable, districts: dict[UUID, str | None]) -> None:
        self.readable = readable
        self.districts = districts


def _payloads(ctx: Context) -> DataLoader[int, Any]:
    async def load(positions: list[int]) -> list[Shown | None]:
        inspection = ctx.runtime.inspection
        # The same per-request loader as `events`: a query asking for both reads each event once.
        loaded = await ctx.request_loader("inspection.events", _events).load_many(positions)
        events = [e for e in loaded if e is not None]
        reveal, districts = await reveal_for(ctx, subjects_in(e.state for e in events))
        readables = await inspection.readable(events, reveal)
        shown = {e.position: Shown(r, districts) for e, r in zip(events, readables, strict=True)}
        return [shown.get(p) for p in positions]

    return DataLoader(load_fn=load)


def _events(ctx: Context) -> DataLoader[int, Any]:
    async def load(positions: list[int]) -> list[RecordedEvent | None]:
        found = {e.position: e for e in await ctx.runtime.inspection.events(positions)}
        return [found.get(p) for p in positions]

    return DataLoader(load_fn=load)


def payloads(info: Info) -> DataLoader[int, Shown | None]:
    return info.context.request_loader("inspection.payloads", _payloads)


def events(info: Info) -> DataLoader[int, RecordedEvent | None]:
    return info.context.request_loader("inspection.events", _events)


def page(items: list[T], limit: int, after: str | None, kind: str,
         key: Callable[[T], int]) -> tuple[list[tuple[str, T]], relay.PageInfo]:
    """Cut a `limit + 1` fetch into edges (cursor, item) and page info."""
    has_next = len(items) > limit
    edges = [(encode_cursor(kind, key(item)), item) for item in items[:limit]]
    return edges, relay.PageInfo(
        has_next_page=has_next, has_previous_page=after is not None,
        start_cursor=edges[0][0] if edges else None, end_cursor=edges[-1][0] if edges else None,
    )


def list_page(items: list[T], first: int, after: str | None, kind: str) -> tuple[list[tuple[str, T]], relay.PageInfo]:
    """Cursor pages over a computed list (reports): the cursor is the item's index."""
    last = decode_cursor(kind, after)
    start = 0 if last is None else last + 1
    window = list(enumerate(items))[start:start + first + 1]
    edges, info = page(window, first, after, kind, key=lambda pair: pair[0])
    return [(cursor, item) for cursor, (_, item) in edges], info
