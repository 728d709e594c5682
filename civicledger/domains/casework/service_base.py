"""What every casework command handler shares: the wiring, the loads, and the checks of who may act.

Who may act is a rule of this program, checked here on the write model (so the API, the linkage process and
the demo meet the same rules):
- stations and their staff — an admin, or a supervisor of the station's district;
- a case's work (assessment, plan, sessions, reviews, closure) — the social workers of the station that holds
  the case (`Station.has_member`), within their district; nobody else, not even after a transfer;
- a transfer or a change of social worker — the holding station's social workers or a supervisor of its
  district, over the districts of both stations (so a transfer to another district is made by a city-wide
  integrator, e.g. the district platforms, or the system);
- intake — the station's social workers for residents of their district; integrators (another program's
  system) and the system's own processes (a linkage referral) for any station."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from civicledger.core.access import ADMIN, INTEGRATOR, SUPERVISOR, SYSTEM, may_act_in
from civicledger.core.clock import Clock
from civicledger.core.errors import ClaimTakenError, NotFoundError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.metadata import CommandContext
from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.errors import (
    CaseworkCaseAlreadyOpenError,
    CaseworkStationNotFoundError,
    NotStationSocialWorkerError,
    StationAdministrationForbiddenError,
)
from civicledger.domains.casework.ports import ResidentLookup
from civicledger.domains.casework.station import Station
from civicledger.domains.casework.values import OPEN


class CaseworkServiceBase(CivicApplication):
    program = "casework"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- reads (write-model truth) --------------------------------------------------------------------------

    def get_station(self, station_id: UUID) -> Station:
        return self._get(Station, station_id, label="casework station")

    def get_case(self, case_id: UUID) -> CaseworkCase:
        return self._get(CaseworkCase, case_id, label="casework case")

    def _station(self, station_id: UUID, field: str = "stationId", expected_version: int | None = None) -> Station:
        try:
            return self._get(Station, station_id, expected_version=expected_version, label="casework station")
        except NotFoundError:
            raise CaseworkStationNotFoundError(station_id, field) from None

    # -- who may act -----------------------------------------------------------------------------------------

    @staticmethod
    def _check_administrator(ctx: CommandContext, district: str) -> None:
        role = ctx.actor.role
        if role == ADMIN or (role == SUPERVISOR and ctx.actor.district == district):
            return
        raise StationAdministrationForbiddenError(role, district)

    @staticmethod
    def _check_social_worker(station: Station, ctx: CommandContext) -> None:
        may_act_in(ctx.actor, station.district)
        if not station.has_member(ctx.actor.id, ctx.actor.office):
            raise NotStationSocialWorkerError(station.id, ctx.actor.id)

    @staticmethod
    def _check_intake(station: Station, resident_district: str, ctx: CommandContext) -> None:
        may_act_in(ctx.actor, resident_district, station.district)
        if ctx.actor.role not in (SYSTEM, INTEGRATOR) and not station.has_member(ctx.actor.id, ctx.actor.office):
            raise NotStationSocialWorkerError(station.id, ctx.actor.id)

    @staticmethod
    def _check_holder_or_supervisor(station: Station, ctx: CommandContext) -> None:
        may_act_in(ctx.actor, station.district)
        if ctx.actor.role in (SUPERVISOR, INTEGRATOR, SYSTEM) or station.has_member(ctx.actor.id, ctx.actor.office):
            return
        raise NotStationSocialWorkerError(station.id, ctx.actor.id)

    def _held_case(self, cmd: Any, ctx: CommandContext) -> tuple[CaseworkCase, Station]:
        """The command's case at the version the caller saw, when the caller is a social worker of the station
        that holds it now."""
        case = self._get(CaseworkCase, cmd.case_id, expected_version=cmd.expected_version, label="casework case")
        station = self.get_station(case.station_id)
        self._check_social_worker(station, ctx)
        return case, station

    # -- one open case per resident and service ----------------------------------------------------------------

    def _claim(self, service: str, resident_id: UUID, case_id: UUID) -> Claim:
        scope = f"casework:{service}"
        return Claim(scope, self.ledger.claim_key(scope, str(resident_id)), case_id)

    def _save_case(self, case: CaseworkCase, ctx: CommandContext, command: object,
                   claims: tuple[Claim, ...] = ()) -> Recorded:
        releases = () if case.status in OPEN else (self._claim(case.service, case.resident_id, case.id),)
        try:
            return self._save(case, ctx=ctx, command=command, claims=claims, releases=releases)
        except ClaimTakenError:
            raise CaseworkCaseAlreadyOpenError(case.service) from None
