"""What `verify` (and `verify-export`) report: findings with a stable kind (GraphQL `IntegrityFinding.kind`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

# Events and the global log.
CHAIN_MISMATCH = "CHAIN_MISMATCH"  # the unkeyed chain does not link (a legacy event altered, or a chain edited)
MAC_MISMATCH = "MAC_MISMATCH"  # an event's keyed MAC does not match its contents: altered, forged, re-chained
UNKEYED_EVENT = "UNKEYED_EVENT"  # no keyed MAC, after the keyed scheme started: forged (or MAC removed)
VERSION_GAP = "VERSION_GAP"
STREAM_ORDER = "STREAM_ORDER"
LOG_ORDER = "LOG_ORDER"
MISSING_EVENT = "MISSING_EVENT"
UNEXPECTED_EVENT = "UNEXPECTED_EVENT"
# Checkpoints and the witness.
CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"
CHECKPOINT_INVALID = "CHECKPOINT_INVALID"
EXTERNAL_CHECKPOINT_MISMATCH = "EXTERNAL_CHECKPOINT_MISMATCH"
CHECKPOINT_MISSING = "CHECKPOINT_MISSING"  # the witness holds it, the database does not: deleted
WITNESS_MISMATCH = "WITNESS_MISMATCH"  # the database's copy differs from the witness's: replaced
WITNESS_ALARM = "WITNESS_ALARM"  # a sealer found an acknowledged record changed, or restored checkpoints
UNWITNESSED_EVENTS = "UNWITNESSED_EVENTS"  # older than the grace period, and no witnessed checkpoint covers them
# Side records.
ROW_MAC_MISMATCH = "ROW_MAC_MISMATCH"  # a read-access row, idempotency record or key event altered or forged
SIDE_MISMATCH = "SIDE_MISMATCH"  # side records a checkpoint sealed were deleted, added or altered
IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"  # an idempotency record does not match the events under its key
KEY_MISSING = "KEY_MISSING"  # a resident's sealed data is in the log, their key record is gone
KEY_INCONSISTENT = "KEY_INCONSISTENT"  # a key record contradicts its own key events


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    stream_id: UUID | None = None
    version: int | None = None
    position: int | None = None
    checkpoint: int | None = None

    def where(self) -> str:
        parts = []
        if self.stream_id is not None:
            parts.append(f"stream {self.stream_id}")
        if self.version is not None:
            parts.append(f"version {self.version}")
        if self.position is not None:
            parts.append(f"position {self.position}")
        if self.checkpoint is not None:
            parts.append(f"checkpoint #{self.checkpoint}")
        return ", ".join(parts) or "the log"
