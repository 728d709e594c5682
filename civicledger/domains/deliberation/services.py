"""The deliberation service: get, decide, save; return what was recorded.

Who may act (decided here, on the write model, so the API and the demo meet the same rules): the staff of the
item's district — caseworkers and supervisors of that district (the community's and street's offices) — and
integrators (district platforms); nobody of another district, no inspector, no admin. Adding a resident as a
participant links two records: the caller's right over the resident's district is checked too."""

from __future__ import annotations

from uuid import UUID

from civicledger.core import text
from civicledger.core.access import CASEWORKER, INTEGRATOR, SUPERVISOR, may_act_in, require_role
from civicledger.core.clock import Clock, business_date
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.errors import DeliberationValueInvalidError
from civicledger.domains.deliberation.item import AgendaItem
from civicledger.domains.deliberation.ports import ResidentLookup
from civicledger.domains.deliberation.rules import (
    MAX_OUTCOME_COUNT,
    MAX_PARTICIPANTS,
    MAX_POSITIONS,
    MAX_TASKS,
    near,
    parse_enum,
    within,
)
from civicledger.domains.deliberation.values import (
    RESIDENT_KINDS,
    DecisionOutcome,
    OutcomeCount,
    OutcomeKind,
    ParticipantKind,
    Stance,
    Task,
    VoteChoice,
)

ACTORS = (CASEWORKER, SUPERVISOR, INTEGRATOR)


class DeliberationService(CivicApplication):
    program = "deliberation"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    def get_item(self, item_id: UUID, expected_version: int | None = None) -> AgendaItem:
        return self._get(AgendaItem, item_id, expected_version=expected_version, label="agenda item")

    @staticmethod
    def _may_act(ctx: CommandContext, *districts: str) -> None:
        require_role(ctx.actor, *ACTORS)
        may_act_in(ctx.actor, *districts)

    def _item(self, cmd: object, ctx: CommandContext) -> AgendaItem:
        item = self.get_item(cmd.item_id, cmd.expected_version)  # type: ignore[attr-defined]
        self._may_act(ctx, item.district)
        return item

    def _saved(self, item: AgendaItem, ctx: CommandContext, cmd: object) -> Recorded:
        return self._save(item, ctx=ctx, command=cmd)

    # -- topic collection and preparation ------------------------------------------------------------------

    @handles
    def propose_agenda_item(self, cmd: c.ProposeAgendaItem, ctx: CommandContext) -> Recorded:
        district, street, community = text.address(cmd.district, cmd.street, cmd.community)
        self._may_act(ctx, district)
        item = AgendaItem(district=district, street=street, community=community, title=text.title(cmd.title),
                          description=text.free_text(cmd.description, "description"), proposed_on=business_date(),
                          proposed_by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def prepare_agenda_item(self, cmd: c.PrepareAgendaItem, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        today = business_date()
        item.prepare(text.free_text(cmd.plan, "plan"), near(cmd.meeting_on, today, "meetingOn"), on=today,
                     by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def add_deliberation_participant(self, cmd: c.AddDeliberationParticipant, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        kind = parse_enum(ParticipantKind, cmd.kind, "kind")
        name = text.optional_line(cmd.name, "name", max_length=text.ORGANISATION_NAME_MAX)
        if cmd.resident_id is not None:
            if name is not None:
                raise DeliberationValueInvalidError("name", "a resident's name comes from the registry: give the "
                                                    "resident id alone")
            resident = self.residents.get_resident(cmd.resident_id)
            may_act_in(ctx.actor, resident.district)
            if resident.erased or resident.date_of_death is not None:
                raise DeliberationValueInvalidError("residentId", "the resident's data was erased or their death "
                                                    "is recorded")
        elif kind in RESIDENT_KINDS:
            raise DeliberationValueInvalidError("residentId", "a resident takes part by their resident id")
        elif name is None:
            raise DeliberationValueInvalidError("name", "a participant who is not a resident is named")
        if len(item.participants) >= MAX_PARTICIPANTS:
            raise DeliberationValueInvalidError("participants", f"at most {MAX_PARTICIPANTS} per item")
        item.add_participant(kind, cmd.resident_id, name, by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    # -- consultation --------------------------------------------------------------------------------------

    @handles
    def open_deliberation_consultation(self, cmd: c.OpenDeliberationConsultation, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        item.open_consultation(on=business_date(), by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def state_deliberation_position(self, cmd: c.StateDeliberationPosition, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        stance = parse_enum(Stance, cmd.stance, "stance")
        statement = text.free_text(cmd.statement, "statement")
        if item.positions >= MAX_POSITIONS:
            raise DeliberationValueInvalidError("statement", f"at most {MAX_POSITIONS} positions per item")
        item.state_position(within(cmd.participant, "participant", 1, MAX_PARTICIPANTS), stance, statement,
                            by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def cast_deliberation_vote(self, cmd: c.CastDeliberationVote, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        choice = parse_enum(VoteChoice, cmd.choice, "choice")
        item.cast_vote(within(cmd.participant, "participant", 1, MAX_PARTICIPANTS), choice, by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    # -- decision, execution, supervision ------------------------------------------------------------------

    @handles
    def decide_agenda_item(self, cmd: c.DecideAgendaItem, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        item.decide(parse_enum(DecisionOutcome, cmd.outcome, "outcome"), text.free_text(cmd.basis, "basis"),
                    on=business_date(), by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def start_deliberation_execution(self, cmd: c.StartDeliberationExecution, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        if not 1 <= len(cmd.tasks) <= MAX_TASKS:
            raise DeliberationValueInvalidError("tasks", f"from 1 to {MAX_TASKS} tasks")
        today = business_date()
        tasks = tuple(Task(n, text.title(t.title, "tasks.title"),
                           text.line(t.assignee, "tasks.assignee", max_length=text.ORGANISATION_NAME_MAX),
                           near(t.due_on, today, "tasks.dueOn", not_before_today=True))
                      for n, t in enumerate(cmd.tasks, start=1))
        item.start_execution(tasks, on=today, by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def complete_deliberation_task(self, cmd: c.CompleteDeliberationTask, ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        item.complete_task(within(cmd.task, "task", 1, MAX_TASKS), text.free_text(cmd.note, "note"),
                           on=business_date(), by=ctx.actor.id)
        return self._saved(item, ctx, cmd)

    @handles
    def report_deliberation_supervision(self, cmd: c.ReportDeliberationSupervision,
                                        ctx: CommandContext) -> Recorded:
        item = self._item(cmd, ctx)
        if len(cmd.outcomes) > len(OutcomeKind):
            raise DeliberationValueInvalidError("outcomes", "one row per kind of outcome")
        outcomes = tuple(OutcomeCount(parse_enum(OutcomeKind, o.kind, "outcomes.kind"),
                                      within(o.count, "outcomes.count", 1, MAX_OUTCOME_COUNT)) for o in cmd.outcomes)
        if len({o.kind for o in outcomes}) != len(outcomes):
            raise DeliberationValueInvalidError("outcomes", "one row per kind of outcome")
        item.supervise(text.free_text(cmd.report, "report"), outcomes, on=business_date(), by=ctx.actor.id)
        return self._saved(item, ctx, cmd)
