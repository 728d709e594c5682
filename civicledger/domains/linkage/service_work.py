"""The part of the linkage service that handles the work under a referral: tasks, three-party meetings,
applications to other programs, and the SLA escalation sweep."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from civicledger.core import text
from civicledger.core.access import SYSTEM, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ConflictError
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.money import yuan_to_the_fen
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.errors import (
    LinkageValueInvalidError,
    NotOrganisationStaffError,
    ReferralNotOverdueError,
    StaffMemberUnknownError,
    TaskOfDeclinedReferralError,
)
from civicledger.domains.linkage.meeting import Attendee, ThreePartyMeeting
from civicledger.domains.linkage.organisation import Organisation
from civicledger.domains.linkage.referral import PROGRAMS, Referral, ReferralStatus
from civicledger.domains.linkage.service_base import LinkageServiceBase
from civicledger.domains.linkage.task import LinkageTask
from civicledger.domains.linkage.taxonomy import PartyType
from civicledger.domains.linkage.values import MeansDeclaration

# The scheme an application asks for when the caller names none: 低保, and a station's family service.
DEFAULT_SCHEMES = {"assistance": "MINIMUM_LIVING", "casework": "FAMILY"}
# The escalation sweep acts as itself: its idempotency keys are scoped to this actor.
SLA_SWEEP = Actor(id="linkage-sla-sweep", role="system", office=None, district=None)


class LinkageWork(LinkageServiceBase):
    # -- tasks ---------------------------------------------------------------------------------------------

    def get_task(self, task_id: UUID) -> LinkageTask:
        return self._get(LinkageTask, task_id, label="linkage task")

    def _check_lead_or_coordinator(self, referral: Referral, ctx: CommandContext) -> None:
        lead = self.get_organisation(referral.organisation_id)
        if not lead.has_member(ctx.actor.id, ctx.actor.office):
            self._check_coordinator(referral.community_id, ctx)

    def _new_task(self, referral: Referral, title: str, owner_id: UUID, owner_staff_id: str | None,
                  due_on: date | None, meeting_id: UUID | None, ctx: CommandContext) -> LinkageTask:
        referral.check_active()
        owner: Organisation = self.get_organisation(owner_id)
        if owner_staff_id is not None and owner_staff_id not in owner.staff:
            raise StaffMemberUnknownError(owner_staff_id)
        # By default, the referral's completion deadline (set once it is active) — or today, when that has passed.
        today = business_date()
        due = due_on or max(business_date(referral.complete_due), today)
        if due < today:
            raise LinkageValueInvalidError("dueOn", "must not be in the past", value=str(due))
        return LinkageTask(referral_id=referral.id, assignment=referral.assignment, resident_id=referral.resident_id,
                           community_id=referral.community_id, title=text.title(title),
                           owner_organisation_id=owner.id, owner_party=owner.kind, owner_staff_id=owner_staff_id,
                           due_on=due, meeting_id=meeting_id, opened_by=ctx.actor.id)

    @handles
    def open_linkage_task(self, cmd: c.OpenLinkageTask, ctx: CommandContext) -> Recorded:
        referral = self.get_referral(cmd.referral_id)
        self._check_lead_or_coordinator(referral, ctx)
        task = self._new_task(referral, cmd.title, cmd.owner_organisation_id, cmd.owner_staff_id, cmd.due_on,
                              None, ctx)
        return self._save(task, ctx=ctx, command=cmd)

    def _workable(self, task_id: UUID, expected_version: int | None) -> tuple[LinkageTask, Referral]:
        task = self._get(LinkageTask, task_id, expected_version=expected_version, label="linkage task")
        referral = self.get_referral(task.referral_id)
        if referral.status is ReferralStatus.DECLINED or referral.assignment != task.assignment:
            raise TaskOfDeclinedReferralError(task.id, referral.id)
        referral.check_active()
        return task, referral

    def _check_task_actor(self, task: LinkageTask, referral: Referral, ctx: CommandContext) -> None:
        """The owner organisation's staff, or the lead organisation's, work on a task."""
        for organisation_id in (task.owner_organisation_id, referral.organisation_id):
            if self.get_organisation(organisation_id).has_member(ctx.actor.id, ctx.actor.office):
                return
        raise NotOrganisationStaffError(task.owner_organisation_id, ctx.actor.id)

    @handles
    def note_task_progress(self, cmd: c.NoteTaskProgress, ctx: CommandContext) -> Recorded:
        note = text.free_text(cmd.note, "note")
        task, referral = self._workable(cmd.task_id, cmd.expected_version)
        self._check_task_actor(task, referral, ctx)
        task.note_progress(note, by=ctx.actor.id)
        return self._save(task, ctx=ctx, command=cmd)

    @handles
    def complete_linkage_task(self, cmd: c.CompleteLinkageTask, ctx: CommandContext) -> Recorded:
        outcome = text.free_text(cmd.outcome, "outcome")
        task, referral = self._workable(cmd.task_id, cmd.expected_version)
        self._check_task_actor(task, referral, ctx)
        task.complete(outcome, by=ctx.actor.id)
        return self._save(task, ctx=ctx, command=cmd)

    # -- three-party meetings ------------------------------------------------------------------------------

    @handles
    def record_three_party_meeting(self, cmd: c.RecordThreePartyMeeting, ctx: CommandContext) -> Recorded:
        community = self._acting_for(cmd.community_id, ctx)
        community.check_kind(PartyType.COMMUNITY_COMMITTEE)
        held_on = cmd.held_on or business_date()
        if held_on > business_date():
            raise LinkageValueInvalidError("heldOn", "a meeting is recorded after it was held", value=str(held_on))
        attendees = tuple(
            Attendee(organisation_id=a.organisation_id, party=self._organisation(a.organisation_id, community).kind,
                     staff_id=text.line(a.staff_id, "attendees.staffId", max_length=text.IDENTIFIER_MAX))
            for a in cmd.attendees
        )
        ThreePartyMeeting.check_quorum(attendees)
        decisions = tuple(text.free_text(d, "decisions", max_length=text.SHORT_TEXT_MAX) for d in cmd.decisions)
        if not decisions:
            raise LinkageValueInvalidError("decisions", "a meeting records at least one decision")
        discussed = {rid: self.get_referral(rid) for rid in dict.fromkeys(cmd.referrals_discussed)}
        for referral in discussed.values():
            if referral.community_id != community.id:
                raise LinkageValueInvalidError("referralsDiscussed", "a referral of another community",
                                               referralId=str(referral.id))
        meeting = ThreePartyMeeting(community_id=community.id, held_on=held_on, attendees=attendees,
                                    referrals_discussed=tuple(discussed), decisions=decisions,
                                    recorded_by=ctx.actor.id)
        tasks = []
        for spec in cmd.tasks:
            if spec.referral_id not in discussed:
                raise LinkageValueInvalidError("tasks", "a meeting gives out tasks only for referrals it "
                                               "discussed", referralId=str(spec.referral_id))
            tasks.append(self._new_task(discussed[spec.referral_id], spec.title, spec.owner_organisation_id,
                                        spec.owner_staff_id, spec.due_on, meeting.id, ctx))
        return self._save(meeting, *tasks, ctx=ctx, command=cmd)

    # -- another program -----------------------------------------------------------------------------------

    @handles
    def request_program_application(self, cmd: c.RequestProgramApplication, ctx: CommandContext) -> Recorded:
        """Ask another program to open an application for this referral's resident; the linkage process
        manager files it there (`processes/linkage_programs.py`) and reports the outcome back here."""
        referral = self._get(Referral, cmd.referral_id, expected_version=cmd.expected_version, label="referral")
        self._check_lead_or_coordinator(referral, ctx)
        program = cmd.program.strip().lower()
        statement = text.free_text(cmd.statement, "statement")
        scheme = text.line(cmd.scheme or DEFAULT_SCHEMES.get(program, ""), "scheme", max_length=40).upper()
        if program == "casework":  # a case at a social-work station: which station, and nothing about means
            if cmd.unit_id is None:
                raise LinkageValueInvalidError("unitId", "name the social-work station that is to take the case")
            referral.request_program_application(program, scheme, None, statement, {}, None, by=ctx.actor.id,
                                                 unit_id=cmd.unit_id)
            return self._save(referral, ctx=ctx, command=cmd)
        if cmd.household_id is None and program in PROGRAMS:
            raise LinkageValueInvalidError("householdId", "an application for assistance names the household")
        declared: dict[UUID, MeansDeclaration] = {}
        for d in cmd.declared:
            if d.resident_id in declared:
                raise LinkageValueInvalidError("declared", "a member is declared twice",
                                               residentId=str(d.resident_id))
            declared[d.resident_id] = MeansDeclaration(
                yuan_to_the_fen(d.monthly_income, field="declared.monthlyIncome"),
                yuan_to_the_fen(d.assets, field="declared.assets"))
        if not declared:
            raise LinkageValueInvalidError("declared", "declare at least the applicant's income and assets")
        need = yuan_to_the_fen(cmd.need, field="need") if cmd.need is not None else None
        referral.request_program_application(program, scheme, cmd.household_id, statement, declared, need,
                                             by=ctx.actor.id)
        return self._save(referral, ctx=ctx, command=cmd)

    # The process manager's commands: only the linkage process (the system) sends these.

    @handles
    def record_program_application(self, cmd: c.RecordProgramApplication, ctx: CommandContext) -> Recorded:
        return self._by_process(cmd, ctx, lambda r: r.record_program_application(cmd.request, cmd.application_id))

    @handles
    def record_program_application_refused(self, cmd: c.RecordProgramApplicationRefused,
                                           ctx: CommandContext) -> Recorded:
        return self._by_process(cmd, ctx, lambda r: r.refuse_program_application(cmd.request, cmd.code,
                                                                                 cmd.message[:500]))

    @handles
    def report_program_outcome(self, cmd: c.ReportProgramOutcome, ctx: CommandContext) -> Recorded:
        return self._by_process(cmd, ctx, lambda r: r.report_program_outcome(cmd.program, cmd.application_id,
                                                                             cmd.outcome.upper()))

    def _by_process(self, cmd: Any, ctx: CommandContext, change: Callable[[Referral], object],
                    loaded: Referral | None = None) -> Recorded:
        """Load the referral (unless the caller just did), change it, save it: the process commands' shape."""
        require_role(ctx.actor)  # the system's own processes only
        referral = loaded or self.get_referral(cmd.referral_id)
        change(referral)
        return self._save(referral, ctx=ctx, command=cmd)

    # -- SLA escalation ------------------------------------------------------------------------------------

    @handles
    def escalate_overdue_referral(self, cmd: c.EscalateOverdueReferral, ctx: CommandContext) -> Recorded:
        """Escalate to the street office the deadline that has passed (by this service's clock): the SLA sweep
        does it, or the referral's coordinators by hand."""
        referral = self.get_referral(cmd.referral_id)
        if ctx.actor.role != SYSTEM:
            self._check_coordinator(referral.community_id, ctx)
        referral.escalate(self.clock.now())
        return self._save(referral, ctx=ctx, command=cmd)

    def _escalate(self, cmd: c.EscalateOverdueReferral, ctx: CommandContext, loaded: Referral) -> Recorded:
        return self._by_process(cmd, ctx, lambda r: r.escalate(self.clock.now()), loaded)

    def sweep_overdue(self, candidates: Iterable[UUID]) -> list[Recorded]:
        """Escalate every candidate that is overdue now; skip the rest. Candidates come from a read model and
        may be stale: each is decided on its own stream. Each escalation has an idempotency key naming the
        referral, the deadline and the assignment, so running the sweep again writes nothing new."""
        written = []
        now = self.clock.now()
        for referral_id in dict.fromkeys(candidates):
            referral = self.get_referral(referral_id)
            overdue = referral.overdue_deadline(now)
            if overdue is None:
                continue
            key = f"sla:{referral_id}:{overdue[0].value}:{referral.assignment}"
            ctx = CommandContext(actor=SLA_SWEEP, reason=f"{overdue[0].value.lower()} deadline passed",
                                 idempotency_key=key, origin="linkage-sla-sweep")
            try:
                cmd = c.EscalateOverdueReferral(referral_id)
                written.append(self._execute(ctx, cmd, lambda: self._escalate(cmd, ctx, referral)))  # noqa: B023
            except (ReferralNotOverdueError, ConflictError):
                continue  # changed meanwhile: the next sweep decides again
        return written
