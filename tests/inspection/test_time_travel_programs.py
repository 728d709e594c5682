"""Time travel on every aggregate type the programs record — residents, households, social assistance and
three-society linkage — through GraphQL, on the demo's data: as recorded at the instant of a stream's first
event and of its last, the diff between them, and what was in force where the aggregate is effective-dated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest_asyncio

from civicledger import demo
from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from tests.conftest import GQL, INSPECTOR, error_codes, make_settings

STREAM_AT = """query($id: ID!, $at: DateTime!) { streamAt(id: $id, asOf: $at) { type version } }"""
DIFF = """query($id: ID!, $from: DateTime!, $to: DateTime) { streamDiff(id: $id, from: $from, to: $to) {
  type fromVersion toVersion changes { edges { node { path } } } } }"""
IN_FORCE = """query($id: ID!, $on: Date!) { streamInForce(id: $id, on: $on) { type recordedVersion values } }"""


@pytest_asyncio.fixture
async def demo_gql(scratch_db: ConnectionParams) -> AsyncIterator[tuple[GQL, Any]]:
    app = create_app(make_settings(), params=scratch_db, run_projections=False)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        await asyncio.to_thread(demo.load, runtime.services, 40, threads=2)
        await runtime.runner.catch_up()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://civicledger.test") as c:
            yield GQL(c), runtime


async def test_every_aggregate_type_as_recorded_at_an_instant_with_a_diff_and_in_force_where_dated(
        demo_gql: tuple[GQL, Any]) -> None:
    gql, runtime = demo_gql
    async with runtime.pool.acquire() as conn:
        # Per aggregate type (the class that the first event's topic names), its longest stream.
        longest = await conn.fetch(
            "SELECT DISTINCT ON (type) type, program, stream_id, last_version FROM ("
            "  SELECT split_part(first.topic, ':', 1) || ':' || regexp_replace(split_part(first.topic, ':', 2),"
            "         '\\.[^.]+$', '') AS type, first.program, a.stream_id, max(a.stream_version) AS last_version"
            "  FROM audit_log a JOIN audit_log first ON first.stream_id = a.stream_id AND first.stream_version = 1"
            "  GROUP BY 1, 2, 3) s ORDER BY type, last_version DESC, stream_id")
        times = {
            row["stream_id"]: await conn.fetch(
                "SELECT stream_version, occurred_at FROM audit_log WHERE stream_id = $1 ORDER BY stream_version",
                row["stream_id"])
            for row in longest
        }

    assert {row["program"] for row in longest} >= {"residents", "assistance", "linkage"}
    assert len(longest) >= 8
    dated = []
    for row in longest:
        stream, events = str(row["stream_id"]), times[row["stream_id"]]
        first_at, last_at = events[0]["occurred_at"], events[-1]["occurred_at"]
        known_at_first = max(e["stream_version"] for e in events if e["occurred_at"] <= first_at)

        before = await gql(STREAM_AT, {"id": stream, "at": (first_at - timedelta(microseconds=1)).isoformat()},
                           as_=INSPECTOR)
        at_first = await gql(STREAM_AT, {"id": stream, "at": first_at.isoformat()}, as_=INSPECTOR)
        at_last = await gql(STREAM_AT, {"id": stream, "at": last_at.isoformat()}, as_=INSPECTOR)
        changed = await gql(DIFF, {"id": stream, "from": first_at.isoformat(), "to": last_at.isoformat()},
                            as_=INSPECTOR)
        in_force = await gql(IN_FORCE, {"id": stream, "on": last_at.date().isoformat()}, as_=INSPECTOR)

        type_name = row["type"].rsplit(".", 1)[-1].split(":")[-1]
        assert error_codes(before) == ["NOT_FOUND"], (row["type"], before)
        assert at_first["data"]["streamAt"] == {"type": type_name, "version": known_at_first}, row["type"]
        assert at_last["data"]["streamAt"] == {"type": type_name, "version": row["last_version"]}, row["type"]
        d = changed["data"]["streamDiff"]
        assert (d["fromVersion"], d["toVersion"]) == (known_at_first, row["last_version"]), row["type"]
        assert bool(d["changes"]["edges"]) == (known_at_first < row["last_version"]), (row["type"], d)
        if "errors" in in_force:
            assert error_codes(in_force) == ["RULE_VIOLATION"], (row["type"], in_force)
        else:
            dated.append(type_name)
            assert in_force["data"]["streamInForce"]["recordedVersion"] == row["last_version"]
            assert in_force["data"]["streamInForce"]["values"] is not None, row["type"]

    assert set(dated) >= {"AssistanceStandard", "AssistanceCase"}, dated
