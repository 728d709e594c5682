"""`linkage_routing`: the routing table as it stands (sub-items without a row still have the taxonomy's
default), and `linkage_routing_changes`: every edit, who made it and why."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from civicledger.domains.linkage.routing import RoutingTable
from civicledger.projections.base import Envelope, Projection, on
from civicledger.projections.sql import copy_rows, upsert_rows

COLUMNS = {"sub_item": "text", "lead_party": "text", "accept_within_hours": "int", "complete_within_days": "int",
           "version": "bigint", "changed_at": "timestamptz"}
CHANGES = ("version", "sub_item", "lead_party", "accept_within_hours", "complete_within_days", "changed_by",
           "reason", "changed_at", "position")


class LinkageRoutingProjection(Projection):
    """The current route of each sub-item, and the change history of the table."""

    name = "linkage_routing"
    tables = ("linkage_routing", "linkage_routing_changes")

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_routing (sub_item text PRIMARY KEY, lead_party text NOT NULL,"
            " accept_within_hours int NOT NULL, complete_within_days int NOT NULL, version bigint NOT NULL,"
            " changed_at timestamptz NOT NULL)"
        )
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS linkage_routing_changes (version bigint PRIMARY KEY, sub_item text NOT NULL,"
            " lead_party text NOT NULL, accept_within_hours int NOT NULL, complete_within_days int NOT NULL,"
            " changed_by text NOT NULL, reason text, changed_at timestamptz NOT NULL, position bigint NOT NULL)"
        )

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        current: dict[str, dict[str, object]] = {}
        changes: list[tuple[object, ...]] = []
        for env in batch:
            self.dispatch(env, current, changes)
        await upsert_rows(conn, "linkage_routing", "sub_item", COLUMNS, current.values())
        await copy_rows(conn, "linkage_routing_changes", CHANGES, changes)

    @on(RoutingTable.Established)
    def _established(self, current: dict[str, dict[str, object]], changes: list[tuple[object, ...]],
                     env: Envelope, e: RoutingTable.Established) -> None:
        for code, route in e.routes.items():
            current[code] = {"sub_item": code, "lead_party": route.lead.value,
                             "accept_within_hours": route.accept_within_hours,
                             "complete_within_days": route.complete_within_days, "version": env.version,
                             "changed_at": e.timestamp}

    @on(RoutingTable.RouteChanged)
    def _changed(self, current: dict[str, dict[str, object]], changes: list[tuple[object, ...]],
                 env: Envelope, e: RoutingTable.RouteChanged) -> None:
        current[e.sub_item] = {"sub_item": e.sub_item, "lead_party": e.lead.value,
                               "accept_within_hours": e.accept_within_hours,
                               "complete_within_days": e.complete_within_days, "version": env.version,
                               "changed_at": e.timestamp}
        changes.append((env.version, e.sub_item, e.lead.value, e.accept_within_hours, e.complete_within_days,
                        e.changed_by, env.reason, e.timestamp, env.position))


async def current_routes(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM linkage_routing")


async def routing_changes(conn: asyncpg.Connection, *, before_version: int | None = None,
                          limit: int = 20) -> list[asyncpg.Record]:
    """Newest first; `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM linkage_routing_changes WHERE version < $1 ORDER BY version DESC LIMIT $2",
                            before_version or 2**62, limit + 1)
