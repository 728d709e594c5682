"""Live timelines over graphql-transport-ws: new entries for one resident as projections write them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Scope
from civicledger.core.errors import ConsistencyTimeoutError, NotFoundError
from civicledger.core.transient import Backoff, is_transient
from civicledger.graphql.relay import uuid_of
from civicledger.graphql.residents.types import TimelineEntryType
from civicledger.projections.client_timeline import timeline_page


@strawberry.type
class Subscription:
    @strawberry.subscription(description="New timeline entries of one resident, as they are recorded.")
    async def timeline_events(
        self, info: Info,
        resident_id: Annotated[strawberry.ID, strawberry.argument(
                description="The resident (global ID) whose new timeline entries are pushed; needs the read scope.")],
    ) -> AsyncGenerator[TimelineEntryType, None]:
        ctx = info.context
        ctx.principal.require(Scope.READ)
        rid = uuid_of(resident_id, "Resident")
        runtime = ctx.runtime
        async with runtime.read_pool.acquire() as conn:
            if await conn.fetchval("SELECT 1 FROM residents WHERE id = $1", rid) is None:
                raise NotFoundError(f"resident {rid} not found", id=str(resident_id))
            last = await conn.fetchval(
                "SELECT coalesce(max(position), 0) FROM client_timeline WHERE resident_id = $1", rid
            )
        positions = runtime.positions
        backoff = Backoff(first=0.2, cap=5.0)
        while True:
            # Entries are read from the table after the last one sent, so a database outage loses nothing: the
            # subscription waits it out (with backoff) and goes on from where it was.
            try:
                seen = positions.positions.get("client_timeline", 0)
                async with runtime.read_pool.acquire() as conn:
                    rows = await timeline_page(conn, rid, after=last, limit=200)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                await asyncio.sleep(backoff.next())
                continue
            backoff.reset()
            for row in rows:
                last = row["position"]
                yield TimelineEntryType.from_row(row)
            if rows:
                continue
            try:
                await positions.wait_for(seen + 1, timeout=15.0, names=["client_timeline"])
            except ConsistencyTimeoutError:
                pass  # nothing new for a while: look again
            except Exception as exc:
                if not is_transient(exc):
                    raise
                await asyncio.sleep(backoff.next())
