"""Commands the registry does not have but the benchmark needs, built only from the service's own steps.

They stay on the real write path — the same validation, aggregate, mapper (per-resident encryption),
metadata, hash chain and recorder call (`CivicApplication._save`) — and only differ in how many events one
command saves, or in the absence of the unique claim."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.clock import using_clock
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.core.text import address
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.resident import Resident
from civicledger.domains.residents.services import ResidentRegistry

STREETS = ("滨江街", "素社街", "海幢街", "南华西街", "龙凤街", "沙园街", "江海街")


class BenchRegistry(ResidentRegistry):
    @staticmethod
    def _move(resident: Resident, n: int, offset: int = 0) -> None:
        for i in range(offset, offset + n):
            street = STREETS[i % len(STREETS)]
            if street == resident.street:
                street = STREETS[(i + 1) % len(STREETS)]
            resident.change_address(*address("HAIZHU", street, f"社区{i}"))

    def register_without_claim(self, cmd: RegisterResident, ctx: CommandContext) -> Recorded:
        """A plain single-event command on a new stream: everything `register_resident` does but the claim."""
        with using_clock(self.clock):
            return self._save(self._new_resident(cmd), ctx=ctx, command=cmd)

    def register_and_move(self, cmd: RegisterResident, ctx: CommandContext, *, moves: int) -> Recorded:
        """A (1 + moves)-event command: registration (with its claim) and address changes, one append."""
        with using_clock(self.clock):
            resident = self._new_resident(cmd)
            self._move(resident, moves)
            return self._save(resident, ctx=ctx, command=cmd,
                              claims=[self._id_claim(resident.id_number, resident.id)])

    def move_many(self, resident_id: UUID, ctx: CommandContext, n: int) -> int:
        """Load a resident, append n address changes in one append; returns n."""
        with using_clock(self.clock):
            resident = self._get(Resident, resident_id)
            self._move(resident, n)
            self._save(resident, ctx=ctx, command=("move_many", str(resident_id), n))
        return n

    def move_loaded(self, resident: Resident, ctx: CommandContext, n: int, *, offset: int = 0) -> Recorded:
        """n address changes on an aggregate already in memory (long histories: no replay per batch)."""
        with using_clock(self.clock):
            self._move(resident, n, offset)
            return self._save(resident, ctx=ctx, command=("move_loaded", str(resident.id), n))
