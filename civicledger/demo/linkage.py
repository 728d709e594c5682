"""Three-society linkage demo data: the 12 pilot communities (and two others) with their committees, the
social-work station of each street and two social organisations per district, each with staff; in every
community needs in every state — open, pending, overdue and escalated, declined, reassigned, in progress with
tasks, completed and waiting for feedback, closed with feedback, withdrawn, shared under a safety override —
and a three-party meeting.

Everything goes through the linkage service (the same events as real work), acting as the organisations' own
staff, with a deterministic idempotency key per command: loading twice writes nothing the second time. The
service runs on a demo clock so that referrals were made days ago and some are overdue now."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from civicledger.core.clock import FixedClock, business_date, now
from civicledger.core.guangzhou import District
from civicledger.core.metadata import Actor, CommandContext
from civicledger.demo import names
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.pilots import PILOT_COMMUNITIES
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.linkage.taxonomy import SUB_ITEMS, PartyType
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod
from civicledger.domains.residents.commands import RegisterResident

if TYPE_CHECKING:
    from civicledger.demo.world import DemoWorld

NOT_YET = UUID(int=0)
ADMIN = Actor(id="demo-loader", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)
OTHER_COMMUNITIES = (("HAIZHU", "素社街", "素社社区"), ("BAIYUN", "京溪街", "京溪社区"))
# Offices the demo tokens (`civicledger demo`) carry, so a demo caseworker acts for a real organisation.
KNOWN_OFFICES = {("HAIZHU", "江海街", PartyType.SOCIAL_WORK_STATION): "HAIZHU-JIANGHAI-STATION",
                 ("HAIZHU", "江海街", PartyType.COMMUNITY_COMMITTEE): "HAIZHU-HONGWEI-CC"}
SCENARIOS = ("closed", "in_progress", "pending", "overdue", "declined", "reassigned", "completed", "open",
             "withdrawn", "override")
DESCRIPTIONS = ("独居长者行动不便,希望有人上门送餐", "孩子放学后无人照看", "楼道堆放杂物,存在消防隐患",
                "邻里因噪音发生争执", "家庭收入骤减,生活困难", "希望参加社区志愿服务", "残疾人出行需要帮助",
                "外来务工人员子女入学咨询")


@dataclass
class DemoOrganisation:
    key: str
    name: str
    kind: PartyType
    district: str
    street: str
    community: str | None
    office: str
    staff: tuple[str, ...]
    id: UUID = NOT_YET  # set once registered

    @property
    def actor(self) -> Actor:
        return Actor(id=self.staff[0], role="caseworker", office=self.office, district=self.district)


def plan_organisations() -> list[DemoOrganisation]:
    orgs: list[DemoOrganisation] = []
    communities = [(d, s, c, True) for d, s, c in PILOT_COMMUNITIES] + [(d, s, c, False) for d, s, c in
                                                                      OTHER_COMMUNITIES]
    for i, (district, street, community, _) in enumerate(communities):
        office = KNOWN_OFFICES.get((district, street, PartyType.COMMUNITY_COMMITTEE), f"{district}-CC-{i:02d}")
        orgs.append(DemoOrganisation(f"cc{i:02d}", f"{community}居民委员会", PartyType.COMMUNITY_COMMITTEE, district,
                                     street, community, office, (f"cc{i:02d}-zhuren", f"cc{i:02d}-ganshi")))
    for j, (district, street) in enumerate(dict.fromkeys((d, s) for d, s, _, _ in communities)):
        office = KNOWN_OFFICES.get((district, street, PartyType.SOCIAL_WORK_STATION), f"{district}-SW-{j:02d}")
        orgs.append(DemoOrganisation(f"sw{j:02d}", f"{street}家庭综合服务中心", PartyType.SOCIAL_WORK_STATION,
                                     district, street, None, office, (f"sw{j:02d}-shegong", f"sw{j:02d}-duzhang")))
    for k, (district, street) in enumerate(dict.fromkeys((d, s) for d, s, _, _ in communities)):
        zh = District(district).info.name_zh
        for n, name in enumerate(("颐康长者服务中心", "同心社区发展中心")):
            if any(o.name == f"{zh}{name}" for o in orgs):
                continue
            orgs.append(DemoOrganisation(f"so{k:02d}{n}", f"{zh}{name}", PartyType.SOCIAL_ORGANISATION, district,
                                         street, None, f"{district}-SO-{k:02d}{n}", (f"so{k:02d}{n}-shegong",)))
    return orgs


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason or "demo data", idempotency_key=f"demo-linkage:{key}",
                          origin="civicledger demo")


class _Loader:
    def __init__(self, service: LinkageService, residents: Sequence[tuple[UUID, str]], clock: FixedClock,
                 now_: datetime) -> None:
        self.s, self.clock, self.now = service, clock, now_
        self.rng = random.Random(20180811)
        self.residents = list(residents)
        self.by_district: dict[str, list[UUID]] = {}
        for rid, district in residents:
            self.by_district.setdefault(district, []).append(rid)
        self.cursor: dict[str, int] = {}
        self.referrals: list[UUID] = []

    def at(self, days_ago: float, hours: float = 0) -> None:
        self.clock.set(self.now - timedelta(days=days_ago) + timedelta(hours=hours))

    def resident(self, district: str) -> UUID:
        pool = self.by_district.get(district) or [r for r, _ in self.residents]
        i = self.cursor.get(district, 0)
        self.cursor[district] = i + 1
        return pool[i % len(pool)]

    def organisations(self, orgs: list[DemoOrganisation]) -> None:
        for o in orgs:
            o.id = self.s.register_organisation(
                c.RegisterOrganisation(o.name, o.kind.value, o.district, o.street, o.community, o.office),
                _ctx(ADMIN, f"org:{o.key}")).stream_id
            for n, staff in enumerate(o.staff):
                self.s.add_staff_member(c.AddStaffMember(o.id, staff, "主任" if n == 0 else "社工"),
                                        _ctx(ADMIN, f"org:{o.key}:staff:{n}"))

    def community(self, cc: DemoOrganisation, orgs: list[DemoOrganisation]) -> None:
        station = next(o for o in orgs if o.kind is PartyType.SOCIAL_WORK_STATION and o.street == cc.street)
        social = [o for o in orgs if o.kind is PartyType.SOCIAL_ORGANISATION and o.district == cc.district]
        lead_of = {PartyType.COMMUNITY_COMMITTEE: cc, PartyType.SOCIAL_WORK_STATION: station}
        active = []
        for n, scenario in enumerate(SCENARIOS):
            item = SUB_ITEMS[(int(cc.key[2:]) * 3 + n) % len(SUB_ITEMS)]
            lead = lead_of.get(item.lead) or social[n % len(social)]
            key = f"{cc.key}:{n}"
            referral = self.need(cc, lead, scenario, item.code, key, other=station if lead is not station else cc)
            if referral is not None and scenario in ("in_progress", "reassigned"):
                active.append(referral)
        if active:
            self.at(1)
            attendees = (c.MeetingAttendee(cc.id, cc.staff[0]), c.MeetingAttendee(station.id, station.staff[0]),
                         c.MeetingAttendee(social[0].id, social[0].staff[0]))
            self.s.record_three_party_meeting(c.RecordThreePartyMeeting(
                cc.id, attendees, ("在办个案每周跟进一次", "下月组织长者健康讲座"), tuple(active),
                (c.MeetingTask(active[0], "每周电话跟进", cc.id),)), _ctx(cc.actor, f"{cc.key}:meeting"))

    def need(self, cc: DemoOrganisation, lead: DemoOrganisation, scenario: str, sub_item: str, key: str,
             other: DemoOrganisation) -> UUID | None:
        started = {"overdue": 6, "pending": 0.1, "open": 0.5}.get(scenario, 12 + self.rng.random() * 6)
        self.at(started)
        urgent = scenario == "override"
        consent = scenario != "override"
        resident = self.resident(cc.district)
        need = self.s.collect_need(c.CollectNeed(
            resident, cc.id, self.rng.choice(("VISIT", "SURVEY", "HOTLINE", "WALK_IN")), sub_item,
            "URGENT" if urgent else "ROUTINE", self.rng.choice(DESCRIPTIONS), "13800138000", consent,
            Confirmation(ConfirmationMethod.SIGNED_FORM, f"demo-{key}") if consent else None),
            _ctx(cc.actor, f"{key}:need")).stream_id
        if scenario == "open":
            return None
        confirmed = Confirmation(ConfirmationMethod.PHONE_CALLBACK, f"demo-callback-{key}")
        override = "独居且突发疾病,需立即上门" if urgent else None
        referral = self.s.refer_need(c.ReferNeed(need, lead.id, self._deviation(sub_item, lead), True, override),
                                     _ctx(cc.actor, f"{key}:refer")).stream_id
        self.referrals.append(referral)
        if scenario in ("pending", "overdue", "override"):
            return referral
        self.at(started, hours=3)
        if scenario in ("declined", "reassigned"):
            self.s.decline_referral(c.DeclineReferral(referral, "本月服务名额已满"), _ctx(lead.actor, f"{key}:decline"))
            if scenario == "declined":
                return referral
            self.s.reassign_referral(c.ReassignReferral(referral, other.id, self._deviation(sub_item, other), True),
                                     _ctx(cc.actor, f"{key}:reassign", reason="转介至同街道另一方"))
            lead = other
        if scenario == "withdrawn":
            self.s.withdraw_need(c.WithdrawNeed(need, resident, "家人已安排照顾", confirmed),
                                 _ctx(cc.actor, f"{key}:withdraw"))
            return referral
        self.at(started, hours=6)
        self.s.accept_referral(c.AcceptReferral(referral), _ctx(lead.actor, f"{key}:accept"))
        if scenario == "reassigned":
            return referral
        self.s.start_referral_work(c.StartReferralWork(referral), _ctx(lead.actor, f"{key}:start"))
        if scenario == "in_progress":
            return referral
        self.at(started - 2)
        self.s.complete_referral(c.CompleteReferral(referral, "服务已按计划完成"), _ctx(lead.actor, f"{key}:complete"))
        if scenario == "closed":
            self.at(started - 4)
            self.s.record_resident_feedback(c.RecordResidentFeedback(
                referral, resident, self.rng.choice((3, 4, 4, 5, 5)), confirmed, "服务态度很好"),
                _ctx(cc.actor, f"{key}:feedback"))
        return referral

    def _deviation(self, sub_item: str, organisation: DemoOrganisation) -> str | None:
        _, routes = self.s.routing_table()
        return None if routes[sub_item].lead is organisation.kind else "该机构在本社区有对应服务项目"


def load_linkage(world: DemoWorld) -> int:
    """The linkage slice's demo, over the residents the demo registered — and, in a pilot district where the
    (small) demo population has nobody, a few residents of that community registered for it: a committee
    collects needs only of residents of its own district."""
    residents = world.residents_by_district()
    present = {district for _, district in residents}
    rng = random.Random(20181111)
    used: set[str] = set()
    for district in sorted({o.district for o in plan_organisations()} - present):
        info = District(district).info
        for n in range(3):
            born = names.birth_date(rng, 30, 85, business_date())
            recorded = world.services.residents.register_resident(
                RegisterResident(name=names.chinese_name(rng), id_number=names.resident_id(
                    rng, info.area_code, born, n % 2 == 0, used), district=district,
                    street=names.street_of(rng, District(district)), community=names.community(rng)),
                _ctx(ADMIN, f"resident:{district}:{n}"))
            residents.append((recorded.stream_id, district))
    return load_linkage_for(world.services.linkage, residents)


def load_linkage_for(service: LinkageService, residents: Sequence[tuple[UUID, str]],
                     progress: Callable[[int], Any] | None = None) -> int:
    """Load the linkage demo for these (resident id, district) pairs; returns the number of communities."""
    if not residents:
        return 0
    moment = now()
    clock = FixedClock(moment.replace(minute=0, second=0, microsecond=0))
    demo = LinkageService(service.ledger, residents=service.residents, clock=clock)
    loader = _Loader(demo, residents, clock, clock.now())
    orgs = plan_organisations()
    loader.organisations(orgs)
    committees = [o for o in orgs if o.kind is PartyType.COMMUNITY_COMMITTEE]
    for cc in committees:
        loader.community(cc, orgs)
        if progress:
            progress(1)
    clock.set(moment)
    demo.sweep_overdue(loader.referrals)
    return len(committees)
