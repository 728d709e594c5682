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

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "office": self.office, "district": self.district}


SYSTEM = Actor(id="system", role="system", office=None, district=None)


def _new_correlation_id() -> str:
    return str(uuid4())


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    reason: str | None = None
    # Text: a client's own id when it sent a sane one (the API checks it), else a UUID; a UUID is accepted.
    correlation_id: str | UUID = field(default_factory=_new_correlation_id)
    causation_id: UUID | None = None
    idempotency_key: str | None = None
    origin: str | None = None

    def with_reason(self, reason: str | None) -> CommandContext:
        return replace(self, reason=reason)

    def caused_by(self, causation_id: UUID) -> CommandContext:
        return replace(self, causation_id=causation_id)

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
            "causation_id": str(self.causation_id) if self.causation_id else None,
            "idempotency_key": self.idempotency_key,
            "origin": self.origin,
        }


def system_context(reason: str, *, origin: str = "system") -> CommandContext:
    return CommandContext(actor=SYSTEM, reason=reason, origin=origin)
