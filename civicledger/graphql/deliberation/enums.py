"""Enums of community deliberation, each value described."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(name="DeliberationStage", description="The six stages, in the only order an item takes them, "
                 "each once.")
class StageEnum(Enum):
    TOPIC_COLLECTION = strawberry.enum_value("TOPIC_COLLECTION", description="议题收集: the topic is on the agenda.")
    PREPARATION = strawberry.enum_value("PREPARATION", description="酝酿: the plan is drafted, participants invited.")
    CONSULTATION = strawberry.enum_value("CONSULTATION", description="协商: participants state positions and vote.")
    DECISION = strawberry.enum_value("DECISION", description="决策: adopted (on to execution) or rejected (concluded).")
    EXECUTION = strawberry.enum_value("EXECUTION", description="执行: tasks carry the decision out.")
    SUPERVISION = strawberry.enum_value("SUPERVISION", description="监督: the report is made; the item is concluded.")


@strawberry.enum(name="DeliberationParticipantKind", description="Who takes part.")
class ParticipantKindEnum(Enum):
    COMMITTEE_MEMBER = strawberry.enum_value("COMMITTEE_MEMBER", description="A member of the community's (village's) "
                                             "committees (两委干部).")
    REGISTERED_RESIDENT = strawberry.enum_value("REGISTERED_RESIDENT", description="A registered (户籍) resident; "
                                                "takes part by resident id.")
    NON_REGISTERED_RESIDENT = strawberry.enum_value("NON_REGISTERED_RESIDENT", description="A non-registered (非户籍) "
                                                    "resident; takes part by resident id.")
    PROPERTY_MANAGER = strawberry.enum_value("PROPERTY_MANAGER", description="The property management company's "
                                             "representative (物业).")
    OWNERS_COMMITTEE = strawberry.enum_value("OWNERS_COMMITTEE", description="A member of the owners' committee "
                                             "(业委会).")
    LAWYER = strawberry.enum_value("LAWYER", description="The community's (village's) lawyer (驻村律师).")
    SOCIAL_WORKER = strawberry.enum_value("SOCIAL_WORKER", description="A professional social worker (社工).")


@strawberry.enum(name="DeliberationStance", description="A position stated in consultation.")
class StanceEnum(Enum):
    SUPPORT = strawberry.enum_value("SUPPORT", description="For the proposal.")
    OPPOSE = strawberry.enum_value("OPPOSE", description="Against it.")
    CONDITIONAL = strawberry.enum_value("CONDITIONAL", description="For it on the conditions the statement names.")


@strawberry.enum(name="DeliberationVoteChoice", description="A participant's one vote.")
class VoteChoiceEnum(Enum):
    FOR = strawberry.enum_value("FOR", description="For the proposal.")
    AGAINST = strawberry.enum_value("AGAINST", description="Against it.")
    ABSTAIN = strawberry.enum_value("ABSTAIN", description="Abstains.")


@strawberry.enum(name="DeliberationDecisionOutcome", description="What the decision stage decided.")
class DecisionOutcomeEnum(Enum):
    ADOPTED = strawberry.enum_value("ADOPTED", description="Adopted: only when more votes are for than against.")
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected: the item concludes here.")


@strawberry.enum(name="DeliberationOutcomeKind", description="What a supervised item achieved, as the bureau's "
                 "account counts it.")
class OutcomeKindEnum(Enum):
    DISPUTES_RESOLVED = strawberry.enum_value("DISPUTES_RESOLVED", description="Disputes resolved (化解矛盾).")
    SERVICES_DELIVERED = strawberry.enum_value("SERVICES_DELIVERED", description="Services delivered to elders, "
                                               "youth, newcomers (为老、外来人员等服务).")
    LIFTS_INSTALLED = strawberry.enum_value("LIFTS_INSTALLED", description="Lifts installed in old buildings "
                                            "(旧楼加装电梯).")
    PUBLIC_AFFAIRS_SETTLED = strawberry.enum_value("PUBLIC_AFFAIRS_SETTLED", description="Public-interest matters "
                                                   "and public affairs settled (公益事项、公共事务).")
