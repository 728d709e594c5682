"""What venture philanthropy needs from other programs, as small protocols: the runtime plugs the real services in
(`w.services.residents`), so this program's code never imports theirs."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class ResidentView(Protocol):
    @property
    def district(self) -> str: ...

    @property
    def erased(self) -> bool: ...


class ResidentLookup(Protocol):
    """The resident registry (`ResidentRegistry.get_resident`): raises NotFoundError for an unknown id."""

    def get_resident(self, resident_id: UUID) -> ResidentView: ...
