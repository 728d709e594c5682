"""Venture philanthropy through its service: a round from the call to a project's closing evaluation, the 60/40
rule, conflicts of interest, ranking, the round's budget (also under two awards decided at once), steps out of
order, bad input and who may act — every refusal typed, and nothing written."""

from __future__ import annotations

import threading
from datetime import date
from uuid import UUID

import pytest

from civicledger.core.errors import CivicError, ConflictError, ForbiddenError, InvalidInputError
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy.errors import (
    DisbursementExceedsGrantError,
    MilestoneNotReachedError,
    ReviewerConflictError,
    ReviewerNotOnPanelError,
    RoundBudgetExceededError,
    SelfRaisedShareTooLowError,
    StepOutOfOrderError,
)
from civicledger.domains.philanthropy.services import PhilanthropyService
from civicledger.domains.philanthropy.values import ProposalStatus, RoundStatus
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import new_id_number
from tests.philanthropy.conftest import (
    ADMIN_WANG,
    CASEWORKER_LI,
    CHARITY_PLATFORM,
    INSPECTOR_ZHOU,
    SUPERVISOR_CHEN,
    SUPERVISOR_HUANG,
    Round,
    ctx,
    log_end,
    ranked_pair,
    scores,
)


def test_a_round_runs_from_the_call_to_a_projects_closing_evaluation(service: PhilanthropyService,
                                                                     a_round: Round) -> None:
    elders = a_round.propose("海珠区启智社会工作服务中心", budget="100000", grant="60000")
    youth = a_round.propose("天河区青年地带服务中心", budget="80000", grant="40000", category="YOUTH",
                            district="TIANHE")
    a_round.close_call()
    a_round.eligible(elders, youth)
    service.declare_reviewer_conflict(c.DeclareReviewerConflict(youth, "EXPERT-MAI"),
                                      ctx(ADMIN_WANG, reason="曾担任该机构理事"))
    for expert in ("EXPERT-HE", "EXPERT-LUO", "EXPERT-MAI"):
        a_round.review(elders, expert, 80, 70, 60)  # 80×40% + 70×35% + 60×25% = 71.50
    a_round.review(youth, "EXPERT-HE", 90, 90, 90)
    a_round.review(youth, "EXPERT-LUO", 70, 70, 70)  # mean 80.00: EXPERT-MAI declared a conflict
    a_round.rank()
    a_round.award(elders, budget="100000", grant="60000")
    service.reject_proposal(c.RejectProposal(youth), ctx(ADMIN_WANG, reason="与既有项目重复"))
    service.finalise_funding_round(c.FinaliseFundingRound(a_round.id), ctx(ADMIN_WANG))
    for index, paid in ((0, "30000"), (1, "30000")):
        service.record_milestone(c.RecordMilestone(elders, index, date(2026, 6, 30), "完成阶段目标"),
                                 ctx(SUPERVISOR_CHEN))
        service.disburse_grant(c.DisburseGrant(elders, index, paid), ctx(ADMIN_WANG))
        stage = "MID_TERM" if index == 0 else "FINAL"
        service.evaluate_project(c.EvaluateProject(elders, stage, "GOOD", "EXCELLENT", "台账规范,资金使用合规"),
                                 ctx(SUPERVISOR_CHEN))
    service.close_project(c.CloseProject(elders), ctx(ADMIN_WANG))

    project, rejected, funding_round = (service.get_proposal(elders), service.get_proposal(youth),
                                        service.get_round(a_round.id))
    assert (rejected.rank, rejected.score_x100, rejected.status) == (1, 8000, ProposalStatus.REJECTED)
    assert (project.rank, project.score_x100, project.status) == (2, 7150, ProposalStatus.CLOSED)
    assert (project.grant_fen, project.self_raised_fen, project.disbursed_fen) == (6_000_000, 4_000_000, 6_000_000)
    assert funding_round.status is RoundStatus.FINALISED
    assert (funding_round.awarded_fen, funding_round.remaining_fen) == (6_000_000, 94_000_000)
    assert funding_round.ranking == (youth, elders)


