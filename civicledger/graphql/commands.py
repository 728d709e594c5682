"""The one command path of every mutation: input → command → the runtime's command bus → payload.

    @strawberry.mutation(permission_classes=[CanCommand])
    async def change_resident_address(self, info: Info, input: ChangeResidentAddressInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))

The input turns itself into its command (`to_command()`: global ids to stream ids, enums to values); its
`reason` and `idempotencyKey` become the command's metadata, with the request's correlation id and the caller
as actor. Who may do what is decided by the service that handles the command, not here."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info


@strawberry.interface(name="CommandPayload")
class CommandPayload:
    """What every command's payload carries (described once, in `conventions.py`): the log position to read your
    write at, the stream's version after the command, and whether an idempotency key replayed it. Each program's
    payload adds the id of what it wrote and that object as its read model shows it."""

    version: int
    position: int
    replayed: bool

    @staticmethod
    def recorded(recorded: Any) -> dict[str, Any]:
        """The three fields from what the command bus returned (`Recorded`)."""
        return {"version": recorded.version, "position": recorded.position, "replayed": recorded.replayed}


async def execute(info: Info, input: Any, command: object | None = None) -> Any:
    """Send `command` (by default `input.to_command()`) as the caller; return what the handler recorded."""
    ctx = info.context
    cmd = input.to_command() if command is None else command
    metadata = ctx.command(reason=getattr(input, "reason", None),
                           idempotency_key=getattr(input, "idempotency_key", None))
    return await ctx.runtime.execute(cmd, metadata)
