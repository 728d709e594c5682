"""The command context of a process manager's command: who (the process's own system actor), why, the request
it continues (the correlation id of the event that caused it) and the cause itself (that event's id).

An event's id is its position in the global log: one number an inspector can look up anywhere (the audit
log, a stream's history, an export)."""

from __future__ import annotations

from civicledger.core.metadata import Actor, CommandContext
from civicledger.projections.base import Envelope


def caused_by(env: Envelope, *, actor: Actor, reason: str, idempotency_key: str, origin: str) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=idempotency_key, origin=origin,
                          causation_id=event_id(env.position),
                          **({"correlation_id": env.correlation_id} if env.correlation_id else {}))


def event_id(position: int) -> str:
    return str(position)

