"""The part of the casework service that handles a case's own work: intake, assessment, the service plan,
sessions and reviews — by the social workers of the station that holds it."""

from __future__ import annotations

from civicledger.core import text
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.catalogue import service
from civicledger.domains.casework.errors import CaseworkValueInvalidError, ResidentNotServableError
from civicledger.domains.casework.rules import (
    GOAL_MAX,
    MAX_GOALS,
    MAX_SESSION_MINUTES,
    NOTE_MAX,
    not_after,
    parse_enum,
    within,
)
from civicledger.domains.casework.service_base import CaseworkServiceBase
from civicledger.domains.casework.values import (
    GoalProgress,
    GoalReview,
    GoalTerms,
    IntakeSource,
    NeedArea,
    ReviewDecision,
    RiskLevel,
    SessionKind,
)


class CaseworkCases(CaseworkServiceBase):
    # -- intake --------------------------------------------------------------------------------------------

    @handles
    def open_casework_case(self, cmd: c.OpenCaseworkCase, ctx: CommandContext) -> Recorded:
        station = self._station(cmd.station_id)
        resident = self.residents.get_resident(cmd.resident_id)
        self._check_intake(station, resident.district, ctx)
        if resident.erased or resident.date_of_death is not None:
            raise ResidentNotServableError(cmd.resident_id, "erased" if resident.erased else "deceased")
        code = service(cmd.service).code
        station.check_runs(code)
        source = parse_enum(IntakeSource, cmd.source, "source")
        program = reference = None
        if source is IntakeSource.LINKAGE_REFERRAL and cmd.referral_id is None:
            raise CaseworkValueInvalidError("referralId", "a case taken in from a linkage referral names it")
        if source is IntakeSource.OTHER_PROGRAM:
            program = text.line(cmd.source_program or "", "sourceProgram", max_length=40).lower()
            reference = text.line(cmd.source_reference or "", "sourceReference", max_length=text.REFERENCE_MAX)
        worker = text.optional_line(cmd.social_worker_id, "socialWorkerId", max_length=text.IDENTIFIER_MAX)
        if worker is not None:
            station.check_social_worker(worker)
        elif ctx.actor.id in station.social_workers:
            worker = ctx.actor.id
        case = CaseworkCase(
            station_id=station.id, district=station.district, resident_id=cmd.resident_id, service=code,
            source=source, referral_id=cmd.referral_id if source is IntakeSource.LINKAGE_REFERRAL else None,
            source_program=program, source_reference=reference,
            presenting_need=text.free_text(cmd.presenting_need, "presentingNeed"), social_worker_id=worker,
            opened_on=business_date(), opened_by=ctx.actor.id,
        )
        return self._save_case(case, ctx, cmd, claims=(self._claim(code, case.resident_id, case.id),))

    # -- assessment and plan -------------------------------------------------------------------------------

    @handles
    def assess_casework_case(self, cmd: c.AssessCaseworkCase, ctx: CommandContext) -> Recorded:
        case, _ = self._held_case(cmd, ctx)
        areas = tuple(parse_enum(NeedArea, a, "needAreas") for a in cmd.need_areas)
        case.assess(parse_enum(RiskLevel, cmd.risk, "risk"), areas, text.free_text(cmd.summary, "summary"),
                    on=not_after(cmd.assessed_on or business_date(), business_date(), "assessedOn"), by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)

    @handles
    def agree_service_plan(self, cmd: c.AgreeServicePlan, ctx: CommandContext) -> Recorded:
        case, _ = self._held_case(cmd, ctx)
        if len(cmd.goals) > MAX_GOALS:
            raise CaseworkValueInvalidError("goals", f"a service plan has at most {MAX_GOALS} goals")
        terms = tuple(GoalTerms(n, parse_enum(NeedArea, g.area, "goals.area"), g.target_date)
                      for n, g in enumerate(cmd.goals, start=1))
        words = tuple(text.free_text(g.description, "goals.description", max_length=GOAL_MAX) for g in cmd.goals)
        every = within(cmd.review_every_days, "reviewEveryDays", 7, 180)
        case.agree_plan(terms, words, every, on=business_date(), by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)

    # -- sessions and reviews ------------------------------------------------------------------------------

    @handles
    def record_casework_session(self, cmd: c.RecordCaseworkSession, ctx: CommandContext) -> Recorded:
        case, _ = self._held_case(cmd, ctx)
        case.record_session(
            held_on=not_after(cmd.held_on or business_date(), business_date(), "heldOn"),
            kind=parse_enum(SessionKind, cmd.kind, "kind"),
            minutes=within(cmd.minutes, "minutes", 1, MAX_SESSION_MINUTES),
            goals_addressed=tuple(cmd.goals_addressed), notes=text.free_text(cmd.notes, "notes", max_length=NOTE_MAX),
            by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)

    @handles
    def review_casework_case(self, cmd: c.ReviewCaseworkCase, ctx: CommandContext) -> Recorded:
        case, _ = self._held_case(cmd, ctx)
        progress = tuple(GoalReview(p.goal, parse_enum(GoalProgress, p.progress, "progress.progress"))
                         for p in cmd.progress)
        decision = parse_enum(ReviewDecision, cmd.decision, "decision")
        case.review(progress, decision, text.free_text(cmd.summary, "summary"),
                    on=not_after(cmd.reviewed_on or business_date(), business_date(), "reviewedOn"), by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)