def test_a_score_given_before_a_declared_conflict_no_longer_counts(service: PhilanthropyService,
                                                                   a_round: Round) -> None:
    p = a_round.propose()
    a_round.close_call()
    a_round.eligible(p)
    a_round.review(p, "EXPERT-HE", 60, 60, 60)
    a_round.review(p, "EXPERT-MAI", 100, 100, 100)

    service.declare_reviewer_conflict(c.DeclareReviewerConflict(p, "EXPERT-MAI"), ctx(ADMIN_WANG, reason="亲属任职"))
    a_round.rank()

    assert service.get_proposal(p).score_x100 == 6000


def test_a_reviewer_who_declared_a_conflict_cannot_score_and_nothing_is_written(
        service: PhilanthropyService, a_round: Round, philanthropy_ledger: Ledger) -> None:
    p = a_round.propose()
    a_round.close_call()
    a_round.eligible(p)
    service.declare_reviewer_conflict(c.DeclareReviewerConflict(p, "EXPERT-HE"), ctx(ADMIN_WANG, reason="同一机构"))
    end = log_end(philanthropy_ledger)

    with pytest.raises(ReviewerConflictError):
        a_round.review(p, "EXPERT-HE", 90, 90, 90)
    with pytest.raises(ReviewerNotOnPanelError):
        a_round.review(p, "EXPERT-NOBODY", 90, 90, 90)

    assert log_end(philanthropy_ledger) == end


def test_a_proposal_asking_more_than_60_percent_public_money_is_refused(
        a_round: Round, philanthropy_ledger: Ledger) -> None:
    end = log_end(philanthropy_ledger)

    with pytest.raises(SelfRaisedShareTooLowError) as refused:
        a_round.propose(budget="100000", grant="60000.01")

    assert refused.value.code == "INVALID_INPUT" and refused.value.details["maximumPublicShare"] == "60000.00"
    assert log_end(philanthropy_ledger) == end


def test_an_award_above_60_percent_of_the_approved_budget_is_refused(service: PhilanthropyService,
                                                                     a_round: Round) -> None:
    p = a_round.propose(budget="100000", grant="60000")
    a_round.close_call()
    a_round.eligible(p)
    a_round.review(p, "EXPERT-HE", 80, 80, 80)
    a_round.rank()

    with pytest.raises(SelfRaisedShareTooLowError):
        a_round.award(p, budget="90000", grant="60000")  # the approved budget was cut: 60,000 is 66.7% of it

    a_round.award(p, budget="90000", grant="54000")
    assert service.get_proposal(p).self_raised_fen == 3_600_000


def test_awards_never_exceed_the_rounds_budget(service: PhilanthropyService) -> None:
    small, first, second = ranked_pair(service, budget="100000")
    small.award(first)

    with pytest.raises(RoundBudgetExceededError) as refused:
        small.award(second)

    assert refused.value.details["remaining"] == "40000.00"
    assert service.get_proposal(second).status is ProposalStatus.RANKED


def _award_at_once(service: PhilanthropyService, *proposals: UUID) -> list[object]:
    barrier = threading.Barrier(len(proposals))
    outcomes: list[object] = []

    def award(proposal: UUID) -> None:
        barrier.wait()
        try:
            outcomes.append(service.award_grant(c.AwardGrant(proposal, "100000", "60000"), ctx(ADMIN_WANG)))
        except CivicError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=award, args=(p,)) for p in proposals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_awards_decided_at_once_that_together_exceed_the_budget_land_exactly_once(
        service: PhilanthropyService) -> None:
    small, first, second = ranked_pair(service, budget="100000")

    outcomes = _award_at_once(service, first, second)

    refused = [o for o in outcomes if isinstance(o, CivicError)]
    assert len(outcomes) == 2 and len(refused) == 1 and isinstance(refused[0], RoundBudgetExceededError)
    statuses = sorted(service.get_proposal(p).status.value for p in (first, second))
    assert statuses == ["AWARDED", "RANKED"]
    assert service.get_round(small.id).awarded_fen == 6_000_000


def test_two_awards_decided_at_once_that_fit_the_budget_both_land(service: PhilanthropyService) -> None:
    small, first, second = ranked_pair(service, budget="120000")

    outcomes = _award_at_once(service, first, second)

    assert not [o for o in outcomes if isinstance(o, CivicError)], outcomes
    assert service.get_round(small.id).awarded_fen == 12_000_000


