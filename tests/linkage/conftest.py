"""Linkage tests: the real service on the session's database (the app's projections follow the same log),
with its own injected clock, and a small world per test — a community with its three parties and a resident."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.linkage import commands as c
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY, new_id_number, personal

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
OUTSIDER_ZHAO = Actor(id="cw-zhao", role="caseworker", office="TIANHE-SHIPAI-STATION", district="TIANHE")
SIGNED = Confirmation(ConfirmationMethod.SIGNED_FORM, "form 2026-0302-01")
CALLED_BACK = Confirmation(ConfirmationMethod.PHONE_CALLBACK, "call log 2026-0316-07")


@pytest.fixture(scope="package")
def linkage_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=6, max_overflow=4)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(linkage_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(linkage_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9AM)


@pytest.fixture
def linkage(linkage_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> LinkageService:
    return LinkageService(linkage_ledger, residents=registry, clock=clock)


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


@dataclass
class World:
    """One community (a fresh one per test: dashboards and queues stay apart) with its three parties."""

    committee: uuid.UUID
    social_org: uuid.UUID
    station: uuid.UUID
    other_org: uuid.UUID
    committee_staff: Actor
    org_staff: Actor
    station_staff: Actor
    other_staff: Actor
    resident: uuid.UUID
    other_resident: uuid.UUID
    community_name: str


def register_resident(registry: ResidentRegistry, name: str = "王芳") -> uuid.UUID:
    return registry.register_resident(
        RegisterResident(name=personal(name), id_number=new_id_number(), district="HAIZHU", street="江海街",
                         community="红卫社区", phone="13800138000"),
        ctx(SUPERVISOR_CHEN)).stream_id


def build_world(linkage: LinkageService, registry: ResidentRegistry) -> World:
    tag = uuid.uuid4().hex[:6]
    admin = ctx(ADMIN_WANG)

    def org(name: str, kind: str, office: str, **kw: object) -> uuid.UUID:
        return linkage.register_organisation(
            c.RegisterOrganisation(name=name, kind=kind, district="HAIZHU", street="江海街", office=office, **kw),
            admin).stream_id  # type: ignore[arg-type]

    community_name = f"测试{tag}社区"
    committee = org(f"{community_name}居委会", "COMMUNITY_COMMITTEE", f"CC-{tag}", community=community_name)
    social_org = org(f"海珠区康乐长者服务中心{tag}", "SOCIAL_ORGANISATION", f"SO-{tag}")
    station = org(f"江海街家庭综合服务中心{tag}", "SOCIAL_WORK_STATION", f"SW-{tag}")
    other_org = org(f"海珠区颐康护理服务社{tag}", "SOCIAL_ORGANISATION", f"SO2-{tag}")
    linkage.add_staff_member(c.AddStaffMember(social_org, f"so-liang-{tag}", "社工"), admin)
    return World(
        committee=committee, social_org=social_org, station=station, other_org=other_org,
        committee_staff=Actor(f"cc-zhou-{tag}", "caseworker", f"CC-{tag}", "HAIZHU"),
        org_staff=Actor(f"so-liang-{tag}", "caseworker", "SOMEWHERE-ELSE", "HAIZHU"),
        station_staff=Actor(f"sw-he-{tag}", "caseworker", f"SW-{tag}", "HAIZHU"),
        other_staff=Actor(f"so2-mai-{tag}", "caseworker", f"SO2-{tag}", "HAIZHU"),
        resident=register_resident(registry, "冼嘉怡"), other_resident=register_resident(registry, "麦伟雄"),
        community_name=community_name,
    )


@pytest.fixture
def world(linkage: LinkageService, registry: ResidentRegistry) -> World:
    return build_world(linkage, registry)


def collect(linkage: LinkageService, w: World, *, sub_item: str = "ELDERLY_HOME_CARE", urgency: str = "ROUTINE",
            consent: bool = True, description: str = "独居长者,行动不便,需要上门助餐", resident: uuid.UUID | None = None,
            ) -> uuid.UUID:
    return linkage.collect_need(
        c.CollectNeed(resident_id=resident or w.resident, community_id=w.committee, channel="VISIT",
                      sub_item=sub_item, urgency=urgency, description=description, contact_phone="13912345678",
                      consent_given=consent, consent_confirmation=SIGNED if consent else None),
        ctx(w.committee_staff)).stream_id


def refer(linkage: LinkageService, w: World, need: uuid.UUID, organisation: uuid.UUID | None = None,
          **kw: object) -> uuid.UUID:
    return linkage.refer_need(c.ReferNeed(need_id=need, organisation_id=organisation or w.social_org, **kw),  # type: ignore[arg-type]
                              ctx(w.committee_staff)).stream_id


def log_end(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()
    return int(row["n"])
