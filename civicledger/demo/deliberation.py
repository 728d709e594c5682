"""Community deliberation demo data: agenda items of a few communities through all six stages — a lift for an
old building in Haizhu's 红卫社区, a parking dispute in Yuexiu's 五羊社区 (its 分层议事 model), an elder-meal
service in Tianhe's 华师社区, and a village's public-affairs item in Zengcheng — plus one rejected at its
decision and one still in consultation. Residents of each district take part by resident id (so the item shows
on their timelines), beside committee members, a property manager, the owners' committee, a lawyer and a social
worker.

Everything goes through the service (the same events as real work), as the district's caseworker, with a
deterministic idempotency key per command: loading twice writes nothing the second time. The service runs on a
demo clock so that each stage happened on its own day, weeks ago."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from civicledger.core.clock import FixedClock, business_date, now
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.services import DeliberationService

if TYPE_CHECKING:
    from civicledger.demo.world import DemoWorld

OTHERS = (("COMMITTEE_MEMBER", "社区居委会主任"), ("PROPERTY_MANAGER", "物业服务中心代表"),
          ("OWNERS_COMMITTEE", "业主委员会委员"), ("LAWYER", "社区法律顾问"), ("SOCIAL_WORKER", "家综社工"))


@dataclass(frozen=True)
class DemoItem:
    key: str
    district: str
    street: str
    community: str
    title: str
    description: str
    until: str  # the last stage it reaches: CONSULTATION, REJECTED or SUPERVISION
    outcomes: tuple[tuple[str, int], ...] = ()
    votes: tuple[str, ...] = ("FOR", "FOR", "FOR", "AGAINST", "ABSTAIN")


ITEMS = (
    DemoItem("hongwei-lift", "HAIZHU", "江海街", "红卫社区", "红卫社区3号楼加装电梯",
             "3号楼为八十年代七层步梯楼,住户多为长者,提出加装电梯,需协商出资分摊与低层住户补偿。", "SUPERVISION",
             (("LIFTS_INSTALLED", 1), ("DISPUTES_RESOLVED", 1))),
    DemoItem("wuyang-parking", "YUEXIU", "农林街", "五羊社区", "五羊新城小区停车秩序整治",
             "小区内乱停车堵塞消防通道,楼栋、片区分层议事,商定划线与错峰停车办法。", "SUPERVISION",
             (("DISPUTES_RESOLVED", 3), ("PUBLIC_AFFAIRS_SETTLED", 1))),
    DemoItem("huashi-meals", "TIANHE", "石牌街", "华师社区", "华师社区长者饭堂增设送餐服务",
             "行动不便的独居长者无法到饭堂就餐,议定由社工站联合饭堂提供送餐上门。", "SUPERVISION",
             (("SERVICES_DELIVERED", 24),)),
    DemoItem("hongwei-lift-2", "HAIZHU", "江海街", "红卫社区", "红卫社区5号楼加装电梯",
             "5号楼部分低层住户反对加装,担心采光与噪音。", "REJECTED",
             votes=("AGAINST", "AGAINST", "FOR", "AGAINST", "ABSTAIN")),
    DemoItem("wuyang-square", "YUEXIU", "农林街", "五羊社区", "五羊社区广场舞噪音协调",
             "晚间广场舞音量过大,居民投诉,拟协商活动时段与音量。", "CONSULTATION"),
)


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason or "demo data", idempotency_key=f"demo-deliberation:{key}",
                          origin="civicledger demo")


class _Loader:
    def __init__(self, service: DeliberationService, clock: FixedClock, residents: list[tuple[UUID, str]]) -> None:
        self.s, self.clock, self.now = service, clock, clock.now()
        self.by_district: dict[str, list[UUID]] = {}
        for rid, district in residents:
            self.by_district.setdefault(district, []).append(rid)
        self.used: dict[str, int] = {}

    def at(self, days_ago: int) -> None:
        self.clock.set(self.now - timedelta(days=days_ago))

    def residents(self, district: str, n: int) -> list[UUID]:
        pool = self.by_district.get(district, [])
        start = self.used.get(district, 0)
        self.used[district] = start + n
        return [pool[(start + k) % len(pool)] for k in range(min(n, len(pool)))]

    def item(self, d: DemoItem) -> UUID:
        staff = Actor(id=f"demo-{d.district.lower()}-community", role="caseworker",
                      office=f"{d.district}-{d.street}-COMMUNITY", district=d.district)
        k = d.key
        self.at(40)
        item = self.s.propose_agenda_item(c.ProposeAgendaItem(d.district, d.street, d.community, d.title,
                                                              d.description), _ctx(staff, f"{k}:propose")).stream_id
        self.at(35)
        self.s.prepare_agenda_item(c.PrepareAgendaItem(item, "征集各方意见,形成初步方案,召开议事会协商。",
                                                       business_date() + timedelta(days=5)),
                                   _ctx(staff, f"{k}:prepare"))
        residents = self.residents(d.district, 2)
        kinds = ("REGISTERED_RESIDENT", "NON_REGISTERED_RESIDENT")
        for n, rid in enumerate(residents):
            self.s.add_deliberation_participant(c.AddDeliberationParticipant(item, kinds[n], rid),
                                                _ctx(staff, f"{k}:participant:r{n}"))
        for n, (kind, name) in enumerate(OTHERS):
            self.s.add_deliberation_participant(c.AddDeliberationParticipant(item, kind, name=name),
                                                _ctx(staff, f"{k}:participant:o{n}"))
        self.at(30)
        self.s.open_deliberation_consultation(c.OpenDeliberationConsultation(item), _ctx(staff, f"{k}:consult"))
        stances = ("SUPPORT", "CONDITIONAL", "OPPOSE")
        for n in range(1, 4):
            self.s.state_deliberation_position(c.StateDeliberationPosition(
                item, n, stances[n - 1], ("同意方案,希望尽快实施。", "原则同意,但费用分摊需公开透明。",
                                          "有顾虑,希望先听取更多住户意见。")[n - 1]), _ctx(staff, f"{k}:position:{n}"))
        if d.until == "CONSULTATION":
            return item
        for n, choice in enumerate(d.votes, start=1):
            self.s.cast_deliberation_vote(c.CastDeliberationVote(item, n, choice), _ctx(staff, f"{k}:vote:{n}"))
        self.at(25)
        rejected = d.until == "REJECTED"
        basis = "表决未过半数,暂缓实施。" if rejected else "议事会表决过半数通过,依据议事规则形成决议。"
        self.s.decide_agenda_item(c.DecideAgendaItem(item, "REJECTED" if rejected else "ADOPTED", basis),
                                  _ctx(staff, f"{k}:decide", reason="议事会表决结果"))
        if rejected:
            return item
        self.at(24)
        self.s.start_deliberation_execution(c.StartDeliberationExecution(item, (
            c.TaskGiven("制定实施方案并公示", "社区居委会", business_date() + timedelta(days=7)),
            c.TaskGiven("组织实施并跟进进度", "物业服务中心", business_date() + timedelta(days=20)),
        )), _ctx(staff, f"{k}:execute"))
        for n, days in ((1, 18), (2, 6)):
            self.at(days)
            self.s.complete_deliberation_task(c.CompleteDeliberationTask(item, n, "已按期完成,居民无异议。"),
                                              _ctx(staff, f"{k}:task:{n}"))
        self.at(3)
        self.s.report_deliberation_supervision(c.ReportDeliberationSupervision(
            item, "居民监督小组回访,决议事项落实到位,居民满意。",
            tuple(c.OutcomeGiven(kind, count) for kind, count in d.outcomes)), _ctx(staff, f"{k}:supervise"))
        return item


def load_deliberation(world: DemoWorld) -> int:
    """The deliberation slice's demo over the residents the demo registered; returns the number of items."""
    service: DeliberationService = world.services.deliberation
    clock = FixedClock(now().replace(minute=0, second=0, microsecond=0))
    loader = _Loader(DeliberationService(service.ledger, residents=service.residents, clock=clock), clock,
                     world.residents_by_district())
    for d in ITEMS:
        loader.item(d)
    return len(ITEMS)
