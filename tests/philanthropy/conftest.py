"""Venture-philanthropy tests: the real service on the session's database (the app's projections follow the same
log), with its own injected clock, and a fresh round per test — a 2026 call for elderly and youth projects with
three criteria and a panel of three experts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy.services import PhilanthropyService
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
SUPERVISOR_HUANG = Actor(id="sup-huang", role="supervisor", office="TIANHE-CIVIL-AFFAIRS", district="TIANHE")
CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CHARITY_PLATFORM = Actor(id="int-charity", role="integrator", office="GZ-CHARITY-PLATFORM")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")
CRITERIA = (c.CriterionWeight("NEED", 40), c.CriterionWeight("DESIGN", 35), c.CriterionWeight("CAPACITY", 25))
EXPERTS = ("EXPERT-HE", "EXPERT-LUO", "EXPERT-MAI")


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


@pytest.fixture(scope="package")
def philanthropy_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=4, max_overflow=4)
    yield ledger
    ledger.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture(scope="package")
def registry(philanthropy_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(philanthropy_ledger)


@pytest.fixture
def service(philanthropy_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> PhilanthropyService:
    return PhilanthropyService(philanthropy_ledger, residents=registry, clock=clock)


def scores(need: int, design: int, capacity: int) -> tuple[c.ScoreLine, ...]:
    return (c.ScoreLine("NEED", need), c.ScoreLine("DESIGN", design), c.ScoreLine("CAPACITY", capacity))


@dataclass
class Round:
    service: PhilanthropyService
    id: UUID

    def propose(self, organisation: str = "海珠区启智社会工作服务中心", *, budget: str = "100000",
                grant: str = "60000", category: str = "ELDERLY", district: str = "HAIZHU",
                by: Actor = CHARITY_PLATFORM) -> UUID:
        half = (Decimal(grant) / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN)  # to the fen, as entered
        return self.service.submit_proposal(c.SubmitProposal(
            self.id, organisation, "长者互助小组", category, district, "为独居长者开展每周互助小组和探访",
            budget, grant, 120, (c.PlannedMilestone("招募与需求评估", date(2026, 6, 30), str(half)),
                                 c.PlannedMilestone("小组活动与总结", date(2026, 12, 31), str(Decimal(grant) - half)))),
            ctx(by)).stream_id

    def eligible(self, *proposals: UUID) -> None:
        for p in proposals:
            self.service.check_eligibility(c.CheckEligibility(p, True, "材料齐全"), ctx(ADMIN_WANG))

    def review(self, proposal: UUID, expert: str, need: int, design: int, capacity: int) -> None:
        self.service.record_review(c.RecordReview(proposal, expert, scores(need, design, capacity)), ctx(ADMIN_WANG))

    def close_call(self) -> None:
        self.service.close_funding_call(c.CloseFundingCall(self.id), ctx(ADMIN_WANG))

    def rank(self) -> None:
        self.service.rank_funding_round(c.RankFundingRound(self.id), ctx(ADMIN_WANG))

    def award(self, proposal: UUID, budget: str = "100000", grant: str = "60000") -> None:
        self.service.award_grant(c.AwardGrant(proposal, budget, grant), ctx(ADMIN_WANG))


def open_round(service: PhilanthropyService, budget: str = "1000000") -> Round:
    recorded = service.open_funding_round(c.OpenFundingRound(
        f"2026年广州市社会组织公益创投活动 {uuid.uuid4().hex[:6]}", 2026, ("ELDERLY", "YOUTH", "MIGRANT_WORKERS"),
        budget, date(2026, 3, 1), date(2026, 4, 30), CRITERIA), ctx(ADMIN_WANG))
    for expert in EXPERTS:
        service.appoint_reviewer(c.AppointReviewer(recorded.stream_id, expert, "社会工作"), ctx(ADMIN_WANG))
    return Round(service, recorded.stream_id)


def ranked_pair(service: PhilanthropyService, budget: str) -> tuple[Round, UUID, UUID]:
    """A round of `budget` with two eligible proposals, reviewed (80 and 70) and ranked."""
    small = open_round(service, budget=budget)
    first, second = small.propose(), small.propose("越秀区阳光社工服务社")
    small.close_call()
    small.eligible(first, second)
    small.review(first, "EXPERT-HE", 80, 80, 80)
    small.review(second, "EXPERT-HE", 70, 70, 70)
    small.rank()
    return small, first, second


@pytest.fixture
def a_round(service: PhilanthropyService) -> Round:
    return open_round(service)


def log_end(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()
    return int(row["n"])
