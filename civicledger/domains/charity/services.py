"""Charity matching's application service: get, decide, save; return what was recorded.

Who may act (decided here, on the write model):
- publishing a need, or withdrawing it — caseworkers and supervisors of the source case's district (and admins);
- registering an offer and proposing a match — any principal that may command (charity platforms are
  integrators), never inspectors;
- accepting or declining a match and confirming its fulfilment — caseworkers and supervisors of the need's
  district only.

Consent: a need is published only if the source program recorded the resident's consent to share it with a
party that takes it on (a linkage need's consent, read through the `SourceCases` port), or — where the source
program records no such consent (assistance, casework) — with the resident's own confirmation given with the
publication. A linkage need without consent is refused even with a confirmation: the consent is recorded on
the need (`recordConsent`), where the resident can also withdraw it."""

from __future__ import annotations

from uuid import UUID

from civicledger.core import text
from civicledger.core.access import ADMIN, CASEWORKER, SUPERVISOR, SYSTEM, may_act_in, require_role
from civicledger.core.clock import Clock, business_date
from civicledger.core.commands import handles
from civicledger.core.errors import NotFoundError, StaleVersionError
from civicledger.core.eventstore.application import Ledger, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.campaign_handlers import CampaignHandlers
from civicledger.domains.charity.errors import (
    CharityCaseworkerOnlyError,
    CharityConsentMissingError,
    CharityNeedAlreadyPublishedError,
    CharityQuantityExceededError,
    CharityRecordNotFoundError,
    CharityValueInvalidError,
)
from civicledger.domains.charity.match import CharityMatch
from civicledger.domains.charity.need import CharityNeed, need_id
from civicledger.domains.charity.offer import CharityOffer
from civicledger.domains.charity.ports import ResidentLookup, SourceCase, SourceCases
from civicledger.domains.charity.rules import anonymous_text, categories, districts, parse_enum, quantity
from civicledger.domains.charity.values import ConsentBasis, NeedCategory, NeedSource, SupportKind


