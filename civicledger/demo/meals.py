"""Elder meal service demo data: a district (Haizhu) with four canteens and two delivery points (five of six
run by social operators), about 320 enrolled elders — the demo population's Haizhu elders and more registered
for the demo, plus elders of neighbouring districts who sometimes eat in Haizhu — and the last three weeks of
meals: supplier batches received, production runs cooked daily, lunch (some delivered) and dinner sheets,
each day closed. Eggs from one supplier are recalled a week ago (the canteens notified, every elder who ate
them followed up); last month is settled, and a meal voided afterwards comes back as a correction line; an
admin has published next month's rule (an enterprise discount of 1 yuan).

Everything goes through the meal service (the same events as real work), acting as each canteen's staff,
the districts' caseworkers and supervisors and an admin, on a demo clock walking through the weeks; every
command carries a deterministic idempotency key that names its date, so loading twice the same day writes
nothing the second time. Kitchens are loaded in parallel (each with its delivery points and its own clock)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from civicledger.core.clock import SHANGHAI, FixedClock, business_date, now
from civicledger.core.guangzhou import DISTRICTS, District
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import parse_resident_id
from civicledger.demo import names
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.services import MealService
from civicledger.domains.residents.commands import RegisterResident

if TYPE_CHECKING:
    from civicledger.demo.world import DemoWorld

DISTRICT = "HAIZHU"
WEEKS = 3
ELDERS = 300  # enrolled Haizhu elders (the population's, topped up)
VISITORS = 24  # elders of other districts who sometimes eat in Haizhu
ADMIN = Actor(id="admin-bureau-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
SUPERVISOR = Actor(id="sup-haizhu-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district=DISTRICT)
RECALL_PROCESS = Actor(id="meals-recall", role="system")  # the recall process's own actor and keys
NOT_YET = UUID(int=0)
EVERY_DAY, WEEKDAYS, NOT_SUNDAY = (1, 2, 3, 4, 5, 6, 7), (1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 6)


@dataclass
class DemoSite:
    key: str
    name: str
    kind: str
    operator_type: str
    operator: str
    street: str
    capacity: int
    days: tuple[int, ...]
    kitchen: str | None = None
    id: UUID = NOT_YET  # set once registered
    elders: list[UUID] = field(default_factory=list)

    @property
    def office(self) -> str:
        return f"HAIZHU-{self.key.upper()}-CANTEEN"

    @property
    def staff(self) -> Actor:
        return Actor(id=f"staff-{self.key}", role="caseworker", office=self.office, district=DISTRICT)


def plan_sites() -> list[DemoSite]:
    social, government = "SOCIAL_OPERATOR", "GOVERNMENT_RUN"
    yikang, yuexin = "广州颐康餐饮管理有限公司", "广州市悦心社会工作服务中心"
    return [
        DemoSite("jianghai", "江海街长者饭堂", "CANTEEN", social, yikang, "江海街", 90, EVERY_DAY),
        DemoSite("sushe", "素社街长者饭堂", "CANTEEN", social, yuexin, "素社街", 70, NOT_SUNDAY),
        DemoSite("pazhou", "琶洲街长者饭堂", "CANTEEN", government, "琶洲街道办事处", "琶洲街", 50, WEEKDAYS),
        DemoSite("nanhuaxi", "南华西街长者饭堂", "CANTEEN", social, "广州广粤餐饮服务有限公司", "南华西街", 80,
                 NOT_SUNDAY),
        DemoSite("hongwei", "红卫社区助餐点", "DELIVERY_POINT", social, yikang, "江海街", 30, WEEKDAYS,
                 kitchen="jianghai"),
        DemoSite("fengyang", "凤阳街助餐点", "DELIVERY_POINT", social, yuexin, "凤阳街", 30, NOT_SUNDAY,
                 kitchen="sushe"),
    ]


# (product, shelf life in days, received every n days); each kitchen cooks a staple and two dishes a day.
# Idempotency keys are ASCII: products and dishes are named there by code.
CODES = {"大米": "rice", "花生油": "oil", "鸡蛋": "eggs", "猪肉": "pork", "时令蔬菜": "greens", "白饭": "rice",
         "时蔬炒肉片": "pork-greens", "番茄蒸水蛋": "steamed-eggs"}
PRODUCTS = (("大米", 180, 14), ("花生油", 365, 14), ("鸡蛋", 14, 4), ("猪肉", 3, 1), ("时令蔬菜", 2, 1))
DISHES = (("白饭", ("大米",)), ("时蔬炒肉片", ("猪肉", "时令蔬菜", "花生油")), ("番茄蒸水蛋", ("鸡蛋", "时令蔬菜")))
SUPPLIERS = {"大米": "广州市穗丰粮油有限公司", "花生油": "广州市穗丰粮油有限公司", "鸡蛋": "从化区绿源蛋品合作社",
             "猪肉": "广州市食品企业集团有限公司", "时令蔬菜": "江南果菜批发市场宏达蔬菜行"}


def caseworker(district: str) -> Actor:
    if district == DISTRICT:  # the demo's caseworker token (`civicledger demo` prints it)
        return Actor(id="cw-haizhu-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district=district)
    return Actor(id=f"cw-{district.lower()}-demo", role="caseworker", office=f"{district}-STATION", district=district)


def _ctx(actor: Actor, key: str, reason: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=f"demo-meals:{key}", origin="civicledger demo")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Elder:
    id: UUID
    district: str
    street: str
    born: date


def load_meals(world: DemoWorld) -> int:
    """The meal slice's demo over the residents the demo registered; returns the number of meals recorded. A
    small population (tests) gets a smaller district: one elder for every six residents (at least 30, at most
    ELDERS), and one week of meals below 1,000 residents."""
    residents = sum(len(h.people) for h in world.households)
    return load_meals_for(world, elders=min(ELDERS, max(30, residents // 6)), weeks=WEEKS if residents >= 1000 else 1)


def load_meals_for(world: DemoWorld, *, weeks: int = WEEKS, elders: int = ELDERS, visitors: int = VISITORS,
                   today: date | None = None) -> int:
    """The demo at a chosen size, up to the day before `today` (tests load a smaller one, on a known date)."""
    today = today or business_date()
    first = today - timedelta(days=7 * weeks)
    rng = random.Random(20200101)
    clock = FixedClock(_at(first - timedelta(days=7), 9))
    service = MealService(world.services.meals.ledger, residents=world.services.residents, clock=clock)
    service.seed_guangzhou_rule(_ctx(ADMIN, "rule-2020"))
    sites = plan_sites()
    by_key = {s.key: s for s in sites}
    for site in sites:
        site.id = service.register_canteen(c.RegisterCanteen(
            site.name, site.kind, site.operator_type, site.operator, DISTRICT, site.street, site.capacity, site.days,
            site.office, kitchen_id=by_key[site.kitchen].id if site.kitchen else None), _ctx(ADMIN, f"site:{site.key}")
        ).stream_id
    haizhu, nearby = _elders(world, rng, elders, visitors)
    everyone = [*haizhu, *nearby]
    plans = [_enrolment(elder, rng) for elder in everyone]
    with ThreadPoolExecutor(max_workers=max(1, world.threads)) as pool:
        list(pool.map(lambda plan: service.enrol_elder(*plan), plans))
    home = {s.street: s for s in sites}
    for elder in haizhu:
        (home.get(elder.street) or rng.choice(sites)).elders.append(elder.id)
    kitchens = [s for s in sites if s.kind == "CANTEEN"]
    groups = [(k, [s for s in sites if s is k or s.kitchen == k.key]) for k in kitchens]
    with ThreadPoolExecutor(max_workers=max(1, min(world.threads, len(groups)))) as pool:
        districts = {v.id: v.district for v in nearby}
        meals = sum(pool.map(lambda g: _Kitchen(service, g[0], g[1], [v.id for v in nearby], districts, first,
                                                today).load(), groups))
    clock.set(min(_at(today, 8), now()))  # never ahead of the real clock: before 08:00 it would be
    _settle(service, sites, today)
    _next_rule(service, today)
    return meals


def _elders(world: DemoWorld, rng: random.Random, wanted: int, visitors: int) -> tuple[list[Elder], list[Elder]]:
    """The population's residents aged 60+ in Haizhu (topped up to `wanted`) and a few of other districts."""
    today = business_date()
    haizhu: list[Elder] = []
    others: list[Elder] = []
    for household, ids in zip(world.households, world.member_ids, strict=True):
        for person, rid in zip(household.people, ids, strict=True):
            born = parse_resident_id(person.id_number).birth_date
            if (today - born).days < 61 * 365:
                continue
            elder = Elder(rid, household.district, household.street, born)
            (haizhu if household.district == DISTRICT else others).append(elder)
    streets = [s.street for s in plan_sites()]
    used: set[str] = set()
    planned: list[tuple[RegisterResident, CommandContext, date]] = []
    for n in range(max(0, wanted - len(haizhu))):
        born = date(1932 + n % 32, 1 + n % 12, 1 + n % 28)  # fixed dates: the same people whatever the day
        street = streets[n % len(streets)] if n % 10 < 7 else names.street_of(rng, District.HAIZHU)
        id_number = names.resident_id(rng, DISTRICTS[District.HAIZHU].area_code, born, n % 3 == 0, used)
        planned.append((RegisterResident(name=names.chinese_name(rng), id_number=id_number, district=DISTRICT,
                                         street=street, community=names.community(rng), phone=names.phone(rng)),
                        _ctx(ADMIN, f"elder:{n}"), born))
    with ThreadPoolExecutor(max_workers=max(1, world.threads)) as pool:
        recorded = list(pool.map(lambda p: world.services.residents.register_resident(p[0], p[1]), planned))
    haizhu += [Elder(r.stream_id, DISTRICT, p[0].street, p[2]) for r, p in zip(recorded, planned, strict=True)]
    nearby = [e for e in others if e.district in ("YUEXIU", "LIWAN", "TIANHE", "PANYU")] or others
    return haizhu, nearby[:visitors]


