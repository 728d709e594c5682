"""Deliberation tests: the real service on the session's database (the app's projections follow the same log),
with its own injected clock, and per test a community of its own (a fresh name, so that statistics and lists are
the test's alone), Haizhu and Tianhe staff, and residents of both districts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.errors import CivicError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.deliberation.values import Stage
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY, new_id_number

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 3, 2)
NEXT_WEEK = TODAY + timedelta(days=7)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-COMMUNITY", district="HAIZHU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
CASEWORKER_ZHANG = Actor(id="cw-zhang", role="caseworker", office="TIANHE-SHIPAI-COMMUNITY", district="TIANHE")
INTEGRATOR = Actor(id="int-platform", role="integrator", office="DISTRICT-PLATFORM")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")
LIFT = "红卫社区3号楼加装电梯"
LIFT_NEED = "3号楼为七层步梯楼,住户多为长者,提出加装电梯。"


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


@pytest.fixture(scope="package")
def deliberation_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=2, max_overflow=2)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(deliberation_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(deliberation_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture
def service(deliberation_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> DeliberationService:
    return DeliberationService(deliberation_ledger, residents=registry, clock=clock)


def register_resident(registry: ResidentRegistry, name: str, district: str = "HAIZHU",
                      street: str = "江海街") -> uuid.UUID:
    return registry.register_resident(
        RegisterResident(name=name, id_number=new_id_number(), district=district, street=street,
                         community="红卫社区", phone="13800138000"),
        ctx(ADMIN_WANG)).stream_id


@dataclass
class World:
    community: str  # a Haizhu 江海街 community of this test's own
    wang_fang: uuid.UUID  # a Haizhu resident
    chen_jie: uuid.UUID  # another Haizhu resident
    li_ming: uuid.UUID  # a Tianhe resident


@pytest.fixture
def world(registry: ResidentRegistry) -> World:
    return World(community=f"红卫社区{uuid.uuid4().hex[:8]}", wang_fang=register_resident(registry, "王芳"),
                 chen_jie=register_resident(registry, "陈杰"),
                 li_ming=register_resident(registry, "李明", "TIANHE", "石牌街"))


def log_end(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()
    return int(row["n"])


def nothing_written(ledger: Ledger, act: Callable[[], Any], error: type[CivicError], code: str) -> CivicError:
    """`act` fails with `error` (its stable `code`) and the log has not grown."""
    before = log_end(ledger)
    with pytest.raises(error) as raised:
        act()
    assert raised.value.code == code
    assert log_end(ledger) == before
    return raised.value


def propose(service: DeliberationService, w: World, by: Actor = CASEWORKER_LI, title: str = LIFT) -> uuid.UUID:
    return service.propose_agenda_item(c.ProposeAgendaItem("HAIZHU", "江海街", w.community, title, LIFT_NEED),
                                       ctx(by)).stream_id


# The command that takes an item into each stage (after TOPIC_COLLECTION), with valid input.
STAGE_COMMANDS: dict[Stage, Callable[[uuid.UUID], object]] = {
    Stage.PREPARATION: lambda item: c.PrepareAgendaItem(item, "征集意见,形成出资分摊方案", NEXT_WEEK),
    Stage.CONSULTATION: lambda item: c.OpenDeliberationConsultation(item),
    Stage.DECISION: lambda item: c.DecideAgendaItem(item, "ADOPTED", "议事会表决过半数通过"),
    Stage.EXECUTION: lambda item: c.StartDeliberationExecution(item, (
        c.TaskGiven("报建并招标施工单位", "社区居委会", NEXT_WEEK),)),
    Stage.SUPERVISION: lambda item: c.ReportDeliberationSupervision(item, "居民监督小组回访,电梯已投入使用",
                                                                    (c.OutcomeGiven("LIFTS_INSTALLED", 1),)),
}


def send(service: DeliberationService, command: object, by: Actor = CASEWORKER_LI) -> Any:
    handler = {c.PrepareAgendaItem: service.prepare_agenda_item,
               c.OpenDeliberationConsultation: service.open_deliberation_consultation,
               c.DecideAgendaItem: service.decide_agenda_item,
               c.StartDeliberationExecution: service.start_deliberation_execution,
               c.ReportDeliberationSupervision: service.report_deliberation_supervision}[type(command)]
    return handler(command, ctx(by))  # type: ignore[operator]


def item_at(service: DeliberationService, w: World, stage: Stage, by: Actor = CASEWORKER_LI) -> uuid.UUID:
    """An item taken to `stage`, with two participants (王芳, a resident; and the community's lawyer) who both
    voted for it, and one execution task, done before supervision."""
    item = propose(service, w, by)
    for to in list(Stage)[1:stage.index + 1]:
        if to is Stage.CONSULTATION:
            service.add_deliberation_participant(c.AddDeliberationParticipant(item, "REGISTERED_RESIDENT",
                                                                              w.wang_fang), ctx(by))
            service.add_deliberation_participant(c.AddDeliberationParticipant(item, "LAWYER", name="社区法律顾问"),
                                                 ctx(by))
        if to is Stage.DECISION:
            for n in (1, 2):
                service.cast_deliberation_vote(c.CastDeliberationVote(item, n, "FOR"), ctx(by))
        if to is Stage.SUPERVISION:
            service.complete_deliberation_task(c.CompleteDeliberationTask(item, 1, "已完成"), ctx(by))
        send(service, STAGE_COMMANDS[to](item), by)
    return item
