"""The linkage application service: get, decide, save; return what was recorded.

`LinkageService` composes its command handlers by concept — needs and referrals (`service_referrals.py`), the work
under them (`service_work.py`) — and keeps here what an admin does: organisations, staff, the routing table."""

from __future__ import annotations

from civicledger.core import text
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError, StaleVersionError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.guangzhou import check_street, parse_district
from civicledger.core.metadata import CommandContext
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import (
    CommunityCommitteeExistsError,
    LinkageValueInvalidError,
    OrganisationAdministrationForbiddenError,
    RoutingChangeForbiddenError,
)
from civicledger.domains.linkage.organisation import Organisation
from civicledger.domains.linkage.pilots import is_pilot
from civicledger.domains.linkage.routing import ROUTING_TABLE_ID, Route, RoutingTable, default_routes
from civicledger.domains.linkage.rules import parse_enum
from civicledger.domains.linkage.service_referrals import LinkageReferrals
from civicledger.domains.linkage.service_work import LinkageWork
from civicledger.domains.linkage.taxonomy import PartyType, sub_item

COMMITTEE_SCOPE = "linkage_community_committee"


class LinkageService(LinkageReferrals, LinkageWork):
    # -- organisations and staff (admins, or supervisors of the district) ----------------------------------

    @staticmethod
    def _check_administrator(ctx: CommandContext, district: str) -> None:
        role = ctx.actor.role
        if role == "admin" or (role == "supervisor" and ctx.actor.district == district):
            return
        raise OrganisationAdministrationForbiddenError(role, district)

    @handles
    def register_organisation(self, cmd: c.RegisterOrganisation, ctx: CommandContext) -> Recorded:
        kind = parse_enum(PartyType, cmd.kind, "kind")
        district = parse_district(cmd.district)
        street = check_street(district, cmd.street)
        self._check_administrator(ctx, district.value)
        community = text.optional_line(cmd.community, "community", max_length=text.COMMUNITY_MAX)
        if kind is PartyType.COMMUNITY_COMMITTEE and community is None:
            raise LinkageValueInvalidError("community", "a community committee names its community")
        served = tuple(dict.fromkeys(parse_district(d).value for d in cmd.service_districts)) or (district.value,)
        organisation = Organisation(
            name=text.organisation_name(cmd.name), kind=kind, district=district.value, street=street,
            community=community, office=text.optional_line(cmd.office, "office", max_length=text.IDENTIFIER_MAX),
            service_districts=served, pilot=kind is PartyType.COMMUNITY_COMMITTEE and is_pilot(
                district.value, street, community),
        )
        claims = []
        if kind is PartyType.COMMUNITY_COMMITTEE:
            value = f"{district.value}/{street}/{community}"
            claims.append(Claim(COMMITTEE_SCOPE, self.ledger.claim_key(COMMITTEE_SCOPE, value), organisation.id))
        try:
            return self._save(organisation, ctx=ctx, command=cmd, claims=claims)
        except ClaimTakenError:
            raise CommunityCommitteeExistsError(f"{district.info.name_zh}{street}{community}") from None

    @handles
    def add_staff_member(self, cmd: c.AddStaffMember, ctx: CommandContext) -> Recorded:
        organisation = self._get(Organisation, cmd.organisation_id, expected_version=cmd.expected_version,
                                 label="organisation")
        self._check_administrator(ctx, organisation.district)
        organisation.add_staff_member(text.line(cmd.staff_id, "staffId", max_length=text.IDENTIFIER_MAX),
                                      text.line(cmd.title, "title", max_length=text.JOB_TITLE_MAX))
        return self._save(organisation, ctx=ctx, command=cmd)

    @handles
    def remove_staff_member(self, cmd: c.RemoveStaffMember, ctx: CommandContext) -> Recorded:
        organisation = self._get(Organisation, cmd.organisation_id, expected_version=cmd.expected_version,
                                 label="organisation")
        self._check_administrator(ctx, organisation.district)
        organisation.remove_staff_member(text.line(cmd.staff_id, "staffId", max_length=text.IDENTIFIER_MAX))
        return self._save(organisation, ctx=ctx, command=cmd)

    # -- the routing table (admins only, with a reason) ----------------------------------------------------

    @handles
    def change_route(self, cmd: c.ChangeRoute, ctx: CommandContext) -> Recorded:
        if ctx.actor.role != "admin":
            raise RoutingChangeForbiddenError(ctx.actor.role)
        reason = ctx.require_reason()
        item = sub_item(cmd.sub_item)
        route = Route(parse_enum(PartyType, cmd.lead_party, "leadParty"), cmd.accept_within_hours,
                      cmd.complete_within_days)
        table = self._find(RoutingTable, ROUTING_TABLE_ID, expected_version=cmd.expected_version,
                           label="routing table")
        if table is None:
            if cmd.expected_version not in (None, 0):
                raise StaleVersionError(ROUTING_TABLE_ID, cmd.expected_version, 0)
            table = RoutingTable(routes=default_routes())
        table.change_route(item.code, route, by=ctx.actor.id)
        return self._save(table, ctx=ctx.with_reason(reason), command=cmd)
