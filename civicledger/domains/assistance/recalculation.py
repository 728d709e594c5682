"""Who recalculates cases when a standard is published, and under which idempotency keys.

The process that follows the log (processes/assistance_recalculation.py) and anything that replays its work
(the demo loader) use these, so the same recalculation is never written twice: its key derives from the
standard revision and the case, or, when an approval raced a publication, from the approval's position."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.metadata import Actor, CommandContext

RECALCULATION = Actor(id="assistance-recalculation", role="system", office="CIVIL-AFFAIRS-BUREAU")


def recalculation_context(program: str, revision: int, case_id: UUID, *, after_position: int | None = None,
                          correlation_id: str | UUID | None = None, causation_id: str | None = None
                          ) -> CommandContext:
    if after_position is None:
        key = f"assistance-recalc:{program}:r{revision}:{case_id}"
    else:
        key = f"assistance-recalc:{case_id}:after:{after_position}"
    correlation = {} if correlation_id is None else {"correlation_id": correlation_id}
    return CommandContext(actor=RECALCULATION, reason=f"{program} standard revision {revision} published",
                          idempotency_key=key, origin="assistance-recalculation", causation_id=causation_id,
                          **correlation)
