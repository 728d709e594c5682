"""The access audit on crafted reads: searchable by reader and by resident, and the unusual-access report
(bulk reads, reads outside the reader's district without a case link, night-time reads)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from civicledger.core.access_log import ReadRow
from civicledger.core.clock import SHANGHAI
from civicledger.core.metadata import Actor
from civicledger.domains.residents.commands import RegisterResident
from civicledger.runtime import Runtime
from tests.conftest import GQL, INSPECTOR, new_id_number
from tests.inspection.helpers import ctx

UNUSUAL = """query($since: DateTime!, $until: DateTime!, $first: Int, $after: String) {
  unusualAccess(since: $since, until: $until, bulkThreshold: 10, bulkWindowMinutes: 60, first: 100) {
    totalCount edges { node { kind reader { id district } readCount firstReadAt detail
      residentIds(first: $first, after: $after) { edges { node } pageInfo { hasNextPage endCursor } } } } } }"""


def residents(finding: dict[str, Any]) -> list[str]:
    return [e["node"] for e in finding["residentIds"]["edges"]]
READS = """query($f: PersonalDataReadFilter, $after: String) { personalDataReads(filter: $f, first: 5, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { readId reader { id } residentId fields purpose } } } }"""


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2019, 3, day, hour, minute, tzinfo=SHANGHAI)


async def crafted_reads(runtime: Runtime, reads: list[tuple[Any, ...]]) -> None:
    """(read_at, reader_id, role, office, district, resident_id, resident_district), written as the API writes
    them (with their MACs: the shared database's log must keep verifying)."""
    rows = [ReadRow(read_at=at, reader_id=reader, reader_role=role, reader_office=office, reader_district=district,
                    resident_id=resident, resident_district=resident_district, fields=("idNumber", "phone"),
                    purpose="crafted", correlation_id=None, operation=None)
            for at, reader, role, office, district, resident, resident_district in reads]
    async with runtime.pool.acquire() as conn:
        await runtime.access_log.write(conn, rows)


async def a_resident_registered_by(runtime: Runtime, office: str) -> uuid.UUID:
    """The office records an event on the resident's stream: that is a case link. (An integrator of that office:
    a Tianhe caseworker may not register a Haizhu resident.)"""
    actor = Actor(id=f"{office}-cw", role="integrator", office=office, district="TIANHE")
    recorded = await runtime.run(runtime.services.residents.register_resident,
                                 RegisterResident(name="卢建华", id_number=new_id_number(), district="HAIZHU",
                                                  street="江海街", community="红卫社区"), ctx(actor))
    await runtime.positions.wait_for(recorded.position, timeout=10, names=["client_timeline"])
    return recorded.stream_id


async def test_the_unusual_access_report_finds_bulk_out_of_district_and_night_reads(
        gql: GQL, runtime: Runtime) -> None:
    tag = uuid.uuid4().hex[:6]
    far_office = f"TIANHE-TEST-{tag}"
    linked = await a_resident_registered_by(runtime, far_office)
    unlinked = uuid.uuid4()
    many = [uuid.uuid4() for _ in range(12)]
    haizhu = ("caseworker", "HAIZHU-JIANGHAI-STATION", "HAIZHU")
    await crafted_reads(runtime, [
        # 12 residents in 11 minutes: bulk
        *[(shanghai(1, 10, i), f"bulk-{tag}", *haizhu, r, "HAIZHU") for i, r in enumerate(many)],
        # the same 12 residents, one an hour: not bulk
        *[(shanghai(1, 9) + timedelta(hours=i), f"steady-{tag}", *haizhu, r, "HAIZHU") for i, r in enumerate(many[:11])],
        # a Tianhe caseworker reading two Haizhu residents, one with a case link
        (shanghai(1, 11), f"far-{tag}", "caseworker", far_office, "TIANHE", unlinked, "HAIZHU"),
        (shanghai(1, 11, 5), f"far-{tag}", "caseworker", far_office, "TIANHE", linked, "HAIZHU"),
        # four reads after 22:00 and before 06:00, one just before 22:00
        (shanghai(1, 21, 59), f"owl-{tag}", *haizhu, many[0], "HAIZHU"),
        *[(shanghai(1, 23, 30 + i), f"owl-{tag}", *haizhu, r, "HAIZHU") for i, r in enumerate(many[:3])],
        (shanghai(2, 1, 15), f"owl-{tag}", *haizhu, many[5], "HAIZHU"),
    ])

    window = {"since": shanghai(1, 0).isoformat(), "until": shanghai(3, 0).isoformat()}
    body = await gql(UNUSUAL, window, as_=INSPECTOR)
    # The bulk reader's residents five at a time: all 12, once each, in the same order; 501 a page is refused.
    paged: list[str] = []
    after = None
    for _ in range(5):
        page = await gql(UNUSUAL, {**window, "first": 5, "after": after}, as_=INSPECTOR)
        [bulk_page] = [e["node"] for e in page["data"]["unusualAccess"]["edges"]
                       if e["node"]["reader"]["id"] == f"bulk-{tag}"]
        paged += residents(bulk_page)
        if not bulk_page["residentIds"]["pageInfo"]["hasNextPage"]:
            break
        after = bulk_page["residentIds"]["pageInfo"]["endCursor"]
    too_many = await gql(UNUSUAL.replace("first: 100", "first: 1"), {**window, "first": 501}, as_=INSPECTOR)
    assert paged == [str(r) for r in many]
    assert [e["extensions"]["code"] for e in too_many["errors"]][:1] == ["INVALID_INPUT"]

    found = [e["node"] for e in body["data"]["unusualAccess"]["edges"] if e["node"]["reader"]["id"].endswith(tag)]
    assert [(f["kind"], f["reader"]["id"]) for f in found] == [
        ("BULK_READS", f"bulk-{tag}"),
        ("OUT_OF_DISTRICT_WITHOUT_CASE_LINK", f"far-{tag}"),
        ("NIGHT_READS", f"owl-{tag}"),
    ]
    bulk, far, night = found
    assert bulk["readCount"] == 12 and residents(bulk) == [str(r) for r in many]  # in the order first read
    assert residents(far) == [str(unlinked)] and far["reader"]["district"] == "TIANHE"
    assert night["readCount"] == 4 and "2019-03-01" in night["detail"]


async def test_reads_of_personal_data_are_searchable_by_reader_and_by_resident(gql: GQL, runtime: Runtime) -> None:
    tag = uuid.uuid4().hex[:6]
    resident, other = uuid.uuid4(), uuid.uuid4()
    await crafted_reads(runtime, [
        *[(shanghai(1, 10, i), f"reader-{tag}", "caseworker", "HAIZHU-JIANGHAI-STATION", "HAIZHU", resident, "HAIZHU")
          for i in range(7)],
        (shanghai(1, 11), f"reader-{tag}", "caseworker", "HAIZHU-JIANGHAI-STATION", "HAIZHU", other, "HAIZHU"),
        (shanghai(1, 12), f"another-{tag}", "inspector", "AUDIT-BUREAU", None, resident, "HAIZHU"),
    ])

    async def all_reads(f: dict[str, Any]) -> list[dict[str, Any]]:
        out, after = [], None
        while True:
            page = (await gql(READS, {"f": f, "after": after}, as_=INSPECTOR))["data"]["personalDataReads"]
            out += [e["node"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return out
            after = page["pageInfo"]["endCursor"]

    by_reader = await all_reads({"readerId": f"reader-{tag}"})
    of_resident = await all_reads({"residentId": str(resident)})

    assert len(by_reader) == 8 and len({r["readId"] for r in by_reader}) == 8
    assert [r["readId"] for r in by_reader] == sorted((r["readId"] for r in by_reader), reverse=True)
    assert {r["reader"]["id"] for r in of_resident} == {f"reader-{tag}", f"another-{tag}"} and len(of_resident) == 8
    assert of_resident[0]["fields"] == ["idNumber", "phone"] and of_resident[0]["purpose"] == "crafted"


async def test_the_report_is_not_fooled_by_a_burst_split_across_fixed_windows(runtime: Runtime) -> None:
    tag = uuid.uuid4().hex[:6]
    residents = [uuid.uuid4() for _ in range(10)]
    # 10 residents between 10:55 and 11:04: a sliding window sees them together, hourly buckets would not.
    await crafted_reads(runtime, [(shanghai(2, 10, 55) + timedelta(minutes=i), f"split-{tag}", "caseworker",
                                   "HAIZHU-JIANGHAI-STATION", "HAIZHU", r, "HAIZHU") for i, r in enumerate(residents)])

    findings = await runtime.inspection.unusual_access(shanghai(2, 0), shanghai(3, 0),
                                                       runtime.inspection.thresholds(bulk_threshold=10))

    assert [(f.kind, f.read_count) for f in findings if f.reader_id == f"split-{tag}"] == [("BULK_READS", 10)]
