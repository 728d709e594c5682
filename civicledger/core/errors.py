"""Typed errors. Every expected failure is a `CivicError` with a stable code that GraphQL exposes as
`extensions.code`; fields carry the data a client needs to react."""

from __future__ import annotations

from typing import Any, ClassVar


class CivicError(Exception):
    """Base of every expected failure. Subclasses set `code`; instances carry typed details."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def extensions(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code}
        for key, value in self.details.items():
            out[key] = value if isinstance(value, (str, int, float, bool, type(None), list)) else str(value)
        return out


class InvalidInputError(CivicError):
    code = "INVALID_INPUT"


class NotFoundError(CivicError):
    code = "NOT_FOUND"


class ConflictError(CivicError):
    """The stream moved on since the caller read it (stale `expectedVersion`), or a unique claim is taken."""

    code = "CONFLICT"


class RuleViolationError(CivicError):
    """The command is well-formed but the domain's rules forbid it in the current state."""

    code = "RULE_VIOLATION"


class ForbiddenError(CivicError):
    code = "FORBIDDEN"


class UnauthenticatedError(CivicError):
    code = "UNAUTHENTICATED"


class IdempotencyKeyReusedError(CivicError):
    """The same idempotency key was sent earlier with a different command or input."""

    code = "IDEMPOTENCY_KEY_REUSED"


class StaleVersionError(ConflictError):
    def __init__(self, stream_id: object, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, not {expected}",
            streamId=str(stream_id),
            expectedVersion=expected,
            actualVersion=actual,
        )


class ClaimTakenError(ConflictError):
    """A unique claim (a resident ID number, a live marriage registration ...) is held by another stream."""

    def __init__(self, scope: str, owner_id: object | None = None) -> None:
        super().__init__(f"{scope} is already taken", scope=scope, ownerId=str(owner_id) if owner_id else None)
        self.scope = scope
        self.owner_id = owner_id


class RecordUnverifiedError(CivicError):
    """A stored record the answer depends on fails its keyed MAC (docs/THREAT-MODEL.md): it is not used."""

    code = "INTEGRITY_FAILURE"


class ConsistencyTimeoutError(CivicError):
    """Projections did not reach the requested position in time (read-your-writes)."""

    code = "CONSISTENCY_TIMEOUT"
