"""Small values of community deliberation: the six stages, who takes part, how they vote, what was decided and
what it achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from uuid import UUID


class Stage(str, Enum):
    """The six stages (议题收集、酝酿、协商、决策、执行、监督), in the only order an item may take them."""

    TOPIC_COLLECTION = "TOPIC_COLLECTION"
    PREPARATION = "PREPARATION"
    CONSULTATION = "CONSULTATION"
    DECISION = "DECISION"
    EXECUTION = "EXECUTION"
    SUPERVISION = "SUPERVISION"

    @property
    def index(self) -> int:
        return STAGES.index(self)


STAGES = tuple(Stage)


class ParticipantKind(str, Enum):
    COMMITTEE_MEMBER = "COMMITTEE_MEMBER"  # 社区"两委"/村"两委"干部
    REGISTERED_RESIDENT = "REGISTERED_RESIDENT"  # 户籍居民(村民代表)
    NON_REGISTERED_RESIDENT = "NON_REGISTERED_RESIDENT"  # 非户籍居民
    PROPERTY_MANAGER = "PROPERTY_MANAGER"  # 物业公司代表
    OWNERS_COMMITTEE = "OWNERS_COMMITTEE"  # 业委会成员
    LAWYER = "LAWYER"  # 驻村(社区)律师
    SOCIAL_WORKER = "SOCIAL_WORKER"  # 专业社工


RESIDENT_KINDS = (ParticipantKind.REGISTERED_RESIDENT, ParticipantKind.NON_REGISTERED_RESIDENT)


class Stance(str, Enum):
    SUPPORT = "SUPPORT"
    OPPOSE = "OPPOSE"
    CONDITIONAL = "CONDITIONAL"  # supports on conditions the statement names


class VoteChoice(str, Enum):
    FOR = "FOR"
    AGAINST = "AGAINST"
    ABSTAIN = "ABSTAIN"


class DecisionOutcome(str, Enum):
    ADOPTED = "ADOPTED"  # goes on to execution and supervision
    REJECTED = "REJECTED"  # the item concludes at its decision


class OutcomeKind(str, Enum):
    """What a supervised item achieved, counted as the bureau's account counts it."""

    DISPUTES_RESOLVED = "DISPUTES_RESOLVED"  # 化解矛盾
    SERVICES_DELIVERED = "SERVICES_DELIVERED"  # 为老、青少年、外来人员等服务
    LIFTS_INSTALLED = "LIFTS_INSTALLED"  # 旧楼加装电梯
    PUBLIC_AFFAIRS_SETTLED = "PUBLIC_AFFAIRS_SETTLED"  # 公益事项、公共事务


@dataclass(frozen=True)
class Participant:
    number: int
    kind: ParticipantKind
    resident_id: UUID | None  # for residents (required) and anyone else who is a registered resident
    name: str | None  # a name as the minutes give it, only for those who are not linked to a resident


@dataclass(frozen=True)
class Task:
    number: int
    title: str
    assignee: str
    due_on: date


@dataclass(frozen=True)
class OutcomeCount:
    kind: OutcomeKind
    count: int
