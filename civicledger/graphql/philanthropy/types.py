"""GraphQL types of venture philanthropy (公益创投): funding rounds and proposals (Relay nodes), their parts, and
the report. Money is shown in yuan (two places); the write side counts integer fen."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.core.guangzhou import district_name
from civicledger.domains.philanthropy.values import (
    Category,
    EvaluationStage,
    ProposalStatus,
    Rating,
    RoundStatus,
)
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import list_connection, page_limit
from civicledger.projections.philanthropy_proposals import proposals_by_ids
from civicledger.projections.philanthropy_rounds import rounds_by_ids

if TYPE_CHECKING:
    from civicledger.graphql.philanthropy.lists import (
        ConflictConnection,
        HistoryConnection,
        ProposalConnection,
        ReviewConnection,
        ReviewerConnection,
    )

LISTS = "civicledger.graphql.philanthropy.lists"

CategoryEnum = strawberry.enum(Category, name="PhilanthropyCategory", description="What a project serves: ELDERLY "
                               "为老, DISABLED 助残, ASSISTANCE 救助, YOUTH 青少年帮扶, "
                               "MIGRANT_WORKERS 异地务工人员及其子女关爱, OTHER 其他公益.")
RoundStatusEnum = strawberry.enum(RoundStatus, name="FundingRoundStatus", description="OPEN: the call accepts "
                                  "proposals; REVIEWING: eligibility and expert review; RANKED: awards and "
                                  "rejections; FINALISED: every proposal decided.")
ProposalStatusEnum = strawberry.enum(ProposalStatus, name="ProposalStatus", description="A proposal's stage, in "
                                     "order: SUBMITTED, ELIGIBLE or INELIGIBLE, RANKED, AWARDED or REJECTED, "
                                     "IN_PROGRESS, CLOSED.")
StageEnum = strawberry.enum(EvaluationStage, name="EvaluationStage", description="Mid-term, then final.")
RatingEnum = strawberry.enum(Rating, name="EvaluationRating", description="EXCELLENT, GOOD, PASS or FAIL.")
describe_enum_values("PhilanthropyCategory", {
    "ELDERLY": "为老: services for older people.",
    "DISABLED": "助残: services for people with disabilities.",
    "ASSISTANCE": "救助: help for residents in hardship.",
    "YOUTH": "青少年帮扶: support for children and young people.",
    "MIGRANT_WORKERS": "异地务工人员及其子女关爱: care for migrant workers and their children.",
    "OTHER": "其他公益: other public-benefit work.",
})
describe_enum_values("FundingRoundStatus", {
    "OPEN": "The call accepts proposals and reviewers may be appointed.",
    "REVIEWING": "The call has closed: eligibility checks and expert review.",
    "RANKED": "The ranking is published: awards and rejections are decided.",
    "FINALISED": "Every proposal is decided: no more awards.",
})
describe_enum_values("ProposalStatus", {
    "SUBMITTED": "Entered into an open call, not yet checked.",
    "ELIGIBLE": "Passed the eligibility check: goes to expert review.",
    "INELIGIBLE": "Failed the eligibility check (see `eligibilityFindings`); final.",
    "RANKED": "Scored and placed in the round's ranking, awaiting the award decision.",
    "AWARDED": "Granted public money (at most 60% of the approved budget).",
    "REJECTED": "Not funded; final.",
    "IN_PROGRESS": "Under way: a milestone reached or a tranche paid.",
    "CLOSED": "Finished after its final evaluation; final.",
})
describe_enum_values("EvaluationStage", {
    "MID_TERM": "The mid-term evaluation (at most one per project).",
    "FINAL": "The final evaluation, after the mid-term one (at most one; required before closing).",
})
describe_enum_values("EvaluationRating", {
    "EXCELLENT": "优秀: excellent.",
    "GOOD": "良好: good.",
    "PASS": "合格: satisfactory.",
    "FAIL": "不合格: unsatisfactory.",
})

First = Annotated[int | None, strawberry.argument(description="Items per page: 1 to 100 (default 20).")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
CENT = Decimal("0.01")


def yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(CENT)


def score(x100: int | None) -> Decimal | None:
    return None if x100 is None else (Decimal(x100) / 100).quantize(CENT)


def json_list(raw: Any) -> list[Any]:
    return list(json.loads(raw) if isinstance(raw, (str, bytes)) else raw or [])


def percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part * 100) / whole).quantize(CENT)


@strawberry.type(name="FundingCriterion", description="A scoring criterion of a round's call and its weight.")
class CriterionType:
    code: str = strawberry.field(description="Stable code, e.g. NEED.")
    weight: int = strawberry.field(description="Weight in percent; a round's weights add up to 100.")


@strawberry.type(name="FundingReviewer", description="An expert on a round's review panel.")
class ReviewerType:
    reviewer_id: str = strawberry.field(description="The expert's code.")
    expertise: str = strawberry.field(description="The expert's field.")


@strawberry.type(name="FundingRound", description="A funding round (call) of venture philanthropy: its categories, "
                 "criteria, panel, budget and how much of it the awards use.")
class FundingRoundType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The round's stream id.")
    def round_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The call's title (at most 200 characters).")
    def title(self) -> str:
        return self.row["title"]  # type: ignore[no-any-return]

    @strawberry.field(description="The year of the round.")
    def year(self) -> int:
        return self.row["year"]  # type: ignore[no-any-return]

    @strawberry.field(description="The categories the call funds.")
    def categories(self) -> list[CategoryEnum]:  # type: ignore[valid-type]
        return [Category(k) for k in json_list(self.row["categories"])]

    @strawberry.field(description="The stage of the round.")
    def status(self) -> RoundStatusEnum:  # type: ignore[valid-type]
        return RoundStatus(self.row["status"])

    @strawberry.field(description="The day the call opens.")
    def opens_on(self) -> date:
        return self.row["opens_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="The call's closing date for proposals.")
    def closes_on(self) -> date:
        return self.row["closes_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Scoring criteria and weights.")
    def criteria(self) -> list[CriterionType]:
        return [CriterionType(code=k["code"], weight=k["weight"]) for k in json_list(self.row["criteria"])]

    @strawberry.field(description=page_limit() + "The review panel, in the order the experts were appointed.")
    def reviewers(self, first: First = 20,
                  after: After = None) -> Annotated[ReviewerConnection, strawberry.lazy(LISTS)]:
        from civicledger.graphql.philanthropy.lists import ReviewerConnection, ReviewerEdge

        return list_connection(ReviewerEdge, ReviewerConnection, json_list(self.row["reviewers"]), "fr", first, after,
                         lambda r: ReviewerType(reviewer_id=r["reviewerId"], expertise=r["expertise"]))

    @strawberry.field(description="The public money the round may award, in yuan.")
    def budget(self) -> Decimal:
        return yuan(self.row["budget_fen"])

    @strawberry.field(description="Public money awarded so far, in yuan.")
    def awarded(self) -> Decimal:
        return yuan(self.row["awarded_fen"])

    @strawberry.field(description="Budget not yet awarded, in yuan.")
    def remaining(self) -> Decimal:
        return yuan(self.row["budget_fen"] - self.row["awarded_fen"])

    @strawberry.field(description="Awarded as a percentage of the budget.")
    def budget_used_percent(self) -> Decimal | None:
        return percent(self.row["awarded_fen"], self.row["budget_fen"])

    @strawberry.field(description="Projects awarded a grant.")
    def awards(self) -> int:
        return self.row["awards"]  # type: ignore[no-any-return]

    @strawberry.field(description="Proposals submitted to the call.")
    def proposal_count(self) -> int:
        return self.row["proposals"]  # type: ignore[no-any-return]

    @strawberry.field(description="The round's proposals in ranking order (unranked ones after, as they came); "
                      "1 to 100 per page.")
    async def proposals(self, info: Info, status: Annotated[ProposalStatusEnum | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only proposals at this stage.")] = None, first: First = 20,
            after: After = None) -> Annotated[ProposalConnection, strawberry.lazy(LISTS)]:
        from civicledger.graphql.philanthropy.lists import proposal_page

        return await proposal_page(info, self.row["id"], status.value if status else None, first, after)

    @classmethod
    def from_row(cls, row: Any) -> FundingRoundType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("philanthropy_rounds", rounds_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="ProposalMilestone", description="A stage of a project's plan, and what came of it.")
class MilestoneType:
    index: int = strawberry.field(description="0 for the first milestone.")
    title: str = strawberry.field(description="What is delivered.")
    due_on: date = strawberry.field(description="By when.")
    grant: Decimal = strawberry.field(description="Public money planned for it, in yuan.")
    reached_on: date | None = strawberry.field(description="When it was reached (null: not yet).")
    report: str | None = strawberry.field(description="The organisation's report (at most 2,000 characters).")
    paid: Decimal = strawberry.field(description="Public money paid against it, in yuan.")


@strawberry.type(name="CriterionScore", description="One expert's score on one criterion.")
class CriterionScoreType:
    code: str = strawberry.field(description="The criterion.")
    score: int = strawberry.field(description="0 to 100.")


@strawberry.type(name="ProposalReview", description="One expert's review of a proposal.")
class ReviewType:
    reviewer_id: str = strawberry.field(description="The expert's code.")
    scores: list[CriterionScoreType] = strawberry.field(description="A score per criterion of the round.")
    weighted_score: Decimal = strawberry.field(description="The weighted score, 0 to 100.")
    excluded: bool = strawberry.field(description="True when the expert declared a conflict of interest: the "
                                      "score does not count.")
    reviewed_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(name="ProjectEvaluation", description="A mid-term or final evaluation of a funded project, from "
                 "the two sides the bureau checks: project management and financial management.")
class EvaluationType:
    stage: StageEnum = strawberry.field(description="Mid-term or final.")  # type: ignore[valid-type]
    project_management: RatingEnum = strawberry.field(description="Project management findings' rating.")  # type: ignore[valid-type]
    financial_management: RatingEnum = strawberry.field(description="Financial management findings' rating.")  # type: ignore[valid-type]
    findings: str = strawberry.field(description="The evaluators' findings (at most 2,000 characters).")
    evaluated_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(name="Proposal", description="A social organisation's proposal to a funding round and, once "
                 "awarded, its project. Public money is at most 60% of the budget; the rest is self-raised.")
class ProposalType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The proposal's stream id.")
    def proposal_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The organisation (at most 120 characters).")
    def organisation(self) -> str:
        return self.row["organisation"]  # type: ignore[no-any-return]

    @strawberry.field(description="The project's title (at most 200 characters).")
    def title(self) -> str:
        return self.row["title"]  # type: ignore[no-any-return]

    @strawberry.field(description="What it serves.")
    def category(self) -> CategoryEnum:  # type: ignore[valid-type]
        return Category(self.row["category"])

    @strawberry.field(description="The district served, as a code (HAIZHU).")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="The district's Chinese name.")
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field(description="What the project does (at most 2,000 characters).")
    def summary(self) -> str:
        return self.row["summary"]  # type: ignore[no-any-return]

    @strawberry.field(description="The stage of the proposal.")
    def status(self) -> ProposalStatusEnum:  # type: ignore[valid-type]
        return ProposalStatus(self.row["status"])

    @strawberry.field(description="The budget proposed, in yuan.")
    def total_budget(self) -> Decimal:
        return yuan(self.row["total_budget_fen"])

    @strawberry.field(description="Public money asked, in yuan (at most 60% of the budget).")
    def requested_grant(self) -> Decimal:
        return yuan(self.row["requested_fen"])

    @strawberry.field(description="The budget approved with the award, in yuan (null until awarded).")
    def approved_budget(self) -> Decimal | None:
        fen = self.row["approved_budget_fen"]
        return None if fen is None else yuan(fen)

    @strawberry.field(description="Public money awarded, in yuan (0 unless awarded).")
    def grant(self) -> Decimal:
        return yuan(self.row["grant_fen"])

    @strawberry.field(description="The self-raised share, in yuan: of the approved budget once awarded, of the "
                      "proposed one before.")
    def self_raised(self) -> Decimal:
        if self.row["approved_budget_fen"] is not None:
            return yuan(self.row["approved_budget_fen"] - self.row["grant_fen"])
        return yuan(self.row["total_budget_fen"] - self.row["requested_fen"])

    @strawberry.field(description="Public money paid so far, in yuan.")
    def disbursed(self) -> Decimal:
        return yuan(self.row["disbursed_fen"])

    @strawberry.field(description="People the project means to serve.")
    def beneficiaries(self) -> int:
        return self.row["beneficiaries"]  # type: ignore[no-any-return]

    @strawberry.field(description="Residents enrolled so far as beneficiaries (at most `beneficiaries`).")
    def enrolled_beneficiaries(self) -> int:
        return self.row["enrolled"]  # type: ignore[no-any-return]

    @strawberry.field(description="The eligibility check's findings (null until checked).")
    def eligibility_findings(self) -> str | None:
        return self.row["eligibility_findings"]  # type: ignore[no-any-return]

    @strawberry.field(description="The mean weighted score of the reviewers without a conflict (null until "
                      "ranked), 0 to 100.")
    def score(self) -> Decimal | None:
        return score(self.row["score_x100"])

    @strawberry.field(description="Its place in the round's ranking (1 = best; null until ranked).")
    def rank(self) -> int | None:
        return self.row["rank"]  # type: ignore[no-any-return]

    @strawberry.field(description=page_limit() + "The codes of the experts who declared a conflict of interest "
                      "with it, in the order they declared it.")
    def conflicts(self, first: First = 20,
                  after: After = None) -> Annotated[ConflictConnection, strawberry.lazy(LISTS)]:
        from civicledger.graphql.philanthropy.lists import ConflictConnection, ConflictEdge

        return list_connection(ConflictEdge, ConflictConnection, json_list(self.row["conflicts"]), "pc", first, after,
                               str)

    @strawberry.field(description=page_limit() + "Each expert's review, in the order they were recorded (one per "
                      "expert of the panel).")
    def reviews(self, first: First = 20,
                after: After = None) -> Annotated[ReviewConnection, strawberry.lazy(LISTS)]:
        from civicledger.graphql.philanthropy.lists import ReviewConnection, ReviewEdge

        conflicts = set(json_list(self.row["conflicts"]))
        return list_connection(ReviewEdge, ReviewConnection, json_list(self.row["reviews"]), "pr", first, after,
                         lambda r: ReviewType(
                             reviewer_id=r["reviewerId"], weighted_score=score(r["weightedX100"]) or Decimal(0),
                             scores=[CriterionScoreType(code=s["code"], score=s["score"]) for s in r["scores"]],
                             excluded=r["reviewerId"] in conflicts,
                             reviewed_at=datetime.fromisoformat(r["reviewedAt"])))

    @strawberry.field(description="The plan's milestones (at most 12).")
    def milestones(self) -> list[MilestoneType]:
        return [MilestoneType(index=i, title=m["title"], due_on=date.fromisoformat(m["dueOn"]),
                              grant=yuan(m["grantFen"]), report=m["report"], paid=yuan(m["paidFen"]),
                              reached_on=date.fromisoformat(m["reachedOn"]) if m["reachedOn"] else None)
                for i, m in enumerate(json_list(self.row["milestones"]))]

    @strawberry.field(description="Mid-term and final evaluations.")
    def evaluations(self) -> list[EvaluationType]:
        return [EvaluationType(stage=EvaluationStage(e["stage"]), project_management=Rating(e["projectManagement"]),
                               financial_management=Rating(e["financialManagement"]), findings=e["findings"],
                               evaluated_at=datetime.fromisoformat(e["evaluatedAt"]))
                for e in json_list(self.row["evaluations"])]

    @strawberry.field(description="The stream's version (pass as expectedVersion).")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was submitted.")
    def submitted_at(self) -> datetime:
        return self.row["submitted_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The round it was submitted to.")
    async def funding_round(self, info: Info) -> FundingRoundType | None:
        row = await info.context.loader("philanthropy_rounds", rounds_by_ids).load(self.row["round_id"])
        return FundingRoundType.from_row(row) if row else None

    @strawberry.field(description="What happened to it, oldest first: who, when, why; 1 to 100 per page.")
    async def history(self, info: Info, first: First = 20,
                      after: After = None) -> Annotated[HistoryConnection, strawberry.lazy(LISTS)]:
        from civicledger.graphql.philanthropy.lists import history_page

        return await history_page(info, self.row["id"], first, after)

    @classmethod
    def from_row(cls, row: Any) -> ProposalType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("philanthropy_proposals", proposals_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]
