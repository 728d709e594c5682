"""What marriage registration needs from the resident registry, as small protocols: the runtime plugs the real
registry in (`w.services.residents`), so this program's code never imports it."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Protocol
from uuid import UUID


class ResidentView(Protocol):
    @property
    def district(self) -> str: ...

    @property
    def gender(self) -> Enum | str | None: ...

    @property
    def birth_date(self) -> date | None: ...

    @property
    def erased(self) -> bool: ...

    @property
    def date_of_death(self) -> date | None: ...


class ResidentLookup(Protocol):
    """The resident registry (`ResidentRegistry.get_resident`): raises NotFoundError for an unknown id."""

    def get_resident(self, resident_id: UUID) -> ResidentView: ...
