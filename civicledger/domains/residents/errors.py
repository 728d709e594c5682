from __future__ import annotations

from uuid import UUID

from civicledger.core.errors import ConflictError, InvalidInputError, RuleViolationError


class ResidentIdNumberTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("a resident with this ID number is already registered", field="idNumber")


class ResidentDeceasedError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the resident is recorded as deceased", residentId=str(resident_id))


class ResidentErasedError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the resident's personal data has been erased", residentId=str(resident_id))


class NothingToCorrectError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__("the correction changes nothing")


class AlreadyInHouseholdError(ConflictError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the resident already belongs to a household", residentId=str(resident_id))


class NotAHouseholdMemberError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the resident is not a member of this household", residentId=str(resident_id))


class HeadCannotLeaveError(RuleViolationError):
    def __init__(self) -> None:
        super().__init__("the head of household can leave only when a new head is named or nobody else remains")


class SecondHeadError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__("a household has exactly one head; add members with their relationship to the head",
                         field="relationship")
