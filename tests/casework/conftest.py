"""Casework tests: the real service on the session's database (the app's projections follow the same log),
with its own injected clock, and a small world per test — three stations in two districts, their social
workers, and residents of both districts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY, new_id_number

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 3, 2)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
INTEGRATOR = Actor(id="int-platform", role="integrator", office="DISTRICT-PLATFORM")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")


@pytest.fixture(scope="package")
def casework_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    """A small ledger of its own on the session's database, keyed like the linkage tests' (their process and
    ours follow the same log and must fingerprint the same commands alike)."""
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=2, max_overflow=2)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(casework_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(casework_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture
def casework(casework_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> CaseworkService:
    return CaseworkService(casework_ledger, residents=registry, clock=clock)


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


@dataclass
class World:
    """Jianghai (江海街) and Shayuan (沙园街) stations in Haizhu, Shipai (石牌街) in Tianhe — fresh per test."""

    jianghai: uuid.UUID
    shayuan: uuid.UUID
    shipai: uuid.UUID
    worker_he: Actor  # Jianghai's social worker (on the staff list)
    worker_liang: Actor  # Shayuan's social worker
    worker_mai: Actor  # Shipai's social worker (Tianhe)
    jianghai_office: str
    wang_fang: uuid.UUID  # a Haizhu resident
    li_ming: uuid.UUID  # a Tianhe resident


def register_resident(registry: ResidentRegistry, name: str, district: str = "HAIZHU",
                      street: str = "江海街") -> uuid.UUID:
    return registry.register_resident(
        RegisterResident(name=name, id_number=new_id_number(), district=district, street=street,
                         community="红卫社区", phone="13800138000"),
        ctx(ADMIN_WANG)).stream_id


def build_world(casework: CaseworkService, registry: ResidentRegistry) -> World:
    tag = uuid.uuid4().hex[:6]
    admin = ctx(ADMIN_WANG)

    def station(name: str, district: str, street: str, office: str, worker: str,
                services: tuple[str, ...] = ("FAMILY", "ELDER", "YOUTH", "BEREAVED_PARENTS")) -> uuid.UUID:
        sid = casework.register_casework_station(
            c.RegisterCaseworkStation(name, "STREET", district, street, office, services), admin).stream_id
        casework.add_station_social_worker(c.AddStationSocialWorker(sid, worker, "社工"), admin)
        return sid

    jianghai = station(f"江海街家庭综合服务中心{tag}", "HAIZHU", "江海街", f"SW-JH-{tag}", f"sw-he-{tag}")
    shayuan = station(f"沙园街家庭综合服务中心{tag}", "HAIZHU", "沙园街", f"SW-SY-{tag}", f"sw-liang-{tag}")
    shipai = station(f"石牌街家庭综合服务中心{tag}", "TIANHE", "石牌街", f"SW-SP-{tag}", f"sw-mai-{tag}",
                     services=("FAMILY", "ELDER", "YOUTH"))
    return World(
        jianghai=jianghai, shayuan=shayuan, shipai=shipai,
        worker_he=Actor(f"sw-he-{tag}", "caseworker", "SOMEWHERE-ELSE", "HAIZHU"),
        worker_liang=Actor(f"sw-liang-{tag}", "caseworker", f"SW-SY-{tag}", "HAIZHU"),
        worker_mai=Actor(f"sw-mai-{tag}", "caseworker", f"SW-SP-{tag}", "TIANHE"),
        jianghai_office=f"SW-JH-{tag}",
        wang_fang=register_resident(registry, "王芳"),
        li_ming=register_resident(registry, "李明", "TIANHE", "石牌街"),
    )


@pytest.fixture
def world(casework: CaseworkService, registry: ResidentRegistry) -> World:
    return build_world(casework, registry)


ELDER_NEED = "独居长者,丧偶后情绪低落,很少出门"
NOTES = "家访:老人提到夜里睡不好,想念老伴,愿意参加长者小组"


def open_case(casework: CaseworkService, w: World, *, resident: uuid.UUID | None = None, service: str = "ELDER",
              station: uuid.UUID | None = None, by: Actor | None = None, **kw: object) -> uuid.UUID:
    return casework.open_casework_case(
        c.OpenCaseworkCase(station or w.jianghai, resident or w.wang_fang, service, ELDER_NEED, **kw),  # type: ignore[arg-type]
        ctx(by or w.worker_he)).stream_id


def case_in_service(casework: CaseworkService, w: World, **kw: object) -> uuid.UUID:
    """An assessed case with a two-goal plan."""
    case = open_case(casework, w, **kw)
    casework.assess_casework_case(c.AssessCaseworkCase(case, "MEDIUM", ("MENTAL_WELLBEING", "SOCIAL_CONNECTION"),
                                                       "丧偶后抑郁倾向,社会支持不足"), ctx(w.worker_he))
    casework.agree_service_plan(c.AgreeServicePlan(case, (
        c.PlanGoal("MENTAL_WELLBEING", "情绪稳定,睡眠改善", date(2026, 6, 30)),
        c.PlanGoal("SOCIAL_CONNECTION", "每周参加一次长者小组活动", date(2026, 6, 30)),
    )), ctx(w.worker_he))
    return case


def log_end(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()
    return int(row["n"])
