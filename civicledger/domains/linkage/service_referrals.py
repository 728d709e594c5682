"""The part of the linkage service that handles needs and referrals: collect, consent, refer, answer, reassign,
work, complete, feedback, withdraw, share."""

from __future__ import annotations

from uuid import UUID

from civicledger.core import text
from civicledger.core.access import may_act_in
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import (
    NeedResidentUnavailableError,
    PersonalDataSharingWithoutConsentError,
    SafetyOverrideNotUrgentError,
)
from civicledger.domains.linkage.need import Need
from civicledger.domains.linkage.referral import Referral
from civicledger.domains.linkage.rules import confirmation, parse_enum
from civicledger.domains.linkage.service_base import LinkageServiceBase
from civicledger.domains.linkage.taxonomy import PartyType, sub_item
from civicledger.domains.linkage.values import Channel, SharingBasis, Urgency


class LinkageReferrals(LinkageServiceBase):
    # -- needs ---------------------------------------------------------------------------------------------

    @handles
    def collect_need(self, cmd: c.CollectNeed, ctx: CommandContext) -> Recorded:
        item = sub_item(cmd.sub_item)
        channel = parse_enum(Channel, cmd.channel, "channel")
        urgency = parse_enum(Urgency, cmd.urgency, "urgency")
        description = text.free_text(cmd.description, "description")
        phone = text.phone(cmd.contact_phone, "contactPhone")
        consent = confirmation(cmd.consent_confirmation) if cmd.consent_given else None
        resident = self.residents.get_resident(cmd.resident_id)
        if resident.erased:
            raise NeedResidentUnavailableError(cmd.resident_id, "their personal data has been erased")
        if resident.date_of_death is not None:
            raise NeedResidentUnavailableError(cmd.resident_id, "the resident is recorded as deceased")
        community = self.get_organisation(cmd.community_id)
        community.check_kind(PartyType.COMMUNITY_COMMITTEE)
        # A need links a resident to a community: the caller needs the right over both districts.
        may_act_in(ctx.actor, community.district, resident.district)
        need = Need(resident_id=cmd.resident_id, community_id=community.id, district=community.district,
                    channel=channel, category=item.category, sub_item=item.code, urgency=urgency,
                    description=description, contact_phone=phone, consent_given=cmd.consent_given,
                    consent_confirmation=consent)
        return self._save(need, ctx=ctx, command=cmd)

    @handles
    def record_consent(self, cmd: c.RecordConsent, ctx: CommandContext) -> Recorded:
        need = self._get(Need, cmd.need_id, expected_version=cmd.expected_version, label="need")
        confirmed = self._residents_word(need, cmd.respondent_id, cmd.confirmation, ctx)
        if cmd.given:
            need.give_consent(confirmed)
        else:
            need.withdraw_consent(confirmed)
        return self._save(need, ctx=ctx, command=cmd)

    @handles
    def withdraw_need(self, cmd: c.WithdrawNeed, ctx: CommandContext) -> Recorded:
        need = self._get(Need, cmd.need_id, label="need")
        confirmed = self._residents_word(need, cmd.respondent_id, cmd.confirmation, ctx)
        said = text.free_text(cmd.resident_reason, "residentReason", max_length=text.SHORT_TEXT_MAX)
        changed: list[Need | Referral] = [need]
        if need.referral_id is not None:
            referral = self._get(Referral, need.referral_id, label="referral")
            referral.withdraw(said, confirmed, by=ctx.actor.id)
            changed.insert(0, referral)
        need.withdraw(said, confirmed)
        return self._save(*changed, ctx=ctx, command=cmd)

    # -- referring -----------------------------------------------------------------------------------------

    @handles
    def refer_need(self, cmd: c.ReferNeed, ctx: CommandContext) -> Recorded:
        need = self._get(Need, cmd.need_id, label="need")
        community = self._check_coordinator(need.community_id, ctx)
        organisation = self._organisation(cmd.organisation_id, community)
        organisation.check_serves(need.district)
        version, routes = self.routing_table()
        route = routes[need.sub_item]
        deviation = self._deviation(route, organisation, cmd.deviation_reason)
        now = self.clock.now()
        referral = Referral(
            need_id=need.id, resident_id=need.resident_id, community_id=community.id,
            district=community.district, street=community.street, category=need.category,
            sub_item=need.sub_item, urgency=need.urgency, organisation_id=organisation.id,
            organisation_name=organisation.name, lead_party=organisation.kind, proposed_lead_party=route.lead,
            deviation_reason=deviation, routing_version=version, accept_due=now + route.accept_within(need.urgency),
            complete_within_hours=route.complete_within_hours(need.urgency), referred_by=ctx.actor.id,
        )
        need.refer(referral.id)
        if cmd.share_personal_data:
            self._share(need, referral, cmd.safety_override_reason, ctx)
        return self._save(referral, need, ctx=ctx, command=cmd)

    @handles
    def reassign_referral(self, cmd: c.ReassignReferral, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        referral = self._get(Referral, cmd.referral_id, expected_version=cmd.expected_version, label="referral")
        community = self._check_coordinator(referral.community_id, ctx)
        organisation = self._organisation(cmd.organisation_id, community)
        organisation.check_serves(referral.district)
        _, routes = self.routing_table()
        route = routes[referral.sub_item]
        deviation = self._deviation(route, organisation, cmd.deviation_reason)
        referral.reassign(organisation.id, organisation.name, organisation.kind, deviation,
                          self.clock.now() + route.accept_within(referral.urgency), by=ctx.actor.id)
        if cmd.share_personal_data:
            self._share(self.get_need(referral.need_id), referral, cmd.safety_override_reason, ctx)
        return self._save(referral, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def share_personal_data(self, cmd: c.SharePersonalData, ctx: CommandContext) -> Recorded:
        referral = self._get(Referral, cmd.referral_id, expected_version=cmd.expected_version, label="referral")
        self._check_coordinator(referral.community_id, ctx)
        self._share(self.get_need(referral.need_id), referral, cmd.safety_override_reason, ctx)
        return self._save(referral, ctx=ctx, command=cmd)

    @staticmethod
    def _share(need: Need, referral: Referral, override_reason: str | None, ctx: CommandContext) -> None:
        """Consent first; without it, only an urgent need, with a reason that inspectors will read."""
        reason = text.optional_free_text(override_reason, "safetyOverrideReason", max_length=text.SHORT_TEXT_MAX)
        if need.consent_given:
            basis, reason = SharingBasis.CONSENT, None
        elif reason is None:
            raise PersonalDataSharingWithoutConsentError(need.id)
        elif need.urgency is not Urgency.URGENT:
            raise SafetyOverrideNotUrgentError(need.id, need.urgency.value)
        else:
            basis = SharingBasis.SAFETY_OVERRIDE
        referral.share_personal_data(basis, need.description, need.contact_phone, reason, by=ctx.actor.id)

    # -- the organisation's answer and its work ------------------------------------------------------------

    def _lead_action(self, referral_id: UUID, expected_version: int | None, ctx: CommandContext) -> Referral:
        """The referral, when the caller acts for the organisation it is with now."""
        referral = self._get(Referral, referral_id, expected_version=expected_version, label="referral")
        self._acting_for(referral.organisation_id, ctx)
        return referral

    @handles
    def accept_referral(self, cmd: c.AcceptReferral, ctx: CommandContext) -> Recorded:
        referral = self._lead_action(cmd.referral_id, cmd.expected_version, ctx)
        referral.accept(by=ctx.actor.id, now=self.clock.now())
        return self._save(referral, ctx=ctx, command=cmd)

    @handles
    def decline_referral(self, cmd: c.DeclineReferral, ctx: CommandContext) -> Recorded:
        reason = text.free_text(cmd.reason, "reason", max_length=text.SHORT_TEXT_MAX)
        referral = self._lead_action(cmd.referral_id, cmd.expected_version, ctx)
        referral.decline(reason=reason, by=ctx.actor.id)
        return self._save(referral, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def start_referral_work(self, cmd: c.StartReferralWork, ctx: CommandContext) -> Recorded:
        referral = self._lead_action(cmd.referral_id, cmd.expected_version, ctx)
        referral.start_work(by=ctx.actor.id)
        return self._save(referral, ctx=ctx, command=cmd)

    @handles
    def complete_referral(self, cmd: c.CompleteReferral, ctx: CommandContext) -> Recorded:
        outcome = text.free_text(cmd.outcome, "outcome")
        referral = self._lead_action(cmd.referral_id, cmd.expected_version, ctx)
        referral.complete(outcome, by=ctx.actor.id)
        return self._save(referral, ctx=ctx, command=cmd)

    # -- closing the loop ----------------------------------------------------------------------------------

    @handles
    def record_resident_feedback(self, cmd: c.RecordResidentFeedback, ctx: CommandContext) -> Recorded:
        referral = self._get(Referral, cmd.referral_id, expected_version=cmd.expected_version, label="referral")
        confirmed = self._residents_word(referral, cmd.respondent_id, cmd.confirmation, ctx)
        comment = text.optional_free_text(cmd.comment, "comment")
        referral.give_feedback(cmd.satisfaction, comment, confirmed, by=ctx.actor.id)
        return self._save(referral, ctx=ctx, command=cmd)

    @handles
    def close_referral(self, cmd: c.CloseReferral, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        referral = self._get(Referral, cmd.referral_id, expected_version=cmd.expected_version, label="referral")
        self._check_coordinator(referral.community_id, ctx)
        referral.close_without_feedback(by=ctx.actor.id)
        return self._save(referral, ctx=ctx.with_reason(reason), command=cmd)
