"""Elders: enrolment by a caseworker of their home district, changes, withdrawal, and recall follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from civicledger.core import text
from civicledger.core.access import CASEWORKER, SUPERVISOR, may_act_in, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.enrolment import MealEnrolment
from civicledger.domains.meals.errors import ElderNotEligibleError, SupplierBatchNotRecalledError
from civicledger.domains.meals.ports import ResidentView
from civicledger.domains.meals.rules import parse_enum
from civicledger.domains.meals.service_base import MealServiceBase
from civicledger.domains.meals.values import DietaryNeed, EconomicStatus, FollowUpOutcome


class ElderHandlers(MealServiceBase):
    def _resident(self, resident_id: UUID, ctx: CommandContext) -> tuple[ResidentView, date]:
        """The resident and their birth date, when the caller is a caseworker or supervisor of their home
        district and they can be served (neither deceased nor erased)."""
        require_role(ctx.actor, CASEWORKER, SUPERVISOR)
        resident = self.residents.get_resident(resident_id)
        may_act_in(ctx.actor, resident.district)
        born = resident.birth_date
        if resident.erased or born is None:
            raise ElderNotEligibleError(resident_id, "the resident's personal data was erased")
        if resident.date_of_death is not None:
            raise ElderNotEligibleError(resident_id, "the resident is recorded as deceased")
        return resident, born

    @handles
    def enrol_elder(self, cmd: c.EnrolElder, ctx: CommandContext) -> Recorded:
        resident, born = self._resident(cmd.resident_id, ctx)
        status, needs, note = _details(cmd.economic_status, cmd.dietary_needs, cmd.dietary_note)
        today = business_date()
        MealEnrolment.check_age(cmd.resident_id, born, today)
        enrolment = self.find_enrolment(cmd.resident_id)
        if enrolment is None:
            enrolment = MealEnrolment(resident_id=cmd.resident_id, district=resident.district, street=resident.street,
                                      birth_date=born, economic_status=status,
                                      disabled=bool(cmd.disabled), dietary_needs=needs, dietary_note=note,
                                      enrolled_on=today)
        else:
            enrolment.reenrol(resident.district, resident.street, status, bool(cmd.disabled), needs, note, today)
        return self._save(enrolment, ctx=ctx, command=cmd)

    @handles
    def change_elder_enrolment(self, cmd: c.ChangeElderEnrolment, ctx: CommandContext) -> Recorded:
        """New details; home district and street are read again from the registry (a move shows here)."""
        resident, _ = self._resident(cmd.resident_id, ctx)
        enrolment = self.get_enrolment(cmd.resident_id, cmd.expected_version)
        may_act_in(ctx.actor, enrolment.district)
        status, needs, note = _details(cmd.economic_status, cmd.dietary_needs, cmd.dietary_note)
        enrolment.change(resident.district, resident.street, status, bool(cmd.disabled), needs, note)
        return self._save(enrolment, ctx=ctx, command=cmd)

    @handles
    def withdraw_elder(self, cmd: c.WithdrawElder, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        require_role(ctx.actor, CASEWORKER, SUPERVISOR)
        enrolment = self.get_enrolment(cmd.resident_id, cmd.expected_version)
        may_act_in(ctx.actor, enrolment.district)
        enrolment.withdraw(business_date())
        return self._save(enrolment, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def record_recall_follow_up(self, cmd: c.RecordRecallFollowUp, ctx: CommandContext) -> Recorded:
        """By a caseworker or supervisor of the elder's home district: the follow-up is written to the elder's
        record only (the recall itself was decided in the batch's district)."""
        require_role(ctx.actor, CASEWORKER, SUPERVISOR)
        outcome = parse_enum(FollowUpOutcome, cmd.outcome, "outcome")
        note = text.optional_free_text(cmd.note, "note")
        batch = self.get_batch(cmd.batch_id)
        if batch.recalled_on is None:
            raise SupplierBatchNotRecalledError(batch.id)
        enrolment = self.get_enrolment(cmd.resident_id)
        may_act_in(ctx.actor, enrolment.district)
        enrolment.record_follow_up(batch.id, outcome, note, business_date())
        return self._save(enrolment, ctx=ctx, command=cmd)


def _details(status: str, needs: Iterable[str], note: str | None
             ) -> tuple[EconomicStatus, tuple[DietaryNeed, ...], str | None]:
    parsed = tuple(dict.fromkeys(parse_enum(DietaryNeed, n, "dietaryNeeds") for n in needs))
    return (parse_enum(EconomicStatus, status, "economicStatus"), parsed,
            text.optional_free_text(note, "dietaryNote", max_length=text.SHORT_TEXT_MAX))
