"""A social-work station (社工站/家综) of a street or community, with the social workers on its staff and the
services and special projects it runs."""

from __future__ import annotations

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.casework.catalogue import StationLevel
from civicledger.domains.casework.errors import (
    SocialWorkerAlreadyAddedError,
    SocialWorkerUnknownError,
    StationServiceNotOfferedError,
)


class Station(CivicAggregate):
    """Only its social workers act for it: a principal whose user id is on its staff list, or whose token names
    the station's office (a station's team shares one office code, unique city-wide). It takes cases only for
    the services it runs."""

    class Registered(CivicAggregate.Created):
        name: str
        level: StationLevel
        district: str
        street: str
        community: str | None
        office: str
        services: tuple[str, ...]

    @event(Registered)
    def __init__(self, name: str, level: StationLevel, district: str, street: str, community: str | None,
                 office: str, services: tuple[str, ...]) -> None:
        self.name = name
        self.level = level
        self.district = district
        self.street = street
        self.community = community
        self.office = office
        self.services = tuple(services)
        self.social_workers: dict[str, str] = {}

    def add_social_worker(self, staff_id: str, title: str) -> None:
        if staff_id in self.social_workers:
            raise SocialWorkerAlreadyAddedError(self.id, staff_id)
        self._social_worker_added(staff_id=staff_id, title=title)

    @event("SocialWorkerAdded")
    def _social_worker_added(self, staff_id: str, title: str) -> None:
        self.social_workers[staff_id] = title

    def remove_social_worker(self, staff_id: str) -> None:
        self.check_social_worker(staff_id)
        self._social_worker_removed(staff_id=staff_id)

    @event("SocialWorkerRemoved")
    def _social_worker_removed(self, staff_id: str) -> None:
        del self.social_workers[staff_id]

    # -- checks the service asks ---------------------------------------------------------------------------

    def has_member(self, actor_id: str, actor_office: str | None) -> bool:
        return actor_id in self.social_workers or actor_office == self.office

    def check_social_worker(self, staff_id: str) -> None:
        if staff_id not in self.social_workers:
            raise SocialWorkerUnknownError(self.id, staff_id)

    def check_runs(self, service: str) -> None:
        if service not in self.services:
            raise StationServiceNotOfferedError(self.id, service)