def _enrolment(elder: Elder, rng: random.Random) -> tuple[c.EnrolElder, CommandContext]:
    draw = rng.random()
    status = "ENTITLED" if draw < 0.12 else "POOR" if draw < 0.2 else "ORDINARY"
    needs = tuple(rng.sample(("LOW_SALT", "LOW_SUGAR", "SOFT", "LOW_FAT", "MINCED"), k=rng.choice((0, 0, 1, 1, 2))))
    return (c.EnrolElder(elder.id, status, rng.random() < 0.06, needs),
            _ctx(caseworker(elder.district), f"enrol:{elder.id}"))


class _Kitchen:
    """One kitchen and the delivery points it supplies, day by day, on its own clock."""

    def __init__(self, service: MealService, kitchen: DemoSite, sites: Sequence[DemoSite], visitors: Sequence[UUID],
                 districts: dict[UUID, str], first: date, today: date) -> None:
        self.clock = FixedClock(_at(first, 7))
        self.s = MealService(service.ledger, residents=service.residents, clock=self.clock)
        self.kitchen, self.sites, self.visitors = kitchen, sites, list(visitors)
        self.first, self.today = first, today
        self.rng = random.Random(kitchen.key)
        self.batches: dict[str, UUID] = {}
        self.served: dict[UUID, set[UUID]] = {}  # run -> elders (for the recall's follow-up)
        self.served_at: dict[UUID, set[UUID]] = {}  # run -> sites that served from it
        self.recall_on = max(first + timedelta(days=1), today - timedelta(days=8)) \
            if kitchen.key == "jianghai" else None
        self.districts = districts
        self.runs_of: dict[UUID, tuple[str, ...]] = {}

    def load(self) -> int:
        meals = 0
        day = self.first
        while day < self.today:
            self.clock.set(_at(day, 7))
            self._receive(day)
            if day.isoweekday() in self.kitchen.days or any(day.isoweekday() in s.days for s in self.sites):
                self.clock.set(_at(day, 9, 30))
                runs = {dish: self._cook(day, dish, products) for dish, products in DISHES}
                for site in self.sites:
                    if day.isoweekday() in site.days:
                        meals += self._serve(site, day, runs)
            if self.recall_on == day:
                self._recall(day)
            day += timedelta(days=1)
        return meals

    def _recall(self, day: date) -> None:
        """The eggs in use are recalled in the evening (the supplier's salmonella finding); the process's notices
        go out with the process's own keys (so the process, when it runs, replays them); fresh eggs come in;
        the next morning the district's caseworkers call every elder who ate from the batch."""
        eggs = self.batches["鸡蛋"]
        self.clock.set(_at(day, 20))
        self.s.recall_supplier_batch(c.RecallSupplierBatch(eggs, "供应商通报:同批次鸡蛋检出沙门氏菌"),
                                     _ctx(SUPERVISOR, f"recall:{eggs}", reason="区市场监管局抽检通报"))
        runs = [run for run, batches in self.runs_of.items() if eggs in batches]
        for site in self.sites:
            if site is self.kitchen or any(site.id in self.served_at.get(run, ()) for run in runs):
                self.s.notify_canteen_of_recall(c.NotifyCanteenOfRecall(eggs, site.id), CommandContext(
                    actor=RECALL_PROCESS, reason="food-safety recall", origin="meals-recall",
                    idempotency_key=f"meals-recall:{eggs}:{site.id}"))
        self.receive(day, "鸡蛋", 14, key=f"{day}:after-recall")
        self.clock.set(_at(day + timedelta(days=1), 10))
        ate = sorted({e for run in runs for e in self.served.get(run, ())})
        for n, elder in enumerate(ate):
            outcome = ("CONTACTED_UNWELL" if n % 50 == 7 else "UNREACHABLE" if n % 12 == 5
                       else "FAMILY_INFORMED" if n % 20 == 3 else "CONTACTED_WELL")
            self.s.record_recall_follow_up(c.RecordRecallFollowUp(eggs, elder, outcome, "电话回访"), _ctx(
                caseworker(self.districts.get(elder, DISTRICT)), f"follow-up:{eggs}:{elder}"))

    def _receive(self, day: date) -> None:
        n = (day - self.first).days
        for product, shelf, every in PRODUCTS:
            if n % every == 0 or product not in self.batches:
                self.receive(day, product, shelf, key=f"{day}")

    def receive(self, day: date, product: str, shelf: int, *, key: str) -> UUID:
        quantity = str(self.rng.choice((20, 25, 30, 40, 50)))
        self.batches[product] = self.s.receive_supplier_batch(c.ReceiveSupplierBatch(
            self.kitchen.id, SUPPLIERS[product], product, quantity, "KG", day, day + timedelta(days=shelf),
            "JY1440105" + f"{abs(hash(SUPPLIERS[product])) % 10**7:07d}"[:7]),
            _ctx(self.kitchen.staff, f"{self.kitchen.key}:batch:{CODES[product]}:{key}")).stream_id
        return self.batches[product]

    def _cook(self, day: date, dish: str, products: tuple[str, ...]) -> UUID:
        run = self.s.record_production_run(c.RecordProductionRun(
            self.kitchen.id, day, dish, self.kitchen.capacity * 2, tuple(self.batches[p] for p in products)),
            _ctx(self.kitchen.staff, f"{self.kitchen.key}:run:{day}:{CODES[dish]}")).stream_id
        self.runs_of[run] = tuple(self.batches[p] for p in products)
        return run

    def _serve(self, site: DemoSite, day: date, runs: dict[str, UUID]) -> int:
        rng = self.rng
        lunch = [e for e in site.elders if rng.random() < 0.6]
        lunch += [v for v in self.visitors if rng.random() < 0.02]
        dish = runs[rng.choice(("时蔬炒肉片", "番茄蒸水蛋"))]
        menu = (runs["白饭"], dish)
        count = 0
        for sitting, hour, diners in (("LUNCH", 12, lunch), ("DINNER", 17, [e for e in lunch if rng.random() < 0.12])):
            if not diners:
                continue
            self.clock.set(_at(day, hour, 30))
            lines = tuple(c.MealLine(e, sitting, "DELIVERED" if rng.random() < 0.2 else "EAT_IN", menu)
                          for e in dict.fromkeys(diners))
            self.s.record_meals(c.RecordMeals(site.id, day, lines), _ctx(site.staff, f"{site.key}:{day}:{sitting}"))
            for run in menu:
                self.served.setdefault(run, set()).update(line.resident_id for line in lines)
                self.served_at.setdefault(run, set()).add(site.id)
            count += len(lines)
        self.clock.set(_at(day, 19))
        self.s.close_meal_day(c.CloseMealDay(site.id, day), _ctx(site.staff, f"{site.key}:{day}:close"))
        return count


