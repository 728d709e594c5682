"""What charity mutations return: what was recorded and the record once the read models show it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.charity.types import CharityMatchType, CharityNeedType, CharityOfferType
from civicledger.graphql.commands import CommandPayload
from civicledger.projections.charity_matching import matches_by_ids, needs_by_ids, offers_by_ids


@strawberry.interface(name="CharityCommandPayload", description="What a charity command recorded.")
class CharityCommandPayload(CommandPayload):
    stream_id: UUID = strawberry.field(description="The stream the command was about.")

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="CharityNeedPayload", description="A need's command.")
class CharityNeedPayload(CharityCommandPayload):
    @strawberry.field(description="The need once the read model shows it.")
    async def need(self, info: Info) -> CharityNeedType | None:
        row = await info.context.read_after(self.position, needs_by_ids, self.stream_id)
        return CharityNeedType.from_row(row) if row else None


@strawberry.type(name="CharityOfferPayload", description="An offer's command.")
class CharityOfferPayload(CharityCommandPayload):
    @strawberry.field(description="The offer once the read model shows it.")
    async def offer(self, info: Info) -> CharityOfferType | None:
        row = await info.context.read_after(self.position, offers_by_ids, self.stream_id)
        return CharityOfferType.from_row(row) if row else None


@strawberry.type(name="CharityMatchPayload", description="A match's command.")
class CharityMatchPayload(CharityCommandPayload):
    @strawberry.field(description="The match once the read model shows it.")
    async def match(self, info: Info) -> CharityMatchType | None:
        row = await info.context.read_after(self.position, matches_by_ids, self.stream_id)
        return CharityMatchType.from_row(row) if row else None
