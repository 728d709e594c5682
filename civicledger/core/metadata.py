"""Who, when, why: the metadata every stored event carries (DESIGN §3).

A `CommandContext` is built once per request by the API (or per job by a process) and handed to services;
the event store writes it into every event of the command, covered by the tamper-evidence hash."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID, uuid4

from civicledger.core.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: str
    office: str | None = None
    district: str | None = None




@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    reason: str | None = None
    correlation_id: UUID = field(default_factory=uuid4)
    # The id of the event that caused this command (its global position), when a process manager sent it.
    causation_id: str | None = None
    idempotency_key: str | None = None
    origin: str | None = None

    def with_reason(self, reason: str | None) -> CommandContext:
        return replace(self, reason=reason)


    def require_reason(self) -> str:
        """Decisions and corrections must say why (DESIGN §3)."""
        if not self.reason or not self.reason.strip():
            raise InvalidInputError("a reason is required for this command", field="reason")
        return self.reason.strip()

    def as_metadata(self) -> dict[str, Any]:
        return {
            "actor_id": self.actor.id,
            "actor_role": self.actor.role,
            "actor_office": self.actor.office,
            "actor_district": self.actor.district,
            "reason": self.reason,
            "correlation_id": str(self.correlation_id),
            "causation_id": self.causation_id,
            "idempotency_key": self.idempotency_key,
            "origin": self.origin,
        }
