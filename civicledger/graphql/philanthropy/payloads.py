"""What venture-philanthropy mutations return: what was recorded (stream, version, position, replayed) and the
round or proposal as the read model shows it once every read model has reached the command's position."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.philanthropy.types import FundingRoundType, ProposalType
from civicledger.projections.philanthropy_proposals import proposals_by_ids
from civicledger.projections.philanthropy_rounds import rounds_by_ids


@strawberry.interface(name="PhilanthropyCommandPayload", description="What a venture-philanthropy command recorded.")
class PhilanthropyCommandPayload(CommandPayload):
    stream_id: UUID = strawberry.field(description="The round's or the proposal's stream.")

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="FundingRoundPayload", description="A round's command.")
class FundingRoundPayload(PhilanthropyCommandPayload):
    @strawberry.field(description="The round once the read model shows it.")
    async def funding_round(self, info: Info) -> FundingRoundType | None:
        row = await info.context.read_after(self.position, rounds_by_ids, self.stream_id)
        return FundingRoundType.from_row(row) if row else None


@strawberry.type(name="ProposalPayload", description="A proposal's command (an award also moves its round).")
class ProposalPayload(PhilanthropyCommandPayload):
    @strawberry.field(description="The proposal once the read model shows it.")
    async def proposal(self, info: Info) -> ProposalType | None:
        row = await info.context.read_after(self.position, proposals_by_ids, self.stream_id)
        return ProposalType.from_row(row) if row else None