def test_steps_out_of_order_are_refused(service: PhilanthropyService, a_round: Round,
                                        philanthropy_ledger: Ledger) -> None:
    p = a_round.propose()
    with pytest.raises(StepOutOfOrderError):
        a_round.eligible(p)  # the call is still open
    a_round.close_call()
    with pytest.raises(StepOutOfOrderError):
        a_round.propose()  # the call has closed
    with pytest.raises(StepOutOfOrderError):
        a_round.review(p, "EXPERT-HE", 80, 80, 80)  # eligibility not checked
    a_round.eligible(p)
    with pytest.raises(StepOutOfOrderError):
        a_round.award(p)  # not ranked
    a_round.review(p, "EXPERT-HE", 80, 80, 80)
    a_round.rank()
    a_round.award(p)
    with pytest.raises(MilestoneNotReachedError):
        service.disburse_grant(c.DisburseGrant(p, 0, "1000"), ctx(ADMIN_WANG))
    with pytest.raises(StepOutOfOrderError):
        service.evaluate_project(c.EvaluateProject(p, "FINAL", "GOOD", "GOOD", "未做中期评估"), ctx(ADMIN_WANG))
    with pytest.raises(StepOutOfOrderError):
        service.close_project(c.CloseProject(p), ctx(ADMIN_WANG))
    service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"), ctx(CHARITY_PLATFORM))
    end = log_end(philanthropy_ledger)

    with pytest.raises(DisbursementExceedsGrantError):
        service.disburse_grant(c.DisburseGrant(p, 0, "60000.01"), ctx(ADMIN_WANG))

    assert log_end(philanthropy_ledger) == end


@pytest.mark.parametrize(("field", "value"), [
    ("organisation", "启智\x00社工"), ("organisation", "社" * 121), ("budget", "١٠٠٠٠٠"), ("budget", "1e5"),
    ("budget", "-100000"), ("budget", "NaN"), ("grant", "0"), ("district", "ATLANTIS"), ("category", "DISABLED"),
    ("category", "elderly"),
])
def test_bad_input_is_invalid_input_and_writes_nothing(a_round: Round, philanthropy_ledger: Ledger, field: str,
                                                       value: str) -> None:
    values = {"organisation": "海珠区启智社会工作服务中心", "budget": "100000", "grant": "60000",
              "district": "HAIZHU", "category": "ELDERLY"}
    values[field] = value
    end = log_end(philanthropy_ledger)

    with pytest.raises(InvalidInputError):
        a_round.service.submit_proposal(c.SubmitProposal(
            a_round.id, values["organisation"], "长者互助小组", values["category"], values["district"], "探访",
            values["budget"], values["grant"], 10, (c.PlannedMilestone("全部", date(2026, 12, 31), values["grant"]),)),
            ctx(CHARITY_PLATFORM))

    assert log_end(philanthropy_ledger) == end


def test_a_rounds_criteria_weights_must_add_up_to_100(service: PhilanthropyService) -> None:
    with pytest.raises(InvalidInputError):
        service.open_funding_round(c.OpenFundingRound("2026年公益创投", 2026, ("ELDERLY",), "1000000",
                                                      date(2026, 3, 1), date(2026, 4, 30),
                                                      (c.CriterionWeight("NEED", 50), c.CriterionWeight("DESIGN", 40))),
                                   ctx(ADMIN_WANG))


def test_who_may_act(service: PhilanthropyService, a_round: Round) -> None:
    with pytest.raises(ForbiddenError):
        service.close_funding_call(c.CloseFundingCall(a_round.id), ctx(SUPERVISOR_CHEN))
    for actor in (CASEWORKER_LI, INSPECTOR_ZHOU):
        with pytest.raises(ForbiddenError):
            a_round.propose(by=actor)
    p = a_round.propose(district="HAIZHU")
    a_round.close_call()
    for actor in (CHARITY_PLATFORM, SUPERVISOR_CHEN, CASEWORKER_LI, INSPECTOR_ZHOU):
        with pytest.raises(ForbiddenError):
            service.check_eligibility(c.CheckEligibility(p, True, "齐全"), ctx(actor))
    a_round.eligible(p)
    a_round.review(p, "EXPERT-HE", 80, 80, 80)
    a_round.rank()
    with pytest.raises(ForbiddenError):
        service.award_grant(c.AwardGrant(p, "100000", "60000"), ctx(SUPERVISOR_CHEN))
    a_round.award(p)
    with pytest.raises(ForbiddenError):
        service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"), ctx(SUPERVISOR_HUANG))
    with pytest.raises(ForbiddenError):
        service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"), ctx(CASEWORKER_LI))

    service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"), ctx(SUPERVISOR_CHEN))

    assert service.get_proposal(p).status is ProposalStatus.IN_PROGRESS


