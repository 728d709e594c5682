"""The routing table: for each sub-item, the lead party the advantage-led rule proposes and the default SLA.
One city-wide stream, so every edit is a versioned event and the table's history is its stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import LinkageValueInvalidError
from civicledger.domains.linkage.taxonomy import SUB_ITEMS, PartyType
from civicledger.domains.linkage.values import Urgency

ROUTING_TABLE_ID = uuid5(UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "civicledger:linkage:routing-table")


@dataclass(frozen=True)
class Route:
    lead: PartyType
    accept_within_hours: int
    complete_within_days: int

    def accept_within(self, urgency: Urgency) -> timedelta:
        hours = self.accept_within_hours / (2 if urgency is Urgency.URGENT else 1)
        return timedelta(hours=hours)

    def complete_within_hours(self, urgency: Urgency) -> int:
        hours = self.complete_within_days * 24
        return hours // 2 if urgency is Urgency.URGENT else hours


def default_routes() -> dict[str, Route]:
    return {s.code: Route(s.lead, s.accept_within_hours, s.complete_within_days) for s in SUB_ITEMS}


def check_route(route: Route) -> None:
    if not 1 <= route.accept_within_hours <= 24 * 30:
        raise LinkageValueInvalidError("acceptWithinHours", "must be between 1 hour and 30 days",
                                       value=route.accept_within_hours)
    if not 1 <= route.complete_within_days <= 365:
        raise LinkageValueInvalidError("completeWithinDays", "must be between 1 and 365 days",
                                       value=route.complete_within_days)


class RoutingTable(CivicAggregate):
    """Every one of the 16 sub-items has exactly one route. Version 0 is the taxonomy's defaults, before the
    first edit; the stream starts (with those defaults) at the first edit. A referral records the version it
    was routed by."""

    class Established(CivicAggregate.Created):
        routes: dict[str, Route]

    @staticmethod
    def create_id() -> UUID:
        return ROUTING_TABLE_ID

    @event(Established)
    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = dict(routes)

    def change_route(self, sub_item: str, route: Route, by: str) -> None:
        check_route(route)
        if self.routes.get(sub_item) == route:
            raise LinkageValueInvalidError("route", "the change changes nothing", subItem=sub_item)
        self._route_changed(sub_item=sub_item, lead=route.lead, accept_within_hours=route.accept_within_hours,
                            complete_within_days=route.complete_within_days, changed_by=by)

    @event("RouteChanged")
    def _route_changed(self, sub_item: str, lead: PartyType, accept_within_hours: int, complete_within_days: int,
                       changed_by: str) -> None:
        self.routes[sub_item] = Route(lead, accept_within_hours, complete_within_days)
