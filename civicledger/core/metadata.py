"""Who, when, why: the metadata every stored event carries (DESIGN §3).

A `CommandContext` is built once per request by the API (or per job by a process) and handed to services;
the event store writes it into every event of the command, covered by the tamper-evidence hash.

Every transport (GraphQL over HTTP or WebSocket, a process manager, the CLI) makes a `CommandContext`, so the
bounds on what it carries are checked here, when one is made, before any service runs: a `reason` is free
text of at most `REASON_MAX` characters without control characters (a 1 MB reason never reaches the log); an
idempotency key is 1–`IDEMPOTENCY_KEY_MAX` visible ASCII characters; an `origin` is informational, so it is
sanitised (control characters dropped) and truncated instead of refused."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from civicledger.core.errors import InvalidInputError
from civicledger.core.text import REASON_MAX, optional_free_text
from civicledger.core.uuids import random_uuid_text


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: str
    office: str | None = None
    district: str | None = None


IDEMPOTENCY_KEY_MAX = 200
ORIGIN_MAX = 200
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]+")  # visible ASCII: no spaces, controls or look-alike letters
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key or len(key) > IDEMPOTENCY_KEY_MAX or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInputError(
            f"an idempotency key is 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters (no spaces)",
            field="idempotencyKey", maxLength=IDEMPOTENCY_KEY_MAX)
    return key


def sanitise_origin(origin: str | None) -> str | None:
    if origin is None:
        return None
    return _CONTROL.sub("", str(origin)[: ORIGIN_MAX * 2])[:ORIGIN_MAX] or None


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    reason: str | None = None
    # Text: a client's own id when it sent a sane one (the API checks it), else a UUID; a UUID is accepted.
    correlation_id: str | UUID = field(default_factory=random_uuid_text)
    # The id of the event that caused this command (its global position), when a process manager sent it.
    causation_id: str | None = None
    idempotency_key: str | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        # Frozen: the cleaned values replace the given ones once, here (also on every `replace`).
        object.__setattr__(self, "reason", optional_free_text(self.reason, "reason", max_length=REASON_MAX))
        object.__setattr__(self, "idempotency_key", check_idempotency_key(self.idempotency_key))
        object.__setattr__(self, "origin", sanitise_origin(self.origin))

    def with_reason(self, reason: str | None) -> CommandContext:
        return replace(self, reason=reason)

    def keyed_for(self, part: str) -> CommandContext:
        """The context of one part of a keyed command (a payroll's case): key `<key>:<part>`, deterministic, so
        a retry replays each part; a key that would grow past the bound is replaced by its digest first."""
        if not self.idempotency_key:
            return self
        base = self.idempotency_key
        if len(base) + 1 + len(part) > IDEMPOTENCY_KEY_MAX:
            base = "#" + hashlib.sha256(base.encode()).hexdigest()[:40]
        return replace(self, idempotency_key=f"{base}:{part}")

    def require_reason(self) -> str:
        """Decisions and corrections must say why (DESIGN §3)."""
        if not self.reason:
            raise InvalidInputError("a reason is required for this command", field="reason")
        return self.reason

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
