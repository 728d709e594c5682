"""Social-work casework demo data: two street-level stations in every district and a community-level one in
three (the Haizhu 江海街 station under the office the demo caseworker's token names), each running the
stations' family, elder and youth services and two of the 15 special projects (every project somewhere), with
social workers; over the demo population, cases in every state — at intake, assessed, in service with
sessions and reviews, with a review overdue, closed with every kind of outcome, and transferred between the
stations of a district — and needs referred through three-society linkage that ask casework to take the
resident in (the linkage process files them at the station once the server runs, and reports each case's
outcome back to its referral when it closes).

Everything goes through the services (the same events as real work), as the stations' own social workers,
with a deterministic idempotency key per command: loading twice writes nothing the second time. The service
runs on a demo clock so that cases were opened weeks ago and sessions happened on the days they say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from civicledger.core.clock import FixedClock, business_date, now
from civicledger.core.errors import ConflictError
from civicledger.core.guangzhou import DISTRICTS, District
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.catalogue import SPECIAL_PROJECTS, STATION_SERVICES
from civicledger.domains.casework.services import CaseworkService

if TYPE_CHECKING:
    from civicledger.demo.world import DemoWorld

NOT_YET = UUID(int=0)
ADMIN = Actor(id="demo-loader", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)
# The demo caseworker (`civicledger demo` prints a token for cw-haizhu-li at this office) works at Jianghai.
JIANGHAI = ("HAIZHU", "江海街", "HAIZHU-JIANGHAI-STATION", "cw-haizhu-li")
COMMUNITY_STATIONS = (("HAIZHU", "江海街", "红卫社区"), ("YUEXIU", "农林街", "五羊社区"),
                      ("TIANHE", "石牌街", "华师社区"))
SCENARIOS = ("intake", "assessed", "in_service", "review_overdue", "achieved", "partly", "withdrew", "transferred")
NEEDS = ("独居长者,老伴去世后情绪低落", "孩子长期缺课,亲子关系紧张", "夫妻矛盾激化,需要调解与辅导",
         "刑满释放人员,就业与家庭关系需要支持", "残疾青年希望就业", "新来穗家庭,孩子入学与社区融入")
ASSESSMENT = "情绪低落,社会支持薄弱,有改善意愿"
NOTES = ("家访:了解居住情况和日常作息,案主愿意接受服务", "电话跟进:本周参加了一次小组活动,睡眠有改善",
         "到站面谈:讨论家庭沟通方法,布置练习", "外展:在社区活动中与案主交谈,情绪平稳")


@dataclass
class DemoStation:
    key: str
    name: str
    level: str
    district: str
    street: str
    community: str | None
    office: str
    services: tuple[str, ...]
    workers: tuple[str, ...]
    id: UUID = NOT_YET  # set once registered

    def worker(self, n: int = 0) -> Actor:
        return Actor(id=self.workers[n % len(self.workers)], role="caseworker", office=self.office,
                     district=self.district)


def plan_stations() -> list[DemoStation]:
    stations: list[DemoStation] = []
    places = [(d, s, None) for d in District for s in DISTRICTS[d].streets[:2]]
    places[[d.value for d, _, _ in places].index("HAIZHU")] = (District.HAIZHU, "江海街", None)
    places += [(District(d), s, community) for d, s, community in COMMUNITY_STATIONS]
    for i, (district, street, community) in enumerate(places):
        projects = tuple(SPECIAL_PROJECTS[(i + k * 7) % len(SPECIAL_PROJECTS)].code for k in range(2))
        key = f"st{i:02d}"
        jianghai = (district.value, street, community) == (JIANGHAI[0], JIANGHAI[1], None)
        office, first = JIANGHAI[2:] if jianghai else (f"{district.value}-CW-{i:02d}", f"{key}-shegong")
        stations.append(DemoStation(
            key, f"{street}{community or ''}{'社工站' if community else '家庭综合服务中心'}",
            "COMMUNITY" if community else "STREET", district.value, street, community, office,
            (*STATION_SERVICES, *projects), (first, f"{key}-duzhang", f"{key}-shegong2")))
    return stations


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason or "demo data", idempotency_key=f"demo-casework:{key}",
                          origin="civicledger demo")


class _Loader:
    def __init__(self, service: CaseworkService, clock: FixedClock, residents: list[tuple[UUID, str]]) -> None:
        self.s, self.clock, self.now = service, clock, clock.now()
        self.by_district: dict[str, list[UUID]] = {}
        for rid, district in residents:
            self.by_district.setdefault(district, []).append(rid)
        self.cursor: dict[str, int] = {}
        self.cases = 0

    def at(self, days_ago: float) -> None:
        self.clock.set(self.now - timedelta(days=days_ago))

    def stations(self, stations: list[DemoStation]) -> None:
        self.at(400)
        for st in stations:
            st.id = self.s.register_casework_station(c.RegisterCaseworkStation(
                st.name, st.level, st.district, st.street, st.office, st.services, st.community),
                _ctx(ADMIN, f"{st.key}")).stream_id
            for n, worker in enumerate(st.workers):
                self.s.add_station_social_worker(c.AddStationSocialWorker(st.id, worker, "督导" if n == 1 else "社工"),
                                                 _ctx(ADMIN, f"{st.key}:worker:{n}"))

    def resident(self, district: str) -> UUID | None:
        pool = self.by_district.get(district)
        if not pool:
            return None
        i = self.cursor.get(district, 0)
        self.cursor[district] = i + 1
        return pool[i % len(pool)]

    def station_cases(self, st: DemoStation, partner: DemoStation | None) -> None:
        for n, scenario in enumerate(SCENARIOS):
            resident = self.resident(st.district)
            if resident is None:
                return
            service = st.services[(n + int(st.key[2:])) % len(st.services)]
            if scenario == "transferred":  # to a station that runs it: one of the stations' own services
                service = STATION_SERVICES[n % len(STATION_SERVICES)]
            try:
                self.case(st, partner, scenario, resident, service, st.worker(n), f"{st.key}:{n}")
            except ConflictError:
                continue  # the resident already has an open case for this service (a small demo population)

    def case(self, st: DemoStation, partner: DemoStation | None, scenario: str, resident: UUID, service: str,
             worker: Actor, key: str) -> None:
        opened = {"intake": 2, "assessed": 6, "review_overdue": 150}.get(scenario, 70)
        other = scenario == "partly"  # taken in from social assistance, through an integrator's reference
        self.at(opened)
        case = self.s.open_casework_case(c.OpenCaseworkCase(
            st.id, resident, service, NEEDS[self.cases % len(NEEDS)], "OTHER_PROGRAM" if other else "WALK_IN",
            source_program="assistance" if other else None, source_reference="低保个案转介" if other else None,
            social_worker_id=worker.id), _ctx(worker, f"{key}:open")).stream_id
        self.cases += 1
        if scenario == "intake":
            return
        self.at(opened - 1)
        risk = "HIGH" if scenario == "review_overdue" else "MEDIUM"
        self.s.assess_casework_case(c.AssessCaseworkCase(case, risk, ("MENTAL_WELLBEING", "SOCIAL_CONNECTION"),
                                                         ASSESSMENT), _ctx(worker, f"{key}:assess"))
        if scenario == "assessed":
            return
        if scenario == "withdrew":
            self.at(opened - 3)
            self.s.close_casework_case(c.CloseCaseworkCase(case, "RESIDENT_WITHDREW", ()), _ctx(worker, f"{key}:close"))
            return
        self.at(opened - 2)
        target = business_date() + timedelta(days=90)
        self.s.agree_service_plan(c.AgreeServicePlan(case, (
            c.PlanGoal("MENTAL_WELLBEING", "情绪稳定,睡眠改善", target),
            c.PlanGoal("SOCIAL_CONNECTION", "每周参加一次社区小组活动", target),
        ), 30 if scenario == "review_overdue" else 60), _ctx(worker, f"{key}:plan"))
        self.sessions(case, worker, key, opened - 3, 2 if scenario == "review_overdue" else 4)
        if scenario == "review_overdue":
            return
        self.at(opened - 35)
        second = "ACHIEVED" if scenario == "achieved" else "AT_RISK"
        self.s.review_casework_case(c.ReviewCaseworkCase(case, (
            c.GoalProgressGiven(1, "ON_TRACK"), c.GoalProgressGiven(2, second)), "CONTINUE", "情绪有改善,小组参与稳定"),
            _ctx(worker, f"{key}:review"))
        if scenario == "transferred" and partner is not None:
            self.at(opened - 40)
            receiving = partner.worker(0)
            self.s.transfer_casework_case(c.TransferCaseworkCase(case, partner.id, receiving.id),
                                          _ctx(worker, f"{key}:transfer", reason="居民搬迁,转介至新居住地社工站"))
            self.sessions(case, receiving, f"{key}:after", opened - 42, 2)
        elif scenario in ("achieved", "partly"):
            self.at(opened - 60)
            reason, outcomes = (("GOALS_MET", ("ACHIEVED", "ACHIEVED")) if scenario == "achieved"
                                else ("MOVED_AWAY", ("PARTLY_ACHIEVED", "NOT_ACHIEVED")))
            self.s.close_casework_case(c.CloseCaseworkCase(case, reason, tuple(
                c.GoalOutcomeGiven(goal, outcome) for goal, outcome in enumerate(outcomes, start=1))),
                _ctx(worker, f"{key}:close"))

    def sessions(self, case: UUID, worker: Actor, key: str, first_days_ago: float, count: int) -> None:
        for n in range(count):
            self.at(first_days_ago - 7 * n)
            self.s.record_casework_session(c.RecordCaseworkSession(
                case, ("HOME_VISIT", "PHONE", "OFFICE", "OUTREACH")[n % 4], 30 + 10 * (n % 3), NOTES[n % len(NOTES)],
                goals_addressed=(1 + n % 2,)), _ctx(worker, f"{key}:session:{n}"))


def load_casework(world: DemoWorld) -> int:
    """The casework slice's demo over the residents the demo registered; returns the number of cases."""
    service: CaseworkService = world.services.casework
    clock = FixedClock(now().replace(minute=0, second=0, microsecond=0))
    loader = _Loader(CaseworkService(service.ledger, residents=service.residents, clock=clock), clock,
                     world.residents_by_district())
    stations = plan_stations()
    loader.stations(stations)
    for st in stations:
        partner = next((o for o in stations if o.district == st.district and o is not st
                        and o.level == "STREET"), None)
        loader.station_cases(st, partner)
    if "linkage" in world.services:
        from civicledger.demo.casework_referrals import refer_to_casework

        refer_to_casework(world, next(st for st in stations if st.office == JIANGHAI[2]), loader.resident)
    return loader.cases

