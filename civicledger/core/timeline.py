"""How a program's events appear on a resident's timeline.

Each program declares, in `civicledger/domains/<program>/timeline.py`, a `CONTRIBUTION` mapping its event classes to
entries, and names it in its slice (`ProgramSlice.timeline`); the client-timeline projection takes every slice's
contribution, so adding a program never touches the timeline code. Summaries are written for caseworkers and carry
no personal data (no ID numbers, phones, addresses, incomes): the timeline is shown unmasked to every role that may
see the resident."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class TimelineEntry:
    resident_ids: tuple[UUID, ...]
    kind: str
    summary: str


Rule = Callable[[Any], "TimelineEntry | Iterable[TimelineEntry] | None"]


@dataclass(frozen=True)
class TimelineContribution:
    program: str
    rules: Mapping[type, Rule]

    def entries_for(self, event: object) -> list[TimelineEntry]:
        rule = self.rules.get(type(event))
        if rule is None:
            return []
        produced = rule(event)
        if produced is None:
            return []
        if isinstance(produced, TimelineEntry):
            return [produced]
        return list(produced)


def entry(residents: UUID | Iterable[UUID], kind: str, summary: str) -> TimelineEntry:
    ids = (residents,) if isinstance(residents, UUID) else tuple(residents)
    return TimelineEntry(resident_ids=ids, kind=kind, summary=summary)
