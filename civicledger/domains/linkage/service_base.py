"""What every linkage command handler shares: the wiring, and the checks of who may act.

Who may act is a rule of this program, so it is checked here, on the write model, not only in the API:
- an organisation's work (accept, decline, start, complete, tasks) — its staff (`Organisation.has_member`);
- coordination (refer, reassign, share, record the resident's word, close) — the staff of the need's
  community committee, or a supervisor of its district;
- the resident's word — only the resident (`respondent_id`), confirmed by them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from civicledger.core import text
from civicledger.core.clock import Clock
from civicledger.core.eventstore.application import CivicApplication, Ledger
from civicledger.core.metadata import CommandContext
from civicledger.domains.linkage.errors import (
    FeedbackNotFromResidentError,
    LeadPartyDeviationReasonRequiredError,
    NotReferralCoordinatorError,
)
from civicledger.domains.linkage.need import Need
from civicledger.domains.linkage.organisation import Organisation
from civicledger.domains.linkage.ports import ResidentLookup
from civicledger.domains.linkage.referral import Referral
from civicledger.domains.linkage.routing import ROUTING_TABLE_ID, Route, RoutingTable, default_routes
from civicledger.domains.linkage.rules import confirmation
from civicledger.domains.linkage.values import Confirmation


class LinkageServiceBase(CivicApplication):
    program = "linkage"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- organisations and who acts for them ---------------------------------------------------------------

    def get_organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(Organisation, organisation_id, label="organisation")

    def get_need(self, need_id: UUID) -> Need:
        return self._get(Need, need_id, label="need")

    def get_referral(self, referral_id: UUID) -> Referral:
        return self._get(Referral, referral_id, label="referral")

    def _acting_for(self, organisation_id: UUID, ctx: CommandContext) -> Organisation:
        organisation = self.get_organisation(organisation_id)
        organisation.check_member(ctx.actor.id, ctx.actor.office)
        return organisation

    def _is_coordinator(self, community: Organisation, ctx: CommandContext) -> bool:
        if ctx.actor.role == "supervisor" and ctx.actor.district == community.district:
            return True
        return community.has_member(ctx.actor.id, ctx.actor.office)

    def _check_coordinator(self, community_id: UUID, ctx: CommandContext) -> Organisation:
        community = self.get_organisation(community_id)
        if not self._is_coordinator(community, ctx):
            raise NotReferralCoordinatorError(community_id, ctx.actor.id)
        return community

    def _residents_word(self, subject: Need | Referral, respondent_id: UUID, raw_confirmation: Any,
                        ctx: CommandContext) -> Confirmation:
        """What the resident said (consent, withdrawal, feedback) is recorded by their community committee, only
        from the resident themselves, with how it was confirmed."""
        self._check_coordinator(subject.community_id, ctx)
        if respondent_id != subject.resident_id:
            raise FeedbackNotFromResidentError(subject.id, respondent_id)
        return confirmation(raw_confirmation)

    def _organisation(self, organisation_id: UUID, loaded: Organisation) -> Organisation:
        """An organisation, reusing one this command already loaded (a committee referring to itself)."""
        return loaded if organisation_id == loaded.id else self.get_organisation(organisation_id)

    # -- the routing table ---------------------------------------------------------------------------------

    def routing_table(self) -> tuple[int, dict[str, Route]]:
        """The current routes and the table's version (0: the taxonomy's defaults, never edited)."""
        table = self._find(RoutingTable, ROUTING_TABLE_ID, label="routing table")
        if table is None:
            return 0, default_routes()
        return table.version, dict(table.routes)

    @staticmethod
    def _deviation(route: Route, organisation: Organisation, raw: str | None) -> str | None:
        """A caseworker may choose another party than the table proposes, and must say why."""
        reason = text.optional_free_text(raw, "deviationReason", max_length=text.SHORT_TEXT_MAX)
        if organisation.kind is route.lead:
            return None
        if reason is None:
            raise LeadPartyDeviationReasonRequiredError(route.lead.value, organisation.kind.value)
        return reason
