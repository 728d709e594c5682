"""Linkage views that are not nodes: community dashboards, work queues, the routing table and its history,
and the record of personal data shared with leads (for inspectors)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.core.errors import InvalidInputError
from civicledger.graphql.linkage import access
from civicledger.graphql.linkage.referral_types import ReferralType
from civicledger.graphql.linkage.taxonomy import SubItemType, sub_item_type
from civicledger.graphql.linkage.types import (
    LIST_DEFAULT,
    LIST_MAX,
    ListAfter,
    ListFirst,
    NeedType,
    OrganisationType,
    UrgencyEnum,
    _organisation,
)
from civicledger.graphql.linkage.work_types import LinkageTaskType
from civicledger.graphql.relay import connection, decode_cursor, keyset_page, page_limit, page_size
from civicledger.projections.linkage_dashboard import Dashboard
from civicledger.projections.linkage_routing import routing_changes


@strawberry.type(name="LinkageCount", description="One count of a dashboard's breakdown: what is counted, and "
                                                  "how many.")
class CountType:
    key: str = strawberry.field(description="What is counted: a need category or a referral status, as the "
                                "field's description says.")
    count: int = strawberry.field(description="How many, at the dashboard's `asOf`.")


@strawberry.type(name="CommunityDashboard", description="One community's linkage figures at `asOf`.")
class DashboardType:
    board: strawberry.Private[Dashboard]

    @strawberry.field(description="The community (its residents' committee, an organisation of the linkage).")
    async def community(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.board.community_id)

    @strawberry.field(description="The moment the figures are computed at (UTC).")
    def as_of(self) -> datetime:
        return self.board.as_of

    @strawberry.field(description="Needs collected, by category (4 categories).")
    def needs_by_category(self) -> list[CountType]:
        return [CountType(key=k, count=v) for k, v in self.board.needs_by_category.items()]

    @strawberry.field(description="Referrals, by status (one count per referral status).")
    def referrals_by_status(self) -> list[CountType]:
        return [CountType(key=k, count=v) for k, v in self.board.referrals_by_status.items()]

    @strawberry.field(description="Median hours from the first referral to the first acceptance.")
    def median_hours_to_accept(self) -> float | None:
        return self.board.median_hours_to_accept

    @strawberry.field(description="Median hours from the first referral to completion.")
    def median_hours_to_complete(self) -> float | None:
        return self.board.median_hours_to_complete

    @strawberry.field(description="Open referrals past their running deadline at `asOf`.")
    def overdue(self) -> int:
        return self.board.overdue

    @strawberry.field(description="Referrals escalated to the street office at least once.")
    def escalated(self) -> int:
        return self.board.escalated

    @strawberry.field(description="Mean of the residents' satisfaction scores (1 to 5).")
    def satisfaction_mean(self) -> float | None:
        return self.board.satisfaction_mean

    @strawberry.field(description="How many satisfaction scores `satisfactionMean` averages.")
    def satisfaction_count(self) -> int:
        return self.board.satisfaction_count

    @strawberry.field(description="Three-party meetings held.")
    def meetings(self) -> int:
        return self.board.meetings

    @strawberry.field(description="The day of the latest three-party meeting (null: none held).")
    def last_meeting_on(self) -> date | None:
        return self.board.last_meeting_on


@strawberry.type(name="CommunityDashboardEdge")
class DashboardEdge:
    cursor: str
    node: DashboardType


@strawberry.type(name="CommunityDashboardConnection")
class DashboardConnection:
    edges: list[DashboardEdge]
    page_info: relay.PageInfo


# -- work queues ---------------------------------------------------------------------------------------


@strawberry.enum(name="WorkQueueBucket", description="How close an item's deadline is, at the queue's `asOf`.")
class BucketEnum(Enum):
    OVERDUE = strawberry.enum_value("OVERDUE", description="Past its deadline.")
    DUE_SOON = strawberry.enum_value("DUE_SOON", description="Due within `dueSoonHours`.")
    OPEN = strawberry.enum_value("OPEN", description="Due later, or without a deadline.")


@strawberry.type(name="WorkQueueItem", description="Something to do: REFERRAL_TO_ANSWER, REFERRAL_TO_COMPLETE, "
                 "TASK, NEED_TO_REFER, REFERRAL_TO_REASSIGN or FEEDBACK_TO_COLLECT.")
class QueueItemType:
    row: strawberry.Private[Any]

    @strawberry.field(description="What to do: one of the kinds listed in the type's description.")
    def kind(self) -> str:
        return self.row["kind"]

    @strawberry.field(description="OVERDUE, DUE_SOON or OPEN, at the queue's asOf.")
    def bucket(self) -> BucketEnum:
        return BucketEnum(self.row["bucket"])

    @strawberry.field(description="The deadline running now.")
    def due(self) -> datetime | None:
        return self.row["due"]

    @strawberry.field(description="Routine or urgent.")
    def urgency(self) -> UrgencyEnum:
        return UrgencyEnum(self.row["urgency"])

    @strawberry.field(description="The need's category and sub-item.")
    def sub_item(self) -> SubItemType:
        return sub_item_type(self.row["sub_item"])

    @strawberry.field(description="The referral (for a task: the referral it is under).")
    async def referral(self, info: Info) -> ReferralType | None:
        if self.row["referral_id"] is None:
            return None
        row = await access.referrals(info).load(self.row["referral_id"])
        return ReferralType.from_row(row) if row else None

    @strawberry.field(description="The need it is about (personal data masked by role).")
    async def need(self, info: Info) -> NeedType | None:
        row = await access.needs(info).load(self.row["need_id"])
        return NeedType.from_row(row) if row else None

    @strawberry.field(description="The task, for a TASK item (null for the other kinds).")
    async def task(self, info: Info) -> LinkageTaskType | None:
        if self.row["task_id"] is None:
            return None
        row = await access.tasks(info).load(self.row["task_id"])
        return LinkageTaskType.from_row(row) if row else None


@strawberry.type(name="WorkQueueCounts", description="How many items of the whole queue (every page) are in each "
                                                     "bucket at the queue's `asOf`.")
class QueueCountsType:
    overdue: int = strawberry.field(description="Items whose deadline has passed.")
    due_soon: int = strawberry.field(description="Items due within `dueSoonHours`.")
    open: int = strawberry.field(description="Items due later, or without a running deadline.")


@strawberry.type(name="WorkQueueEdge")
class QueueEdge:
    cursor: str
    node: QueueItemType


@strawberry.type(name="WorkQueueConnection")
class QueueConnection:
    edges: list[QueueEdge]
    page_info: relay.PageInfo
    counts: QueueCountsType = strawberry.field(description="The queue's items by bucket, across every page "
                                               "(the `bucket` filter aside).")


def queue_cursor(row: Any) -> str:
    due = row["sort_due"]  # 'infinity' (no due time) comes back as datetime.max
    key = "inf" if not isinstance(due, datetime) or due.year == 9999 else due.isoformat()
    return base64.urlsafe_b64encode(f"q|{key}|{row['item_id']}".encode()).decode().rstrip("=")


def decode_queue_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, due, item = raw.split("|")
        if prefix != "q":
            raise ValueError(prefix)
        if due == "inf":
            instant = datetime.max.replace(tzinfo=UTC)
        else:
            instant = datetime.fromisoformat(due)  # ASCII only; an instant without a zone is not ours
            if instant.tzinfo is None:
                raise ValueError(due)
        return instant, ascii_uuid(item, field="after")
    except (ValueError, UnicodeDecodeError, InvalidInputError):
        raise InvalidInputError("malformed cursor", field="after") from None


# -- the routing table ---------------------------------------------------------------------------------


@strawberry.type(name="LinkageRoute", description="A sub-item's lead party and SLA as the table says now.")
class RouteType:
    sub_item: SubItemType = strawberry.field(description="The sub-item routed.")
    lead_party: str = strawberry.field(description="The party that leads it.")
    accept_within_hours: int = strawberry.field(description="Hours the lead has to accept (halved when urgent).")
    complete_within_days: int = strawberry.field(description="Days the lead has to complete (halved when urgent).")
    since_version: int = strawberry.field(description="The table version that set this route (0: the default).")


@strawberry.type(name="LinkageRouteChange", description="One edit of the routing table: who, why, when.")
class RouteChangeType:
    version: int = strawberry.field(description="The table's version after the edit.")
    sub_item: str = strawberry.field(description="The sub-item's code.")
    lead_party: str = strawberry.field(description="The new lead party.")
    accept_within_hours: int = strawberry.field(description="The new hours to accept.")
    complete_within_days: int = strawberry.field(description="The new days to complete.")
    changed_by: str = strawberry.field(description="User id of the admin who changed it.")
    reason: str | None = strawberry.field(description="Why it changed.")
    changed_at: datetime = strawberry.field(description="When it changed.")


RouteChangeEdge, RouteChangeConnection = connection("LinkageRouteChange", RouteChangeType, "Edits of the routing "
                                                    "table, newest first.")


@strawberry.type(description=("Which party leads each kind of need, and how soon: the table in force and its "
                              "edits."), name="LinkageRoutingTable")
class RoutingTableType:
    version: int = strawberry.field(description="The table's version (0: the defaults, never edited).")
    routes: list[RouteType] = strawberry.field(description="One route per sub-item.")

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The table's edits, newest first (keyed by "
                      "the version each made).")
    async def changes(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                      ) -> RouteChangeConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await routing_changes(conn, before_version=decode_cursor("lroute", after), limit=limit)
        rows, cursors, page = keyset_page(rows, limit, "lroute", key="version")
        page.has_previous_page = after is not None
        return RouteChangeConnection(edges=[RouteChangeEdge(cursor=c, node=RouteChangeType(
            version=r["version"], sub_item=r["sub_item"], lead_party=r["lead_party"],
            accept_within_hours=r["accept_within_hours"], complete_within_days=r["complete_within_days"],
            changed_by=r["changed_by"], reason=r["reason"], changed_at=r["changed_at"]))
            for r, c in zip(rows, cursors, strict=True)], page_info=page)


# -- personal data shared with leads (inspectors) ------------------------------------------------------


@strawberry.type(name="LinkageDataSharing", description="Personal data shared with a lead: on what basis, by whom, "
                                                        "why (overrides), when.")
class DataSharingType:
    row: strawberry.Private[Any]

    @strawberry.field(description="The referral the data was shared for.")
    async def referral(self, info: Info) -> ReferralType | None:
        row = await access.referrals(info).load(self.row["referral_id"])
        return ReferralType.from_row(row) if row else None

    @strawberry.field(description="Whose data (the resident's UUID).")
    def resident_id(self) -> UUID:
        return self.row["resident_id"]

    @strawberry.field(description="Who received it.")
    async def organisation(self, info: Info) -> OrganisationType | None:
        return await _organisation(info, self.row["organisation_id"])

    @strawberry.field(description="CONSENT or SAFETY_OVERRIDE.")
    def basis(self) -> str:
        return self.row["basis"]

    @strawberry.field(description="Why consent was overridden (urgent needs only).")
    def override_reason(self) -> str | None:
        return self.row["override_reason"]

    @strawberry.field(description="User id of who shared it.")
    def shared_by(self) -> str:
        return self.row["shared_by"]

    @strawberry.field(description="When it was shared.")
    def shared_at(self) -> datetime:
        return self.row["shared_at"]

    @strawberry.field(description="The request that shared it.")
    def correlation_id(self) -> str | None:
        return self.row["correlation_id"]

    @strawberry.field(description="Position of the sharing event in the global log.")
    def position(self) -> int:
        return self.row["position"]


@strawberry.type(name="LinkageDataSharingEdge")
class DataSharingEdge:
    cursor: str
    node: DataSharingType


@strawberry.type(name="LinkageDataSharingConnection")
class DataSharingConnection:
    edges: list[DataSharingEdge]
    page_info: relay.PageInfo
