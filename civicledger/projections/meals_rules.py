"""`meal_rule_revisions`: every published revision of the meal subsidy rule table, with who published it, when,
why, and whether it corrected history."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from civicledger.domains.meals.rule_table import MealRuleTable
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import AppendProjection

COLUMNS = ("revision", "effective_from", "price", "decision", "categories", "correction_reason", "published_by",
           "published_at", "position")


class MealRulesProjection(AppendProjection):
    """The rule table's history, one row per revision."""

    name = "meal_rule_revisions"
    tables = ("meal_rule_revisions",)
    table = "meal_rule_revisions"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meal_rule_revisions (revision int PRIMARY KEY, effective_from date NOT NULL,"
            " price numeric NOT NULL, decision text NOT NULL, categories jsonb NOT NULL, correction_reason text,"
            " published_by text, published_at timestamptz NOT NULL, position bigint NOT NULL)")

    @on(MealRuleTable.RevisionPublished)
    def _published(self, env: Envelope, e: MealRuleTable.RevisionPublished) -> tuple[Any, ...]:
        r = e.revision
        categories = [{"category": row.category.value, "lostSharesTo": row.lost_shares_to.value,
                       **{p.value: str(v) for p, v in row.shares.by_payer().items()}} for row in r.rules]
        return (r.revision, r.effective_from, r.price, r.decision, orjson.dumps(categories).decode(),
                e.correction_reason, e.published_by, e.timestamp, env.position)


async def rule_revisions(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM meal_rule_revisions ORDER BY revision")
