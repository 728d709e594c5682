"""The recall list: every elder who ate from a supplier batch (through any production run), once, with how to
reach them — name, phone and address from the registry, masked for readers who may not see the elder's
personal data and recorded in the read-access log when unmasked (the one visibility rule,
`permissions.reveal_resident`) — and the latest follow-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.domains.meals.values import FollowUpOutcome
from civicledger.graphql.meals.trace_types import elder_of
from civicledger.graphql.meals.types import (
    LIST_DEFAULT,
    LIST_MAX,
    FollowUpOutcomeEnum,
    ListAfter,
    ListFirst,
    MealCanteenConnection,
    MealCanteenEdge,
    MealCanteenType,
    MealElderType,
)
from civicledger.graphql.permissions import MASKED_TEXT, mask_phone, reveal_resident, sees_personal_data
from civicledger.graphql.relay import decode_cursor, keyset_page, page_limit, page_size
from civicledger.projections.meals_canteens import canteens_by_ids


@strawberry.type(name="RecallElder", description="An elder who ate from a batch (through any production run), "
                                                 "once, with how to reach them and the latest follow-up.")
class RecallElderType:
    row: strawberry.Private[Any]
    resident: strawberry.Private[Any]

    @strawberry.field(description="Live meals eaten from the batch.")
    def meals(self) -> int:
        return int(self.row["meals"])

    @strawberry.field(description="The first day the elder ate from the batch.")
    def first_served_on(self) -> date:
        return self.row["first_served_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The last day the elder ate from the batch.")
    def last_served_on(self) -> date:
        return self.row["last_served_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The elder's enrolment (their personal data masked by role).")
    async def elder(self, info: Info) -> MealElderType | None:
        return await elder_of(info, self.row["resident_id"])

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Where they ate it: the canteens in the "
                      "order they were registered.")
    async def canteens(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                       ) -> MealCanteenConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        start = decode_cursor("canteen", after) or 0
        found = await info.context.loader("meal_canteens", canteens_by_ids).load_many(list(self.row["canteen_ids"]))
        rows = sorted((r for r in found if r is not None and r["seq"] > start), key=lambda r: r["seq"])
        rows, cursors, page = keyset_page(rows[:limit + 1], limit, "canteen")
        page.has_previous_page = after is not None
        return MealCanteenConnection(edges=[MealCanteenEdge(cursor=c, node=MealCanteenType.from_row(r))
                                            for r, c in zip(rows, cursors, strict=True)], page_info=page)

    @strawberry.field(description="Personal data: masked (***) unless the reader may see it; unmasked reads logged.")
    def name(self, info: Info) -> str | None:
        return self._contact(info, "name", lambda v: MASKED_TEXT)

    @strawberry.field(description="Personal data: masked (138****8000) unless the reader may see it.")
    def phone(self, info: Info) -> str | None:
        return self._contact(info, "phone", mask_phone)

    @strawberry.field(description="Street and community: masked unless the reader may see them.")
    def address(self, info: Info) -> str | None:
        if self.resident is None or self.resident["street"] is None:
            return None
        if reveal_resident(info.context, self.resident, "address"):
            return f"{self.resident['street']}{self.resident['community'] or ''}"
        return MASKED_TEXT

    @strawberry.field(description="True when this reader sees the contact details masked.")
    def contact_masked(self, info: Info) -> bool:
        ctx = info.context
        return self.resident is None or bool(self.resident["erased"]) or not sees_personal_data(
            ctx.principal, self.resident["district"], ctx.purpose)

    @strawberry.field(description="The latest follow-up's outcome; null before anyone followed up.")
    def follow_up_outcome(self) -> FollowUpOutcomeEnum | None:  # type: ignore[valid-type]
        value = self.row["follow_up_outcome"]
        return FollowUpOutcome(value) if value else None

    @strawberry.field(description="The day the elder was followed up (null: not yet).")
    def followed_up_on(self) -> date | None:
        return self.row["followed_up_on"]  # type: ignore[no-any-return]

    def _contact(self, info: Info, column: str, mask: Callable[[Any], Any]) -> str | None:
        if self.resident is None or self.resident[column] is None:
            return None
        value = self.resident[column]
        return value if reveal_resident(info.context, self.resident, column) else mask(value)  # type: ignore[no-any-return]


@strawberry.type(name="RecallElderEdge")
class RecallElderEdge:
    cursor: str
    node: RecallElderType


@strawberry.type(name="RecallElderConnection")
class RecallElderConnection:
    edges: list[RecallElderEdge]
    page_info: relay.PageInfo
    total: int = strawberry.field(description="Elders who ate from the batch, in all.")
