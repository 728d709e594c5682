"""A household: the unit social assistance assesses (members and their relationship to the head)."""

from __future__ import annotations

from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.residents.errors import (
    AlreadyInHouseholdError,
    HeadCannotLeaveError,
    NotAHouseholdMemberError,
    SecondHeadError,
)


class Relationship(str, Enum):
    HEAD = "HEAD"  # 户主
    SPOUSE = "SPOUSE"  # 配偶
    CHILD = "CHILD"  # 子女
    PARENT = "PARENT"  # 父母
    GRANDPARENT = "GRANDPARENT"  # (外)祖父母
    GRANDCHILD = "GRANDCHILD"  # (外)孙子女
    SIBLING = "SIBLING"  # 兄弟姐妹
    CHILD_IN_LAW = "CHILD_IN_LAW"  # 儿媳/女婿
    OTHER_RELATIVE = "OTHER_RELATIVE"
    OTHER = "OTHER"


class Household(CivicAggregate):
    """Members with their relationship to the head. Exactly one head while anyone remains; a resident is in
    at most one household at a time (the service claims each membership city-wide)."""

    class Established(CivicAggregate.Created):
        head_id: UUID
        district: str

    @event(Established)
    def __init__(self, head_id: UUID, district: str) -> None:
        self.head_id: UUID | None = head_id
        self.district = district
        self.members: dict[UUID, Relationship] = {head_id: Relationship.HEAD}

    def add_member(self, resident_id: UUID, relationship: Relationship) -> None:
        if resident_id in self.members:
            raise AlreadyInHouseholdError(resident_id)
        if relationship is Relationship.HEAD:
            raise SecondHeadError()
        self._member_added(resident_id=resident_id, relationship=relationship)

    @event("MemberAdded")
    def _member_added(self, resident_id: UUID, relationship: Relationship) -> None:
        self.members[resident_id] = relationship

    def remove_member(self, resident_id: UUID, new_head_id: UUID | None = None) -> None:
        if resident_id not in self.members:
            raise NotAHouseholdMemberError(resident_id)
        if resident_id == self.head_id and len(self.members) > 1 and (
            new_head_id is None or new_head_id not in self.members or new_head_id == resident_id
        ):
            raise HeadCannotLeaveError()
        self._member_removed(resident_id=resident_id,
                             new_head_id=new_head_id if resident_id == self.head_id else None)

    @event("MemberRemoved")
    def _member_removed(self, resident_id: UUID, new_head_id: UUID | None) -> None:
        del self.members[resident_id]
        if resident_id == self.head_id:
            self.head_id = new_head_id
            if new_head_id is not None:
                self.members[new_head_id] = Relationship.HEAD

    @property
    def size(self) -> int:
        return len(self.members)