def _settle(service: MealService, sites: Sequence[DemoSite], today: date) -> None:
    """Last month settled for every site; then a meal of last month voided (the elder was in hospital) and the
    month settled again: the difference comes back as correction lines."""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    ids = tuple(s.id for s in sites)
    service.settle_meal_month(c.SettleMealMonth(month, DISTRICT, ids), _ctx(SUPERVISOR, f"settle:{month:%Y-%m}"))
    for day in (month + timedelta(days=n) for n in range(31)):
        sheet = service.get_meal_day(sites[0].id, day) if day.month == month.month else None
        if sheet is not None and sheet.meals:
            meal = next(iter(sheet.meals.values()))  # the first meal of the month: the same one every load
            service.void_meal(c.VoidMeal(sites[0].id, day, meal.meal_id), _ctx(
                SUPERVISOR, f"void:{day}", reason="老人当日住院,误录入"))
            service.settle_meal_month(c.SettleMealMonth(month, DISTRICT, ids),
                                      _ctx(SUPERVISOR, f"settle:{month:%Y-%m}:correction"))
            return


def _next_rule(service: MealService, today: date) -> None:
    """From next month, operators give 1 yuan of enterprise discount to every elder who pays something."""
    table = service.rule_table()
    current = table.require(today) if table else None
    if current is None:
        return
    month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    rows = tuple(c.CategoryShares(
        r.category.value, r.shares.enterprise + (1 if r.shares.elder >= 1 else 0), r.shares.city, r.shares.district,
        r.shares.street, r.shares.charity, r.shares.elder - (1 if r.shares.elder >= 1 else 0),
        r.lost_shares_to.value) for r in current.rules)
    service.publish_meal_rule(c.PublishMealRule(month, current.price, rows, "企业让利:自下月起每餐优惠1元"),
                              _ctx(ADMIN, f"rule:{month:%Y-%m}"))
