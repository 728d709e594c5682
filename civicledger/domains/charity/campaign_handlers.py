"""Joint fundraising campaigns: launched by admins and supervisors and closed by an admin or the supervisor who
launched it; pledged to by donors (through charity platforms, staff or admins); receipts — money that arrived —
recorded by the platforms it arrived at (integrators), admins and supervisors — never by a caseworker."""

from __future__ import annotations

from uuid import UUID, uuid4

from civicledger.core import text
from civicledger.core.access import ADMIN, INTEGRATOR, SUPERVISOR, may_act_in, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ForbiddenError
from civicledger.core.eventstore.application import CivicApplication, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.campaign import CharityCampaign
from civicledger.domains.charity.errors import CharityRecordNotFoundError, CharityValueInvalidError
from civicledger.domains.charity.rules import parse_enum, quantity
from civicledger.domains.charity.values import NeedCategory, SupportKind

MAX_PARTNERS = 20
MAX_DAYS = 366


class CampaignHandlers(CivicApplication):
    def get_campaign(self, campaign_id: UUID, expected_version: int | None = None) -> CharityCampaign:
        found = self._find(CharityCampaign, campaign_id, expected_version=expected_version, label="campaign")
        if found is None:
            raise CharityRecordNotFoundError("charity campaign", campaign_id)
        return found

    @handles
    def launch_charity_campaign(self, cmd: c.LaunchCharityCampaign, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, ADMIN, SUPERVISOR)
        partners = tuple(dict.fromkeys(text.organisation_name(p, "partners") for p in cmd.partners))
        if not 2 <= len(partners) <= MAX_PARTNERS:
            raise CharityValueInvalidError("partners", f"a joint campaign has 2 to {MAX_PARTNERS} partners")
        if not cmd.opens_on <= cmd.closes_on or (cmd.closes_on - cmd.opens_on).days > MAX_DAYS:
            raise CharityValueInvalidError("closesOn", f"on or after opensOn, within {MAX_DAYS} days")
        if cmd.closes_on < business_date():
            raise CharityValueInvalidError("closesOn", "a campaign that has already ended cannot be launched")
        campaign = CharityCampaign(
            title=text.title(cmd.title), partners=partners, category=parse_enum(NeedCategory, cmd.category, "category"),
            target=quantity(SupportKind.MONEY, cmd.target, "target"), opens_on=cmd.opens_on,
            closes_on=cmd.closes_on, launched_by=ctx.actor.id)
        return self._save(campaign, ctx=ctx, command=cmd)

    @handles
    def pledge_to_charity_campaign(self, cmd: c.PledgeToCharityCampaign, ctx: CommandContext) -> Recorded:
        may_act_in(ctx.actor)
        campaign = self.get_campaign(cmd.campaign_id)
        campaign.pledge(uuid4(), text.organisation_name(cmd.donor_name, "donorName"),
                        quantity(SupportKind.MONEY, cmd.amount, "amount"), business_date())
        return self._save(campaign, ctx=ctx, command=cmd)

    @handles
    def record_charity_receipt(self, cmd: c.RecordCharityReceipt, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, ADMIN, SUPERVISOR, INTEGRATOR)  # the platforms the money arrives at, or staff
        campaign = self.get_campaign(cmd.campaign_id)
        campaign.receipt(cmd.pledge_id, text.line(cmd.receipt_number, "receiptNumber", max_length=text.IDENTIFIER_MAX),
                         quantity(SupportKind.MONEY, cmd.amount, "amount"))
        return self._save(campaign, ctx=ctx, command=cmd)

    @handles
    def close_charity_campaign(self, cmd: c.CloseCharityCampaign, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, ADMIN, SUPERVISOR)
        campaign = self.get_campaign(cmd.campaign_id, cmd.expected_version)
        if ctx.actor.role != ADMIN and campaign.launched_by != ctx.actor.id:
            raise ForbiddenError("a campaign is closed by an admin or by the supervisor who launched it")
        campaign.close(business_date())
        return self._save(campaign, ctx=ctx, command=cmd)