class CharityService(CampaignHandlers):
    program = "charity"

    def __init__(self, ledger: Ledger, *, sources: SourceCases, residents: ResidentLookup,
                 clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.sources = sources
        self.residents = residents

    def _load(self, kind: type, record_id: UUID, label: str, expected_version: int | None = None) -> object:
        try:
            return self._get(kind, record_id, expected_version=expected_version, label=label)
        except StaleVersionError:
            raise
        except NotFoundError:
            raise CharityRecordNotFoundError(label, record_id) from None

    def get_need(self, need: UUID, expected_version: int | None = None) -> CharityNeed:
        return self._load(CharityNeed, need, "charity need", expected_version)  # type: ignore[return-value]

    def get_offer(self, offer: UUID) -> CharityOffer:
        return self._load(CharityOffer, offer, "charity offer")  # type: ignore[return-value]

    def get_match(self, match: UUID, expected_version: int | None = None) -> CharityMatch:
        return self._load(CharityMatch, match, "charity match", expected_version)  # type: ignore[return-value]

    @staticmethod
    def _staff_of(ctx: CommandContext, district: str) -> None:
        if ctx.actor.role not in (CASEWORKER, SUPERVISOR, SYSTEM):
            raise CharityCaseworkerOnlyError(ctx.actor.role)
        may_act_in(ctx.actor, district)

    # -- needs ---------------------------------------------------------------------------------------------

    @handles
    def publish_charity_need(self, cmd: c.PublishCharityNeed, ctx: CommandContext) -> Recorded:
        require_role(ctx.actor, CASEWORKER, SUPERVISOR, ADMIN)
        source = parse_enum(NeedSource, cmd.source, "source")
        category = parse_enum(NeedCategory, cmd.category, "category")
        kind = parse_enum(SupportKind, cmd.kind, "kind")
        amount = quantity(kind, cmd.quantity)
        case = self.sources.source_case(source.value, cmd.source_id)
        may_act_in(ctx.actor, case.district)
        resident = self.residents.get_resident(case.resident_id)
        if resident.erased or resident.date_of_death is not None:
            raise CharityConsentMissingError(source.value, cmd.source_id, "the resident can no longer consent")
        if cmd.needed_by is not None and cmd.needed_by < business_date():
            raise CharityValueInvalidError("neededBy", "a date to come")
        basis, method, reference = self._consent(source, cmd, case)
        if self._find(CharityNeed, need_id(source, cmd.source_id)) is not None:
            raise CharityNeedAlreadyPublishedError(cmd.source_id, need_id(source, cmd.source_id))
        need = CharityNeed(
            resident_id=case.resident_id, source=source, source_id=cmd.source_id, district=case.district,
            category=category, kind=kind, quantity=amount,
            summary=anonymous_text(cmd.summary, "summary", resident.name), needed_by=cmd.needed_by,
            consent_basis=basis, consent_method=method, consent_reference=reference)
        return self._save(need, ctx=ctx, command=cmd)

    @staticmethod
    def _consent(source: NeedSource, cmd: c.PublishCharityNeed, case: SourceCase
                 ) -> tuple[ConsentBasis, object, str | None]:
        if case.consent is True:
            return ConsentBasis.SOURCE, None, None
        if case.consent is False:
            raise CharityConsentMissingError(source.value, cmd.source_id, "the resident has not consented on the "
                                             "source need (record their consent there first)")
        confirmation = cmd.consent_confirmation
        if confirmation is None:
            raise CharityConsentMissingError(source.value, cmd.source_id, "give the resident's confirmation of "
                                             "consent to publication")
        reference = text.line(confirmation.reference, "consentConfirmation.reference",
                              max_length=text.CONFIRMATION_MAX)
        return ConsentBasis.CONFIRMATION, confirmation.method, reference

    @handles
    def withdraw_charity_need(self, cmd: c.WithdrawCharityNeed, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        need = self.get_need(cmd.need_id, cmd.expected_version)
        require_role(ctx.actor, CASEWORKER, SUPERVISOR, ADMIN)
        may_act_in(ctx.actor, need.district)
        need.withdraw()
        return self._save(need, ctx=ctx.with_reason(reason), command=cmd)

    # -- offers ----------------------------------------------------------------------------------------------

    @handles
    def register_charity_offer(self, cmd: c.RegisterCharityOffer, ctx: CommandContext) -> Recorded:
        may_act_in(ctx.actor)  # inspectors change nothing
        kind = parse_enum(SupportKind, cmd.kind, "kind")
        offer = CharityOffer(
            donor_name=text.organisation_name(cmd.donor_name, "donorName"), kind=kind,
            quantity=quantity(kind, cmd.quantity),
            description=text.free_text(cmd.description, "description", max_length=text.SHORT_TEXT_MAX),
            categories=categories(cmd.categories, NeedCategory), districts=districts(cmd.districts),
            registered_by=ctx.actor.id)
        return self._save(offer, ctx=ctx, command=cmd)

    # -- matches ---------------------------------------------------------------------------------------------

    @handles
    def propose_charity_match(self, cmd: c.ProposeCharityMatch, ctx: CommandContext) -> Recorded:
        may_act_in(ctx.actor)
        need, offer = self.get_need(cmd.need_id), self.get_offer(cmd.offer_id)
        amount = quantity(need.kind, cmd.quantity)
        need.check_open("take a match")
        offer.check_fits(need.kind, need.category, need.district, amount)
        if amount > need.outstanding:
            raise CharityQuantityExceededError("need", amount, need.outstanding)
        match = CharityMatch(need_id=need.id, offer_id=offer.id, quantity=amount, proposed_by=ctx.actor.id)
        return self._save(match, ctx=ctx, command=cmd)

    @handles
    def accept_charity_match(self, cmd: c.AcceptCharityMatch, ctx: CommandContext) -> Recorded:
        """The rules are checked again on the records as they are now: the offer allocated and the need
        committed in the same save as the acceptance (a concurrent acceptance loses on a version: CONFLICT)."""
        match = self.get_match(cmd.match_id, cmd.expected_version)
        need, offer = self.get_need(match.need_id), self.get_offer(match.offer_id)
        self._staff_of(ctx, need.district)
        offer.check_fits(need.kind, need.category, need.district, match.quantity)
        match.accept(need.resident_id, by=ctx.actor.id)
        need.commit(match.id, match.quantity)
        offer.allocate(match.id, match.quantity)
        return self._save(match, need, offer, ctx=ctx, command=cmd)

    @handles
    def decline_charity_match(self, cmd: c.DeclineCharityMatch, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        match = self.get_match(cmd.match_id, cmd.expected_version)
        need, offer = self.get_need(match.need_id), self.get_offer(match.offer_id)
        self._staff_of(ctx, need.district)
        if match.decline():
            need.release(match.id, match.quantity)
            offer.release(match.id, match.quantity)
            return self._save(match, need, offer, ctx=ctx.with_reason(reason), command=cmd)
        return self._save(match, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def confirm_charity_fulfilment(self, cmd: c.ConfirmCharityFulfilment, ctx: CommandContext) -> Recorded:
        match = self.get_match(cmd.match_id, cmd.expected_version)
        need = self.get_need(match.need_id)
        self._staff_of(ctx, need.district)
        resident = self.residents.get_resident(need.resident_id)
        match.fulfil(need.resident_id, anonymous_text(cmd.outcome, "outcome", resident.name))
        need.fulfil(match.id, match.quantity)
        return self._save(match, need, ctx=ctx, command=cmd)
