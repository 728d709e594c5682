"""What deliberation needs from other programs, as small protocols: the runtime plugs the real services in, so
this program's code never imports theirs."""

from __future__ import annotations

from datetime import date
from typing import Protocol
from uuid import UUID


class ResidentView(Protocol):
    @property
    def district(self) -> str: ...

    @property
    def erased(self) -> bool: ...

    @property
    def date_of_death(self) -> date | None: ...


class ResidentLookup(Protocol):
    """The resident registry (`ResidentRegistry.get_resident`): raises NotFoundError for an unknown id."""

    def get_resident(self, resident_id: UUID) -> ResidentView: ...
