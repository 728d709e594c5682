"""What time-bank mutations return: what was recorded (stream, version, position, replayed) and the record or
account as the read model shows it once every read model has reached the command's position."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.timebank.types import ServiceRecordType, TimeBankAccountType
from civicledger.projections.timebank_accounts import accounts_by_ids
from civicledger.projections.timebank_records import records_by_ids

POSITION = "Global log position; pass as minPosition to read your write."
REPLAYED = "True when an idempotency key returned an earlier result."


@strawberry.interface(name="TimeBankCommandPayload", description="What a time-bank command recorded.")
class TimeBankCommandPayload(CommandPayload):
    stream_id: UUID = strawberry.field(description="The stream the command was about (a record or an account).")
    other_stream_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        other = recorded.streams[1][0] if len(recorded.streams) > 1 else None
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded), other_stream_id=other)


@strawberry.type(name="VolunteerServiceRecordPayload", description="A service record's command.")
class ServiceRecordPayload(TimeBankCommandPayload):
    @strawberry.field(description="The record once the read model shows it.")
    async def record(self, info: Info) -> ServiceRecordType | None:
        row = await info.context.read_after(self.position, records_by_ids, self.stream_id)
        return ServiceRecordType.from_row(row) if row else None

    @strawberry.field(description="The volunteer's account once the read model shows it (verification only).")
    async def account(self, info: Info) -> TimeBankAccountType | None:
        if self.other_stream_id is None:
            return None
        row = await info.context.read_after(self.position, accounts_by_ids, self.other_stream_id)
        return TimeBankAccountType.from_row(row) if row else None


@strawberry.type(name="TimeBankAccountPayload", description="A redemption or transfer: `streamId` is the "
                                                            "(giving) account.")
class TimeBankAccountPayload(TimeBankCommandPayload):
    @strawberry.field(description="The (giving) account once the read model shows it.")
    async def account(self, info: Info) -> TimeBankAccountType | None:
        row = await info.context.read_after(self.position, accounts_by_ids, self.stream_id)
        return TimeBankAccountType.from_row(row) if row else None

    @strawberry.field(description="The receiving account of a transfer (null otherwise).")
    async def receiver(self, info: Info) -> TimeBankAccountType | None:
        if self.other_stream_id is None:
            return None
        row = await info.context.read_after(self.position, accounts_by_ids, self.other_stream_id)
        return TimeBankAccountType.from_row(row) if row else None
