"""Adding a program is its packages and one line: a test-only program (`kudos.py`), given to the app next to
the real ones, works end to end through GraphQL over HTTP — command, read model, query, timeline entry —
and nothing shared was edited to make it so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from civicledger.app import create_app
from civicledger.programs import PROGRAMS
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL, error_codes, make_settings, new_id_number
from tests.dbutil import fresh_database
from tests.slices.kudos import KUDOS


@pytest_asyncio.fixture(scope="module")
async def kudos_gql() -> AsyncIterator[GQL]:
    with fresh_database("civicledger_kudos") as params:
        app = create_app(make_settings(), params=params, programs=[*PROGRAMS, KUDOS], run_processes=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://civicledger.test") as client:
                yield GQL(client)
            assert not app.state.runtime.runner.errors


REGISTER = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId position } }"""
GIVE = """mutation($i: GiveKudosInput!, $r: ID!) { giveKudos(input: $i) { position count(residentId: $r) } }"""
READ = """query($r: ID!) { kudosCount(residentId: $r)
  resident(id: $r) { timeline(first: 5) { edges { node { program kind summary } } } } }"""


async def a_haizhu_resident(gql: GQL) -> tuple[Any, int]:
    body = await gql(REGISTER, {"i": {"name": "陈美玲", "idNumber": new_id_number(), "district": "HAIZHU",
                                      "street": "江海街", "community": "红卫社区"}})
    return body["data"]["registerResident"]["residentId"], body["data"]["registerResident"]["position"]


async def test_a_programs_command_read_model_query_and_timeline_work_through_graphql(kudos_gql: GQL) -> None:
    resident, _ = await a_haizhu_resident(kudos_gql)

    given = await kudos_gql(GIVE, {"i": {"residentId": resident, "words": "谢谢你帮我搬家"}, "r": resident})
    read = await kudos_gql(READ, {"r": resident}, extensions={"minPosition": given["data"]["giveKudos"]["position"]})

    assert given["data"]["giveKudos"]["count"] == 1
    assert read["data"]["kudosCount"] == 1
    entries = [e["node"] for e in read["data"]["resident"]["timeline"]["edges"]]
    assert entries[0] == {"program": "kudos", "kind": "kudos.given", "summary": "Thanked by a neighbour"}


async def test_the_programs_service_decides_who_may_act(kudos_gql: GQL) -> None:
    resident, registered = await a_haizhu_resident(kudos_gql)

    body = await kudos_gql(GIVE, {"i": {"residentId": resident, "words": "谢谢"}, "r": resident},
                           as_=CASEWORKER_TIANHE)

    assert error_codes(body) == ["FORBIDDEN"]
    read = await kudos_gql(READ, {"r": resident}, extensions={"minPosition": registered})
    assert read["data"]["kudosCount"] == 0


async def test_the_real_app_without_the_program_has_none_of_it(gql: GQL) -> None:
    body = await gql('{ kudosCount(residentId: "x") }', as_=CASEWORKER_HAIZHU)

    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_what_a_slice_names_by_path_resolves_and_is_not_imported_until_asked() -> None:
    import inspect
    import subprocess
    import sys

    from civicledger.slice import resolved

    for program in PROGRAMS:
        for ref in (program.query, program.mutation, *program.types):
            if ref is not None:
                assert inspect.isclass(resolved(ref)), (program.name, ref)
        if program.demo is not None:
            assert callable(resolved(program.demo)), program.name
    # A worker, a rebuild or a CLI command imports the programs but serves no GraphQL and loads no demo.
    started = subprocess.run(
        [sys.executable, "-c", "import sys, civicledger.runtime, civicledger.cli; "
                               "print(sorted(m for m in sys.modules if m == 'strawberry' or m.startswith("
                               "('civicledger.graphql.', 'civicledger.demo.'))))"],
        capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "[]"
