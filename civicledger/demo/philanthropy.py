"""Venture philanthropy's demo: Guangzhou's five rounds of 公益创投 (2014–2018) replayed through the service, whose
totals are the bureau's account exactly — 696 projects funded with 100,440,000.00 yuan of public money, each at
most 60% of its approved budget (the rest self-raised).

How the 696 projects and the 100.44 million split over the five rounds is not in the account: the split below is
ours (ROUNDS), and so are the organisations, projects and scores. Each round also has proposals that were turned
down (ineligible, or ranked below the line); a few projects of each earlier round run to their closing evaluation
and some of 2018's are under way. Every command carries a deterministic idempotency key, so loading twice writes
nothing the second time."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.metadata import Actor, CommandContext
from civicledger.demo.world import DemoWorld
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy.services import PhilanthropyService

ADMIN = Actor(id="demo-philanthropy-office", role="admin", office="GZ-CIVIL-AFFAIRS-SOCIAL-ORGANISATIONS")
PLATFORM = Actor(id="demo-charity-platform", role="integrator", office="GZ-PHILANTHROPY-PLATFORM")
EXPERTS = ("EXPERT-01", "EXPERT-02", "EXPERT-03", "EXPERT-04", "EXPERT-05", "EXPERT-06")
CRITERIA = (c.CriterionWeight("NEED", 30), c.CriterionWeight("DESIGN", 30), c.CriterionWeight("CAPACITY", 20),
            c.CriterionWeight("BUDGET", 20))
CATEGORIES = ("ELDERLY", "DISABLED", "ASSISTANCE", "YOUTH", "MIGRANT_WORKERS")
DISTRICTS = ("YUEXIU", "HAIZHU", "LIWAN", "TIANHE", "BAIYUN", "HUANGPU", "PANYU", "HUADU", "NANSHA", "CONGHUA",
             "ZENGCHENG")


@dataclass(frozen=True)
class DemoRound:
    year: int
    funded: int  # projects funded
    public_yuan: int  # public money awarded, whole yuan
    turned_down: int  # proposals ineligible or ranked below the line


# The account's totals (696 projects, 100,440,000 yuan); the split by round is ours.
ROUNDS = (DemoRound(2014, 150, 18_000_000, 24), DemoRound(2015, 142, 19_500_000, 22),
          DemoRound(2016, 136, 20_500_000, 20), DemoRound(2017, 132, 21_000_000, 20),
          DemoRound(2018, 136, 21_440_000, 18))
ACCOUNT_PROJECTS = 696
ACCOUNT_PUBLIC_MONEY_YUAN = 100_440_000
# A small population (tests of other programs load a demo of a few dozen residents) gets five small rounds of the
# same shape, under keys of their own; the account's rounds need FULL_FROM residents (the CLI's default is 2,000).
SMALL_ROUNDS = tuple(DemoRound(r.year, 4, 400_000 + 10_000 * i, 2) for i, r in enumerate(ROUNDS))
FULL_FROM = 1000

_ORGS = ("启智", "阳光", "启创", "北斗星", "同心", "心明爱", "扶康", "金丝带", "新跨越", "乐群", "利民", "康园", "正阳",
         "穗星", "明镜", "逢源", "和众", "温暖", "平安", "善德")
_KINDS = ("社会工作服务中心", "社工服务社", "公益服务中心", "志愿者协会", "社区服务中心")
_TITLES = {
    "ELDERLY": ("独居长者互助小组", "长者防跌倒康复训练", "认知症长者家庭支持", "长者饭堂志愿送餐"),
    "DISABLED": ("心智障碍青年就业支持", "残障儿童康复陪伴", "社区无障碍改造倡导", "视障人士出行培训"),
    "ASSISTANCE": ("困难家庭微心愿", "流浪人员临时庇护与回归", "低保家庭子女学业辅导", "重病家庭医疗救助转介"),
    "YOUTH": ("青少年生涯规划", "留守儿童暑期课堂", "青少年网络安全教育", "社区青少年足球营"),
    "MIGRANT_WORKERS": ("来穗务工人员子女四点半课堂", "新市民融入社区", "务工人员职业安全培训", "随迁儿童亲子阅读"),
}


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="civicledger demo")


def grants(total_yuan: int, count: int, rng: random.Random) -> list[int]:
    """`count` grants in whole yuan, from about 60,000 to 250,000 each, adding up to `total_yuan` exactly."""
    weights = [rng.randint(60, 250) for _ in range(count)]
    whole = sum(weights)
    shares = [total_yuan * w // whole for w in weights]
    for i in range(total_yuan - sum(shares)):
        shares[i % count] += 1
    return shares


def load_philanthropy(world: DemoWorld) -> int:
    """The five rounds of the account (see the module docstring), or five small ones for a small population;
    returns the number of projects funded."""
    residents = sum(len(h.people) for h in world.households)
    return load_philanthropy_for(world, ROUNDS if residents >= FULL_FROM else SMALL_ROUNDS)


def load_philanthropy_for(world: DemoWorld, rounds: tuple[DemoRound, ...] = ROUNDS) -> int:
    service = world.services.philanthropy
    prefix = "demo-philanthropy" if rounds == ROUNDS else "demo-philanthropy-small"
    with ThreadPoolExecutor(max_workers=max(1, min(world.threads, len(rounds)))) as pool:
        return sum(pool.map(lambda r: _Round(service, r, prefix).load(), rounds))


class _Round:
    def __init__(self, shared: PhilanthropyService, plan: DemoRound, prefix: str) -> None:
        self.plan = plan
        self.prefix = prefix
        self.rng = random.Random(plan.year)
        self.clock = FixedClock(datetime(plan.year, 3, 1, 9, 0, tzinfo=SHANGHAI))
        self.service = PhilanthropyService(shared.ledger, residents=shared.residents, clock=self.clock)

    def _on(self, day: date) -> None:
        self.clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))

    def load(self) -> int:
        plan, s, rng, y, p = self.plan, self.service, self.rng, self.plan.year, self.prefix
        round_id = s.open_funding_round(c.OpenFundingRound(
            f"{y}年广州市社会组织公益创投活动", y, CATEGORIES, f"{plan.public_yuan}", date(y, 3, 1), date(y, 4, 15),
            CRITERIA), _ctx(ADMIN, f"{p}:{y}:open")).stream_id
        for expert in EXPERTS:
            s.appoint_reviewer(c.AppointReviewer(round_id, expert, "社会工作与公益项目管理"),
                               _ctx(ADMIN, f"{p}:{y}:panel:{expert}"))
        awarded = grants(plan.public_yuan, plan.funded, rng)
        asks = [*awarded, *(rng.randint(60, 250) * 1000 for _ in range(plan.turned_down))]
        proposals: list[tuple[UUID, int, int]] = []  # (id, grant asked, budget)
        for i, grant in enumerate(asks):
            self._on(date(y, 3, 2) + timedelta(days=i % 40))
            category = CATEGORIES[i % len(CATEGORIES)]
            budget = -(-grant * 100 // rng.choice((60, 60, 55, 50)))  # at least 40% self-raised
            half = grant // 2
            org = f"{rng.choice(_ORGS)}{rng.choice(_KINDS)}"
            district = DISTRICTS[i % len(DISTRICTS)]
            pid = s.submit_proposal(c.SubmitProposal(
                round_id, f"广州市{org}", rng.choice(_TITLES[category]), category, district,
                "面向社区服务对象开展需求评估、小组与个案服务、志愿者培育和成效评估。", str(budget), str(grant),
                rng.randint(50, 2000), (c.PlannedMilestone("需求评估与项目启动", date(y, 9, 30), str(half)),
                                        c.PlannedMilestone("服务实施与总结", date(y + 1, 6, 30), str(grant - half)))),
                _ctx(PLATFORM, f"{p}:{y}:submit:{i}")).stream_id
            proposals.append((pid, grant, budget))
        self._on(date(y, 4, 16))
        s.close_funding_call(c.CloseFundingCall(round_id), _ctx(ADMIN, f"{p}:{y}:close-call"))
        ineligible = set(range(len(asks) - plan.turned_down // 3, len(asks)))
        for i, (pid, _, _) in enumerate(proposals):
            ok = i not in ineligible
            s.check_eligibility(c.CheckEligibility(pid, ok, "材料齐全,符合申报条件" if ok else "机构成立未满一年"),
                                _ctx(ADMIN, f"{p}:{y}:eligibility:{i}"))
        self._on(date(y, 5, 10))
        for i, (pid, _, _) in enumerate(proposals):
            if i in ineligible:
                continue
            # The proposals to be funded score 76–90, the others at most 64: the line falls where the plan says.
            base = 90 - 15 * i // plan.funded if i < plan.funded else 64 - (i - plan.funded) % 10
            first, second = rng.sample(EXPERTS, 2)
            if i == 0:
                s.declare_reviewer_conflict(c.DeclareReviewerConflict(pid, first), _ctx(
                    ADMIN, f"{p}:{y}:conflict:{i}", reason="评审专家曾担任该机构顾问"))
                first = next(e for e in EXPERTS if e not in (first, second))
            for expert in (first, second):
                s.record_review(c.RecordReview(pid, expert, tuple(
                    c.ScoreLine(k.code, max(0, min(100, base + rng.randint(-3, 3)))) for k in CRITERIA)),
                    _ctx(ADMIN, f"{p}:{y}:review:{i}:{expert}"))
        self._on(date(y, 5, 20))
        s.rank_funding_round(c.RankFundingRound(round_id), _ctx(ADMIN, f"{p}:{y}:rank"))
        ranking = s.get_round(round_id).ranking
        by_id = {pid: (grant, budget) for pid, grant, budget in proposals}
        self._on(date(y, 6, 1))
        for rank, pid in enumerate(ranking):
            if rank < plan.funded:
                grant, budget = by_id[pid]
                s.award_grant(c.AwardGrant(pid, str(budget), str(grant)), _ctx(ADMIN, f"{p}:{y}:award:{pid}"))
            else:
                s.reject_proposal(c.RejectProposal(pid), _ctx(ADMIN, f"{p}:{y}:reject:{pid}",
                                                              reason="评审得分未达资助线"))
        s.finalise_funding_round(c.FinaliseFundingRound(round_id), _ctx(ADMIN, f"{p}:{y}:finalise"))
        self._projects(ranking[:plan.funded], by_id)
        return plan.funded

    def _projects(self, funded: tuple[UUID, ...], by_id: dict[UUID, tuple[int, int]]) -> None:
        """The first three projects of a round before 2018 run to their closing evaluation; three of 2018's have
        reached their first milestone and been paid for it."""
        s, y, p = self.service, self.plan.year, self.prefix
        for pid in funded[:3]:
            grant = by_id[pid][0]
            half = grant // 2
            self._on(date(y, 9, 30))
            s.record_milestone(c.RecordMilestone(pid, 0, date(y, 9, 30), "完成需求评估,服务对象建档"),
                               _ctx(PLATFORM, f"{p}:{y}:milestone:{pid}:0"))
            s.disburse_grant(c.DisburseGrant(pid, 0, str(half)), _ctx(ADMIN, f"{p}:{y}:pay:{pid}:0"))
            if y == ROUNDS[-1].year:
                continue
            self._on(date(y, 12, 15))
            s.evaluate_project(c.EvaluateProject(pid, "MID_TERM", "GOOD", "GOOD", "项目进度符合计划,台账基本完整"),
                               _ctx(ADMIN, f"{p}:{y}:mid-term:{pid}"))
            self._on(date(y + 1, 6, 30))
            s.record_milestone(c.RecordMilestone(pid, 1, date(y + 1, 6, 30), "服务实施完成,形成总结报告"),
                               _ctx(PLATFORM, f"{p}:{y}:milestone:{pid}:1"))
            s.disburse_grant(c.DisburseGrant(pid, 1, str(grant - half)), _ctx(ADMIN, f"{p}:{y}:pay:{pid}:1"))
            self._on(date(y + 1, 7, 20))
            s.evaluate_project(c.EvaluateProject(pid, "FINAL", "EXCELLENT", "GOOD", "服务成效明显,资金使用合规"),
                               _ctx(ADMIN, f"{p}:{y}:final:{pid}"))
            s.close_project(c.CloseProject(pid), _ctx(ADMIN, f"{p}:{y}:close:{pid}"))
