"""What a casework mutation recorded: the stream, its new version, the global position (pass it as
`minPosition` to read your write), whether an idempotency key replayed it — and the node as the read model
shows it once every read model has reached that position."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.casework.case_types import CaseworkCaseType
from civicledger.graphql.casework.types import StationType
from civicledger.graphql.commands import CommandPayload
from civicledger.projections.casework_cases import cases_by_ids
from civicledger.projections.casework_stations import stations_by_ids


@strawberry.type(name="CaseworkStationPayload", description="What a station command recorded, and the station.")
class StationPayload(CommandPayload):
    station_id: UUID = strawberry.field(description="The station's UUID.")

    @strawberry.field(description="The station as the read model shows it at the command's position.")
    async def station(self, info: Info) -> StationType | None:
        row = await info.context.read_after(self.position, stations_by_ids, self.station_id)
        return StationType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> StationPayload:
        return cls(station_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="CaseworkCasePayload", description="What a case command recorded, and the case.")
class CasePayload(CommandPayload):
    case_id: UUID = strawberry.field(description="The case's UUID.")

    @strawberry.field(name="case", description="The case as the read models show it at the command's position.")
    async def case_(self, info: Info) -> CaseworkCaseType | None:
        row = await info.context.read_after(self.position, cases_by_ids, self.case_id)
        return CaseworkCaseType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> CasePayload:
        return cls(case_id=recorded.stream_id, **CommandPayload.recorded(recorded))
