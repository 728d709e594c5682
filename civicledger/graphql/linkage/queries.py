"""Linkage queries: the taxonomy and routing table, organisations, needs, referrals, tasks, meetings, work
queues, community dashboards, and (for inspectors) the record of personal data shared with leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from civicledger.core.errors import InvalidInputError, NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.domains.linkage.taxonomy import BY_CODE
from civicledger.graphql.linkage import access
from civicledger.graphql.linkage import reports as r
from civicledger.graphql.linkage.referral_types import ReferralType
from civicledger.graphql.linkage.taxonomy import CategoryType, categories, sub_item_type
from civicledger.graphql.linkage.types import (
    NeedType,
    OrganisationType,
    PartyEnum,
    ReferralStatusEnum,
)
from civicledger.graphql.linkage.work_types import LinkageTaskType, ThreePartyMeetingType
from civicledger.graphql.permissions import CanAudit, CanRead
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_info, page_limit, page_size, uuid_of
from civicledger.projections import linkage_needs, linkage_organisations, linkage_referrals
from civicledger.projections.linkage_dashboard import community_dashboard
from civicledger.projections.linkage_meetings import meetings_of
from civicledger.projections.linkage_queues import queue_counts, queue_page
from civicledger.projections.linkage_routing import current_routes, routing_changes


@strawberry.type(name="LinkageOrganisationEdge")
class OrganisationEdge:
    cursor: str
    node: OrganisationType


@strawberry.type(name="LinkageOrganisationConnection")
class OrganisationConnection:
    edges: list[OrganisationEdge]
    page_info: strawberry.relay.PageInfo


@strawberry.type(name="NeedEdge")
class NeedEdge:
    cursor: str
    node: NeedType


@strawberry.type(name="NeedConnection")
class NeedConnection:
    edges: list[NeedEdge]
    page_info: strawberry.relay.PageInfo


@strawberry.type(name="ReferralEdge")
class ReferralEdge:
    cursor: str
    node: ReferralType


@strawberry.type(name="ReferralConnection")
class ReferralConnection:
    edges: list[ReferralEdge]
    page_info: strawberry.relay.PageInfo


@strawberry.type(name="ThreePartyMeetingEdge")
class MeetingEdge:
    cursor: str
    node: ThreePartyMeetingType


@strawberry.type(name="ThreePartyMeetingConnection")
class MeetingConnection:
    edges: list[MeetingEdge]
    page_info: strawberry.relay.PageInfo


async def _fetch(info: Info, query: Any, **kwargs: Any) -> list[Any]:
    async with info.context.runtime.read_pool.acquire() as conn:
        return await query(conn, **kwargs)


async def _row(loader: Any, key: Any, what: str, raw_id: str) -> Any:
    row = await loader.load(key)
    if row is None:
        raise NotFoundError(f"{what} {key} not found", id=raw_id)
    return row


def _opt_uuid(raw: strawberry.ID | None, type_name: str) -> Any:
    return uuid_of(raw, type_name) if raw else None


@strawberry.type
class LinkageQueries:
    @strawberry.field(permission_classes=[CanRead], description="The 4 categories and 16 sub-items.")
    def linkage_taxonomy(self) -> list[CategoryType]:
        return categories()

    @strawberry.field(permission_classes=[CanRead], description="Each sub-item's lead party and SLA now, and "
                                                                "the table's change history (newest first).")
    async def linkage_routing_table(self, info: Info) -> r.RoutingTableType:
        async with info.context.runtime.read_pool.acquire() as conn:
            current = {row["sub_item"]: row for row in await current_routes(conn)}
            newest = (await routing_changes(conn, limit=1))[:1]
        routes = []
        for code, item in BY_CODE.items():
            row = current.get(code)
            routes.append(r.RouteType(
                sub_item=sub_item_type(code), lead_party=row["lead_party"] if row else item.lead.value,
                accept_within_hours=row["accept_within_hours"] if row else item.accept_within_hours,
                complete_within_days=row["complete_within_days"] if row else item.complete_within_days,
                since_version=row["version"] if row else 0))
        version = max((row["version"] for row in current.values()), default=0)
        version = max([version, *(c["version"] for c in newest)])
        return r.RoutingTableType(version=version, routes=routes)

    @strawberry.field(description=page_limit() + "Linkage organisations, filtered by district served, kind and pilot.",
                      permission_classes=[CanRead])
    async def linkage_organisations(
        self, info: Info,
        district: Annotated[str | None, strawberry.argument(
                description="Only organisations serving this district: code (HAIZHU) or name (海珠区).")] = None,
        kind: Annotated[PartyEnum | None, strawberry.argument(
                description="Only this party of the linkage (community, social organisation, social workers).")] = None,
        pilot: Annotated[bool | None, strawberry.argument(
                description="true: only the pilot communities' organisations; false: only the others; "
                            "omitted: all.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> OrganisationConnection:
        limit = page_size(first)
        rows = await _fetch(info, linkage_organisations.search_organisations,
                            district=parse_district(district).value if district else None,
                            kind=kind.value if kind else None, pilot=pilot, after_seq=decode_cursor("o", after),
                            limit=limit)
        edges = [OrganisationEdge(cursor=encode_cursor("o", row["seq"]), node=OrganisationType.from_row(row))
                 for row in rows[:limit]]
        return OrganisationConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(
        description=("One linkage organisation (social organisation, station or community party) by its global ID, "
                     "with its staff and the districts it serves."),
        permission_classes=[CanRead])
    async def linkage_organisation(self, info: Info, id: strawberry.ID) -> OrganisationType:
        key = uuid_of(id, "LinkageOrganisation")
        return OrganisationType.from_row(await _row(access.organisations(info), key, "organisation", id))

    @strawberry.field(description=page_limit() + "Collected needs, by community, resident, status or category; personal"
                                                 " data masked by role.", permission_classes=[CanRead])
    async def needs(
        self, info: Info,
        community_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only needs collected in this community (its global ID).")] = None,
        resident_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only this resident's needs.")] = None,
        status: Annotated[str | None, strawberry.argument(
                description="Only needs in this status.")] = None,
        category: Annotated[str | None, strawberry.argument(
                description="Only needs of this taxonomy category (its code).")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> NeedConnection:
        limit = page_size(first)
        rows = await _fetch(info, linkage_needs.search_needs,
                            community_id=_opt_uuid(community_id, "LinkageOrganisation"),
                            resident_id=_opt_uuid(resident_id, "Resident"), status=status, category=category,
                            after_seq=decode_cursor("n", after), limit=limit)
        edges = [NeedEdge(cursor=encode_cursor("n", row["seq"]), node=NeedType.from_row(row)) for row in rows[:limit]]
        return NeedConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(
        description="One collected need by its global ID; its personal data masked by role.",
        permission_classes=[CanRead])
    async def need(self, info: Info, id: strawberry.ID) -> NeedType:
        return NeedType.from_row(await _row(access.needs(info), uuid_of(id, "Need"), "need", id))

    @strawberry.field(permission_classes=[CanRead],
                      description=page_limit() + "Referrals by community, organisation, resident, "
                      "status; a street office lists what was escalated to it with district, street, escalated.")
    async def referrals(
        self, info: Info,
        community_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only referrals of needs from this community.")] = None,
        organisation_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only referrals sent to this organisation.")] = None,
        resident_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only this resident's referrals.")] = None,
        status: Annotated[ReferralStatusEnum | None, strawberry.argument(
                description="Only referrals in this status.")] = None,
        district: Annotated[str | None, strawberry.argument(
                description="With street and escalated: what was escalated to a street office of this district (code or"
                            " name).")] = None,
        street: Annotated[str | None, strawberry.argument(
                description="The street office (with district).")] = None,
        escalated: Annotated[bool | None, strawberry.argument(
                description="true: only referrals escalated for missing their deadlines.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> ReferralConnection:
        limit = page_size(first)
        rows = await _fetch(info, linkage_referrals.search_referrals,
                            community_id=_opt_uuid(community_id, "LinkageOrganisation"),
                            organisation_id=_opt_uuid(organisation_id, "LinkageOrganisation"),
                            resident_id=_opt_uuid(resident_id, "Resident"), status=status.value if status else None,
                            district=parse_district(district).value if district else None, street=street,
                            escalated=escalated, after_seq=decode_cursor("f", after), limit=limit)
        edges = [ReferralEdge(cursor=encode_cursor("f", row["seq"]), node=ReferralType.from_row(row))
                 for row in rows[:limit]]
        return ReferralConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead], description="A referral with its full history.")
    async def referral(self, info: Info, id: strawberry.ID) -> ReferralType:
        return ReferralType.from_row(await _row(access.referrals(info), uuid_of(id, "Referral"), "referral", id))

    @strawberry.field(
        description="One linkage task by its global ID: the work, its owner, due date and progress.",
        permission_classes=[CanRead])
    async def linkage_task(self, info: Info, id: strawberry.ID) -> LinkageTaskType:
        return LinkageTaskType.from_row(await _row(access.tasks(info), uuid_of(id, "LinkageTask"), "task", id))

    @strawberry.field(permission_classes=[CanRead],
                      description=page_limit() + "A community's three-party meetings, newest first.")
    async def three_party_meetings(
        self, info: Info,
        community_id: Annotated[strawberry.ID, strawberry.argument(
                description="The community whose meetings are listed (its global ID).")],
        first: int | None = 20,
        after: str | None = None,
    ) -> MeetingConnection:
        limit = page_size(first)
        rows = await _fetch(info, meetings_of, community_id=uuid_of(community_id, "LinkageOrganisation"),
                            before_seq=decode_cursor("m", after), limit=limit)
        edges = [MeetingEdge(cursor=encode_cursor("m", row["seq"]), node=ThreePartyMeetingType.from_row(row))
                 for row in rows[:limit]]
        return MeetingConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead],
                      description=page_limit() + "What an organisation (or one person: `staffId`) "
                      "has to do, soonest due first, bucketed at `asOf` (default now).")
    async def linkage_work_queue(
        self, info: Info,
        organisation_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="The organisation whose work is listed (give either this or staffId).")] = None,
        staff_id: Annotated[str | None, strawberry.argument(
                description="One staff member's work (give either this or organisationId).")] = None,
        bucket: Annotated[r.BucketEnum | None, strawberry.argument(
                description="Only this bucket (overdue, due soon, ...); omitted: all.")] = None,
        as_of: Annotated[datetime | None, strawberry.argument(
                description="The instant the buckets are computed at (default: now).")] = None,
        due_soon_hours: Annotated[int, strawberry.argument(
                description="How close a deadline counts as due soon, in hours: 1 to 720 (30 days), default 48.")] = 48,
        first: int | None = 20,
        after: str | None = None,
    ) -> r.QueueConnection:
        if (organisation_id is None) == (staff_id is None):
            raise InvalidInputError("give either organisationId or staffId", field="organisationId")
        if not 1 <= due_soon_hours <= 24 * 30:
            raise InvalidInputError("dueSoonHours must be between 1 and 720", field="dueSoonHours")
        limit = page_size(first)
        organisation = _opt_uuid(organisation_id, "LinkageOrganisation")
        moment, soon = as_of or datetime.now(UTC), timedelta(hours=due_soon_hours)
        async with info.context.runtime.read_pool.acquire() as conn:
            counts = await queue_counts(conn, organisation_id=organisation, staff_id=staff_id, as_of=moment,
                                        due_soon=soon)
            rows = await queue_page(conn, organisation_id=organisation, staff_id=staff_id, as_of=moment,
                                    due_soon=soon, bucket=bucket.value if bucket else None,
                                    after=r.decode_queue_cursor(after), limit=limit)
        edges = [r.QueueEdge(cursor=r.queue_cursor(row), node=r.QueueItemType(row=row)) for row in rows[:limit]]
        return r.QueueConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None),
                                 counts=r.QueueCountsType(overdue=counts["OVERDUE"], due_soon=counts["DUE_SOON"],
                                                          open=counts["OPEN"]))

    @strawberry.field(permission_classes=[CanRead], description="One community's figures at `asOf` (default now).")
    async def community_dashboard(
        self, info: Info,
        community_id: Annotated[strawberry.ID, strawberry.argument(
                description="The community committee (its global ID).")],
        as_of: Annotated[datetime | None, strawberry.argument(
                description="The instant the figures are computed at (default: now).")] = None,
    ) -> r.DashboardType:
        key = uuid_of(community_id, "LinkageOrganisation")
        await _row(access.organisations(info), key, "organisation", community_id)
        async with info.context.runtime.read_pool.acquire() as conn:
            return r.DashboardType(board=await community_dashboard(conn, key, as_of or datetime.now(UTC)))

    @strawberry.field(permission_classes=[CanRead],
                      description=page_limit(100, 12) + "Dashboards of the community committees: the 12 "
                      "pilot communities by default (`pilot: false` for the others, `pilot: null` for all).")
    async def community_dashboards(
        self, info: Info,
        pilot: Annotated[bool | None, strawberry.argument(
                description="true (default): the pilot communities; false: the others; null: all.")] = True,
        district: Annotated[str | None, strawberry.argument(
                description="District code (HAIZHU) or name (海珠区); omitted: every district the caller may "
                            "see.")] = None,
        as_of: Annotated[datetime | None, strawberry.argument(
                description="The instant the figures are computed at (default: now).")] = None,
        first: int | None = 12,
        after: str | None = None,
    ) -> r.DashboardConnection:
        limit = page_size(first, default=12)
        moment = as_of or datetime.now(UTC)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await linkage_organisations.search_organisations(
                conn, district=parse_district(district).value if district else None, kind="COMMUNITY_COMMITTEE",
                pilot=pilot, after_seq=decode_cursor("d", after), limit=limit)
            edges = [r.DashboardEdge(cursor=encode_cursor("d", row["seq"]),
                                     node=r.DashboardType(board=await community_dashboard(conn, row["id"], moment)))
                     for row in rows[:limit]]
        return r.DashboardConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanAudit],
                      description=page_limit() + "Personal data shared with leads, newest first: "
                      "filter `basis: \"SAFETY_OVERRIDE\"` for the overrides and their reasons.")
    async def linkage_data_sharing(
        self, info: Info,
        basis: Annotated[str | None, strawberry.argument(
                description="Only shares on this basis, e.g. CONSENT or SAFETY_OVERRIDE; omitted: all.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> r.DataSharingConnection:
        limit = page_size(first)
        rows = await _fetch(info, linkage_referrals.data_sharing, basis=basis, before=decode_cursor("s", after),
                            limit=limit)
        edges = [r.DataSharingEdge(cursor=encode_cursor("s", row["position"]), node=r.DataSharingType(row=row))
                 for row in rows[:limit]]
        return r.DataSharingConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))
