"""The one list of programs. Adding a program: create its packages and its slice module, add one line here.

The runtime, the projection registry, the schema, the request context, the demo, the CLI and the app read
this list (or a list given to them, as the tests do with a program of their own); none names a program."""

from __future__ import annotations

from collections.abc import Sequence

from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.programs import (
    assistance,
    casework,
    charity,
    deliberation,
    linkage,
    marriage,
    meals,
    philanthropy,
    residents,
    timebank,
)
from civicledger.projections.audit_log import AuditLogProjection
from civicledger.projections.base import Projection
from civicledger.projections.client_timeline import ClientTimelineProjection
from civicledger.slice import ProgramSlice

PROGRAMS: tuple[ProgramSlice, ...] = (
    residents.SLICE,
    assistance.SLICE,
    linkage.SLICE,
    casework.SLICE,
    meals.SLICE,
    deliberation.SLICE,
    philanthropy.SLICE,
    marriage.SLICE,
    timebank.SLICE,
    charity.SLICE,
)


def read_models(mapper: CivicMapper, programs: Sequence[ProgramSlice] = PROGRAMS) -> list[Projection]:
    """Every read model: the shared ones (the unified timeline, the audit log), then each program's."""
    shared: list[Projection] = [
        ClientTimelineProjection(mapper, [p.timeline for p in programs if p.timeline is not None]),
        AuditLogProjection(mapper),
    ]
    return [*shared, *(make(mapper) for p in programs for make in p.read_models)]


def read_model_names(programs: Sequence[ProgramSlice] = PROGRAMS) -> list[str]:
    return [p.name for p in read_models(None, programs)]  # type: ignore[arg-type]
