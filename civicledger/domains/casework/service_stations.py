"""The part of the casework service that handles stations and their social workers: registered and staffed by
an admin or a supervisor of the district."""

from __future__ import annotations

from civicledger.core import text
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.metadata import CommandContext
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.catalogue import StationLevel, service
from civicledger.domains.casework.errors import CaseworkValueInvalidError, StationOfficeTakenError
from civicledger.domains.casework.rules import parse_enum
from civicledger.domains.casework.service_base import CaseworkServiceBase
from civicledger.domains.casework.station import Station

OFFICE_SCOPE = "casework_station_office"


class CaseworkStations(CaseworkServiceBase):
    @handles
    def register_casework_station(self, cmd: c.RegisterCaseworkStation, ctx: CommandContext) -> Recorded:
        district, street = text.district_and_street(cmd.district, cmd.street)
        self._check_administrator(ctx, district)
        level = parse_enum(StationLevel, cmd.level, "level")
        community = text.optional_line(cmd.community, "community", max_length=text.COMMUNITY_MAX)
        if level is StationLevel.COMMUNITY and community is None:
            raise CaseworkValueInvalidError("community", "a community-level station names its community")
        services = tuple(dict.fromkeys(service(code, "services").code for code in cmd.services))
        if not services:
            raise CaseworkValueInvalidError("services", "a station runs at least one service")
        office = text.line(cmd.office, "office", max_length=text.IDENTIFIER_MAX)
        station = Station(name=text.organisation_name(cmd.name), level=level, district=district,
                          street=street, community=community, office=office, services=services)
        claim = Claim(OFFICE_SCOPE, self.ledger.claim_key(OFFICE_SCOPE, office), station.id)
        try:
            return self._save(station, ctx=ctx, command=cmd, claims=[claim])
        except ClaimTakenError:
            raise StationOfficeTakenError(office) from None

    @handles
    def add_station_social_worker(self, cmd: c.AddStationSocialWorker, ctx: CommandContext) -> Recorded:
        station = self._station(cmd.station_id, expected_version=cmd.expected_version)
        self._check_administrator(ctx, station.district)
        station.add_social_worker(text.line(cmd.staff_id, "staffId", max_length=text.IDENTIFIER_MAX),
                                  text.line(cmd.title, "title", max_length=text.JOB_TITLE_MAX))
        return self._save(station, ctx=ctx, command=cmd)

    @handles
    def remove_station_social_worker(self, cmd: c.RemoveStationSocialWorker, ctx: CommandContext) -> Recorded:
        station = self._station(cmd.station_id, expected_version=cmd.expected_version)
        self._check_administrator(ctx, station.district)
        station.remove_social_worker(text.line(cmd.staff_id, "staffId", max_length=text.IDENTIFIER_MAX))
        return self._save(station, ctx=ctx, command=cmd)
