"""The part of the casework service that handles who holds a case and how it ends: the social worker assigned,
transfers between stations, closure with an outcome per goal (which releases the resident's claim on the
service)."""

from __future__ import annotations

from civicledger.core import text
from civicledger.core.access import may_act_in
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.eventstore.application import Recorded
from civicledger.core.metadata import CommandContext
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.rules import parse_enum
from civicledger.domains.casework.service_base import CaseworkServiceBase
from civicledger.domains.casework.values import ClosureReason, GoalOutcome, GoalResult


class CaseworkHolding(CaseworkServiceBase):
    @handles
    def assign_casework_social_worker(self, cmd: c.AssignCaseworkSocialWorker, ctx: CommandContext) -> Recorded:
        case = self._get(CaseworkCase, cmd.case_id, expected_version=cmd.expected_version, label="casework case")
        station = self.get_station(case.station_id)
        self._check_holder_or_supervisor(station, ctx)
        worker = text.line(cmd.social_worker_id, "socialWorkerId", max_length=text.IDENTIFIER_MAX)
        station.check_social_worker(worker)
        case.assign(worker, by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)

    @handles
    def transfer_casework_case(self, cmd: c.TransferCaseworkCase, ctx: CommandContext) -> Recorded:
        """Hand the case to another station (the resident moved, or another station runs what they need). The
        old station's social workers lose it — its session notes included — the moment it is transferred."""
        case = self._get(CaseworkCase, cmd.case_id, expected_version=cmd.expected_version, label="casework case")
        holder = self.get_station(case.station_id)
        self._check_holder_or_supervisor(holder, ctx)
        reason = ctx.require_reason()
        receiving = self._station(cmd.to_station_id, "toStationId")
        may_act_in(ctx.actor, holder.district, receiving.district)  # it links two stations: both districts
        receiving.check_runs(case.service)
        worker = None
        if cmd.social_worker_id is not None:
            worker = text.line(cmd.social_worker_id, "socialWorkerId", max_length=text.IDENTIFIER_MAX)
            receiving.check_social_worker(worker)
        case.transfer(receiving.id, receiving.district, worker, by=ctx.actor.id)
        return self._save_case(case, ctx.with_reason(reason), cmd)

    @handles
    def close_casework_case(self, cmd: c.CloseCaseworkCase, ctx: CommandContext) -> Recorded:
        case, _ = self._held_case(cmd, ctx)
        reason = parse_enum(ClosureReason, cmd.closure_reason, "closureReason")
        outcomes = tuple(GoalResult(o.goal, parse_enum(GoalOutcome, o.outcome, "goalOutcomes.outcome"))
                         for o in cmd.goal_outcomes)
        case.close(reason, outcomes, text.optional_free_text(cmd.note, "note"), on=business_date(), by=ctx.actor.id)
        return self._save_case(case, ctx, cmd)
