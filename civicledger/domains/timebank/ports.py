"""What the time bank needs from the resident registry, as small protocols: the runtime plugs the registry in
(`w.services.residents`), so this program's code never imports it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol
from uuid import UUID


class ResidentView(Protocol):
    @property
    def district(self) -> str: ...

    @property
    def erased(self) -> bool: ...

    @property
    def date_of_death(self) -> date | None: ...


class HouseholdView(Protocol):
    @property
    def district(self) -> str: ...

    @property
    def members(self) -> Mapping[UUID, Any]: ...


class Registry(Protocol):
    """The resident registry: `get_resident`, `get_household`; each raises NotFoundError for an unknown id."""

    def get_resident(self, resident_id: UUID) -> ResidentView: ...

    def get_household(self, household_id: UUID) -> HouseholdView: ...
