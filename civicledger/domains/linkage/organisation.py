"""A party to three-society linkage: a community committee, a social organisation or a social-work station,
with the staff who may act for it."""

from __future__ import annotations

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import (
    NotOrganisationStaffError,
    OrganisationKindError,
    OrganisationOutsideServiceAreaError,
    StaffMemberAlreadyAddedError,
    StaffMemberUnknownError,
)
from civicledger.domains.linkage.taxonomy import PartyType


class Organisation(CivicAggregate):
    """Only its staff act for it: a principal whose user id is on the staff list, or whose token names the
    organisation's office (a station's whole team shares one office code). It takes referrals only for the
    districts it serves. A community committee is the committee of exactly one community."""

    class Registered(CivicAggregate.Created):
        name: str
        kind: PartyType
        district: str
        street: str
        community: str | None
        office: str | None
        service_districts: tuple[str, ...]
        pilot: bool

    @event(Registered)
    def __init__(self, name: str, kind: PartyType, district: str, street: str, community: str | None,
                 office: str | None, service_districts: tuple[str, ...], pilot: bool) -> None:
        self.name = name
        self.kind = kind
        self.district = district
        self.street = street
        self.community = community
        self.office = office
        self.service_districts = tuple(service_districts)
        self.pilot = pilot
        self.staff: dict[str, str] = {}

    # -- staff ---------------------------------------------------------------------------------------------

    def add_staff_member(self, staff_id: str, title: str) -> None:
        if staff_id in self.staff:
            raise StaffMemberAlreadyAddedError(staff_id)
        self._staff_member_added(staff_id=staff_id, title=title)

    @event("StaffMemberAdded")
    def _staff_member_added(self, staff_id: str, title: str) -> None:
        self.staff[staff_id] = title

    def remove_staff_member(self, staff_id: str) -> None:
        if staff_id not in self.staff:
            raise StaffMemberUnknownError(staff_id)
        self._staff_member_removed(staff_id=staff_id)

    @event("StaffMemberRemoved")
    def _staff_member_removed(self, staff_id: str) -> None:
        del self.staff[staff_id]

    # -- checks the service asks ---------------------------------------------------------------------------

    def has_member(self, actor_id: str, actor_office: str | None) -> bool:
        return actor_id in self.staff or (self.office is not None and actor_office == self.office)

    def check_member(self, actor_id: str, actor_office: str | None) -> None:
        if not self.has_member(actor_id, actor_office):
            raise NotOrganisationStaffError(self.id, actor_id)

    def check_kind(self, kind: PartyType) -> None:
        if self.kind is not kind:
            raise OrganisationKindError(self.id, self.kind.value, kind.value)

    def check_serves(self, district: str) -> None:
        if district not in self.service_districts:
            raise OrganisationOutsideServiceAreaError(self.id, district)
