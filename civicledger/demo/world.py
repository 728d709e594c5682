"""What the programs' demo loaders share: the services, and the population the residents' loader registered
(each loader reads what the ones before it in the programs list have loaded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from civicledger.demo import PlannedHousehold
    from civicledger.slice import Services


@dataclass
class DemoWorld:
    services: Services
    households: list[PlannedHousehold]
    threads: int = 4
    progress: Callable[[int], Any] = lambda n: None
    member_ids: list[list[UUID]] = field(default_factory=list)
    household_ids: list[UUID] = field(default_factory=list)

    def residents_by_district(self) -> list[tuple[UUID, str]]:
        return [(rid, h.district) for h, ids in zip(self.households, self.member_ids, strict=True) for rid in ids]
