"""A published need rests on the resident's consent: when they withdraw it on the linkage need (or withdraw the
need), the `charity_consent` process takes the charity need down — once, as the system, caused by that event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from civicledger.domains.charity import commands as c
from civicledger.domains.charity.need import CharityNeed
from civicledger.domains.linkage import commands as lc
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod
from civicledger.processes.charity_consent import CharityConsentWithdrawals
from civicledger.projections.runner import ProjectionRunner
from civicledger.runtime import Runtime
from civicledger.slice import ProcessWiring, Services
from tests.charity.conftest import CASEWORKER_LI, Programs, ctx, event_count
from tests.linkage.conftest import World as LinkageWorld
from tests.linkage.conftest import collect

CALLBACK = Confirmation(ConfirmationMethod.PHONE_CALLBACK, "call 2026-03-02 15:40")


@pytest_asyncio.fixture
async def process(runtime: Runtime, programs: Programs) -> AsyncIterator[ProjectionRunner]:
    ledger = programs.charity.ledger
    follower = CharityConsentWithdrawals(ProcessWiring.over(Services(
        residents=programs.registry, linkage=programs.linkage, charity=programs.charity), mapper=ledger.mapper,
        pool=runtime.pool))
    runner = ProjectionRunner(runtime.pool, ledger.mapper, ledger.keyring, [follower], batch_size=200)
    await runner.create_tables()
    yield runner


async def follow_until(runner: ProjectionRunner, done: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(done):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the consent process did not get there in time")
        await runner.catch_up()
        await asyncio.sleep(0.02)


async def test_consent_withdrawn_on_the_source_takes_the_published_need_down(
        programs: Programs, community: LinkageWorld, process: ProjectionRunner) -> None:
    source = collect(programs.linkage, community, consent=True)
    need = programs.charity.publish_charity_need(c.PublishCharityNeed(
        "LINKAGE", source, "ELDER_CARE", "SERVICES", "8", "独居长者需要每周上门助浴"), ctx(CASEWORKER_LI)).stream_id
    programs.linkage.record_consent(lc.RecordConsent(source, community.resident, False, CALLBACK),
                                    ctx(community.committee_staff))

    await follow_until(process, lambda: programs.charity.get_need(need).status.value == "WITHDRAWN")
    before = event_count(programs.charity.ledger)
    await process.catch_up()

    assert event_count(programs.charity.ledger) == before, "taken down once"
    events = list(programs.charity.ledger.recorder.select_events(need))
    withdrawn = programs.charity.ledger.mapper.to_domain_event(events[-1])
    assert isinstance(withdrawn, CharityNeed.Withdrawn)


async def test_a_need_never_published_is_left_alone(programs: Programs, community: LinkageWorld,
                                                    process: ProjectionRunner) -> None:
    source = collect(programs.linkage, community, consent=True)
    programs.linkage.record_consent(lc.RecordConsent(source, community.resident, False, CALLBACK),
                                    ctx(community.committee_staff))
    end = event_count(programs.charity.ledger)

    await process.catch_up()

    assert event_count(programs.charity.ledger) == end
