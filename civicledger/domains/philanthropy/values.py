"""The values of venture philanthropy: categories of a call, stages of a round and a proposal, evaluation ratings,
and the criteria a round scores by. Money is integer fen throughout the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

# The 60/40 rule (“60%政府资助+40%组织自筹”): the public grant is at most 60% of a project's approved budget.
GOVERNMENT_SHARE_PERCENT = 60
SELF_RAISED_SHARE_PERCENT = 100 - GOVERNMENT_SHARE_PERCENT


class Category(Enum):
    """What a project serves — the fields the bureau's account names, and “other” public-benefit work."""

    ELDERLY = "ELDERLY"  # 为老
    DISABLED = "DISABLED"  # 助残
    ASSISTANCE = "ASSISTANCE"  # 救助
    YOUTH = "YOUTH"  # 青少年帮扶
    MIGRANT_WORKERS = "MIGRANT_WORKERS"  # 异地务工人员及其子女关爱
    OTHER = "OTHER"  # 其他公益


class RoundStatus(Enum):
    OPEN = "OPEN"  # the call accepts proposals
    REVIEWING = "REVIEWING"  # the call has closed: eligibility checks and expert review
    RANKED = "RANKED"  # the ranking is published: awards and rejections
    FINALISED = "FINALISED"  # every proposal decided: no more awards


class ProposalStatus(Enum):
    SUBMITTED = "SUBMITTED"
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"
    RANKED = "RANKED"
    AWARDED = "AWARDED"
    REJECTED = "REJECTED"
    IN_PROGRESS = "IN_PROGRESS"  # a milestone reached or a tranche paid
    CLOSED = "CLOSED"


class EvaluationStage(Enum):
    MID_TERM = "MID_TERM"
    FINAL = "FINAL"


class Rating(Enum):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    PASS = "PASS"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Criterion:
    """A scoring criterion of a round's call and its weight in percent (a round's weights add up to 100)."""

    code: str
    weight: int


@dataclass(frozen=True)
class Milestone:
    """A stage of a project's plan: what is delivered by when, and the public money paid once it is reached."""

    title: str
    due_on: date
    grant_fen: int


@dataclass(frozen=True)
class CriterionScore:
    code: str
    score: int  # 0..100


def fen_to_yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
