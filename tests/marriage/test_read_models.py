"""The read models over a marriage's life written on known dates (the service on its own clock, the app's
projections following the same log), read through GraphQL over HTTP: marital status on each boundary date, the
timeline of both parties, the statistics per office and month (a correction moves a marriage to its month), a
survivor widowed."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from civicledger.domains.marriage import commands as c
from civicledger.domains.residents.commands import RecordDeath
from civicledger.processes.marriage_deaths import PROCESS
from civicledger.runtime import Runtime
from tests.conftest import GQL
from tests.marriage.conftest import ADMIN_WANG, REGISTRAR_HAIZHU, REGISTRAR_TIANHE, SUPERVISOR_HAIZHU, World, ctx

STATUS = """query($r: ID!, $on: Date) { resident(id: $r) { maritalStatus(on: $on) { status since } } }"""
TIMELINE = """query($r: ID!) { resident(id: $r) { timeline(first: 10, programs: ["marriage"]) {
  edges { node { kind summary } } } } }"""
STATS = """query($s: Date!, $u: Date!, $o: String) { marriageStatistics(since: $s, until: $u, office: $o) {
  office month marriages divorces divorceApplications withdrawals lapses } }"""


async def settled(runtime: Runtime, position: int) -> None:
    await runtime.positions.wait_for(position, timeout=20)


async def status(gql: GQL, resident: Any, on: str) -> dict[str, Any]:
    body = await gql(STATUS, {"r": str(resident), "on": on})
    assert "errors" not in body, body
    return body["data"]["resident"]["maritalStatus"]  # type: ignore[no-any-return]


async def test_a_marriage_and_its_divorce_on_the_wifes_record(world: World, runtime: Runtime, gql: GQL) -> None:
    couple = await asyncio.to_thread(world.couple)  # she lives in Haizhu: the Haizhu caseworker may see her
    world.on(date(2030, 5, 20))
    marriage_id = await asyncio.to_thread(world.marry, couple, REGISTRAR_TIANHE)
    world.on(date(2030, 6, 1))
    await asyncio.to_thread(world.marriage.apply_for_divorce, c.ApplyForDivorce(marriage_id), ctx(REGISTRAR_HAIZHU))
    world.on(date(2030, 7, 2))
    last = await asyncio.to_thread(world.marriage.register_divorce, c.RegisterDivorce(marriage_id),
                                   ctx(REGISTRAR_HAIZHU))
    await settled(runtime, last.position)

    on = {d: await status(gql, couple.wife, d) for d in ("2030-05-19", "2030-05-20", "2030-07-01", "2030-07-02")}
    timeline = await gql(TIMELINE, {"r": str(couple.wife)})
    stats = await gql(STATS, {"s": "2030-05-01", "u": "2030-08-01", "o": None})

    assert on == {"2030-05-19": {"status": "UNMARRIED", "since": None},
                  "2030-05-20": {"status": "MARRIED", "since": "2030-05-20"},
                  "2030-07-01": {"status": "MARRIED", "since": "2030-05-20"},
                  "2030-07-02": {"status": "DIVORCED", "since": "2030-07-02"}}
    kinds = [e["node"]["kind"] for e in timeline["data"]["resident"]["timeline"]["edges"]]
    assert kinds == ["marriage.divorced", "marriage.divorce_applied", "marriage.registered"]
    rows = {(r["office"], r["month"]): r for r in stats["data"]["marriageStatistics"]}
    assert rows[("TIANHE", "2030-05-01")]["marriages"] >= 1
    assert rows[("HAIZHU", "2030-06-01")]["divorceApplications"] >= 1
    assert rows[("HAIZHU", "2030-07-01")]["divorces"] >= 1


async def test_a_correction_moves_the_marriage_to_its_month_in_the_statistics(world: World, runtime: Runtime,
                                                                             gql: GQL) -> None:
    world.on(date(2031, 2, 2))
    couple = await asyncio.to_thread(world.couple)
    married = await asyncio.to_thread(world.marriage.register_marriage,
                                      c.RegisterMarriage(couple.husband, couple.wife), ctx(REGISTRAR_HAIZHU))
    marriage_id = married.stream_id
    await settled(runtime, married.position)
    before_body = await gql(STATS, {"s": "2031-01-01", "u": "2031-03-01", "o": "HAIZHU"})

    world.on(date(2031, 2, 3))
    corrected = await asyncio.to_thread(
        world.marriage.correct_marriage, c.CorrectMarriage(marriage_id, registered_on=date(2031, 1, 30)),
        ctx(SUPERVISOR_HAIZHU, reason="the register says 30 January"))
    await settled(runtime, corrected.position)
    after_body = await gql(STATS, {"s": "2031-01-01", "u": "2031-03-01", "o": "HAIZHU"})

    def by_month(body: dict[str, Any]) -> dict[str, int]:
        return {r["month"]: r["marriages"] for r in body["data"]["marriageStatistics"]}

    before, after = by_month(before_body), by_month(after_body)
    assert after.get("2031-01-01", 0) == before.get("2031-01-01", 0) + 1
    assert after.get("2031-02-01", 0) == before.get("2031-02-01", 0) - 1


async def test_a_widow_shows_as_widowed_from_the_date_of_death(world: World, runtime: Runtime, gql: GQL) -> None:
    couple = await asyncio.to_thread(world.couple)
    world.on(date(2026, 5, 20))
    await asyncio.to_thread(world.marry, couple)
    await asyncio.to_thread(world.registry.record_death, RecordDeath(couple.husband, date(2026, 9, 9)),
                            ctx(ADMIN_WANG, reason="death certificate"))
    ended = await asyncio.to_thread(world.marriage.end_marriage_by_death, c.EndMarriageByDeath(couple.husband),
                                    ctx(PROCESS))
    await settled(runtime, ended.position)

    assert await status(gql, couple.wife, "2026-09-08") == {"status": "MARRIED", "since": "2026-05-20"}
    assert await status(gql, couple.wife, "2026-09-09") == {"status": "WIDOWED", "since": "2026-09-09"}
