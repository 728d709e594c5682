"""What charity matching needs from other programs, as small protocols; the composition root adapts the
registry, linkage, assistance and casework services to them, so this program's code imports none of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class SourceCase:
    """A case of another program, as far as charity may know it: whose, where, and the consent it recorded to
    share the resident's need with a party that takes it on (None: the program records no such consent)."""

    resident_id: UUID
    district: str
    consent: bool | None


class SourceCases(Protocol):
    """Raises NotFoundError for an unknown case."""

    def source_case(self, source: str, source_id: UUID) -> SourceCase: ...


class ResidentView(Protocol):
    @property
    def name(self) -> str | None: ...

    @property
    def district(self) -> str: ...

    @property
    def erased(self) -> bool: ...

    @property
    def date_of_death(self) -> date | None: ...


class ResidentLookup(Protocol):
    def get_resident(self, resident_id: UUID) -> ResidentView: ...