def test_scores_must_cover_each_criterion_once_from_0_to_100(a_round: Round) -> None:
    p = a_round.propose()
    a_round.close_call()
    a_round.eligible(p)

    for bad in (scores(101, 80, 80), scores(80, 80, 80)[:2], (*scores(80, 80, 80), c.ScoreLine("EXTRA", 1))):
        with pytest.raises(InvalidInputError):
            a_round.service.record_review(c.RecordReview(p, "EXPERT-HE", bad), ctx(ADMIN_WANG))


def test_a_stale_expected_version_is_a_conflict_and_a_repeated_key_writes_nothing(
        service: PhilanthropyService, a_round: Round, philanthropy_ledger: Ledger) -> None:
    p = a_round.propose()
    a_round.close_call()
    first = service.check_eligibility(c.CheckEligibility(p, True, "材料齐全"), ctx(ADMIN_WANG, key="elig-1" + str(p)))
    end = log_end(philanthropy_ledger)

    again = service.check_eligibility(c.CheckEligibility(p, True, "材料齐全"), ctx(ADMIN_WANG, key="elig-1" + str(p)))
    with pytest.raises(ConflictError):
        service.declare_reviewer_conflict(c.DeclareReviewerConflict(p, "EXPERT-HE", expected_version=1),
                                          ctx(ADMIN_WANG, reason="同一机构"))

    assert again.replayed and again.position == first.position
    assert log_end(philanthropy_ledger) == end


def test_a_resident_joins_a_funded_project_by_the_hand_of_someone_with_a_right_over_both_districts(
        service: PhilanthropyService, a_round: Round, registry: ResidentRegistry) -> None:
    haizhu = registry.register_resident(RegisterResident(name="王芳", id_number=new_id_number(), district="HAIZHU",
                                                         street="江海街", community="红卫社区"), ctx(ADMIN_WANG)).stream_id
    tianhe = registry.register_resident(RegisterResident(name="李明", id_number=new_id_number(), district="TIANHE",
                                                         street="石牌街", community="石牌社区"), ctx(ADMIN_WANG)).stream_id
    p = a_round.propose(district="HAIZHU")
    with pytest.raises(StepOutOfOrderError):
        service.enrol_beneficiary(c.EnrolBeneficiary(p, haizhu), ctx(CASEWORKER_LI))
    a_round.close_call()
    a_round.eligible(p)
    a_round.review(p, "EXPERT-HE", 80, 80, 80)
    a_round.rank()
    a_round.award(p)

    service.enrol_beneficiary(c.EnrolBeneficiary(p, haizhu), ctx(CASEWORKER_LI))
    with pytest.raises(ForbiddenError):
        service.enrol_beneficiary(c.EnrolBeneficiary(p, tianhe), ctx(CASEWORKER_LI))  # another district's resident
    with pytest.raises(ForbiddenError):
        service.enrol_beneficiary(c.EnrolBeneficiary(p, tianhe), ctx(SUPERVISOR_HUANG))  # another district's project
    with pytest.raises(ForbiddenError):
        service.enrol_beneficiary(c.EnrolBeneficiary(p, haizhu), ctx(INSPECTOR_ZHOU))
    service.enrol_beneficiary(c.EnrolBeneficiary(p, tianhe), ctx(CHARITY_PLATFORM))

    assert service.get_proposal(p).enrolled == {haizhu, tianhe}


def test_proposals_submitted_at_once_to_one_call_all_land(service: PhilanthropyService, a_round: Round) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def submit(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(a_round.propose(f"社工服务社{n}"))
        except CivicError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not [o for o in outcomes if isinstance(o, CivicError)], outcomes
    assert sorted(service.get_round(a_round.id).proposals) == sorted(outcomes)  # type: ignore[type-var]
