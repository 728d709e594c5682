"""Expected failures of charity matching. Each subclasses a core error (its stable GraphQL code)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from civicledger.core.errors import ForbiddenError, InvalidInputError, NotFoundError, RuleViolationError


class CharityValueInvalidError(InvalidInputError):
    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class CharityNeedNotAnonymousError(InvalidInputError):
    """A published text must not identify the resident: no ID number, phone number or name."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"{field} must be anonymous: it contains {what}", field=field, found=what)


class CharityConsentMissingError(RuleViolationError):
    """A need is published only with the resident's consent (recorded by the source program, or confirmed)."""

    def __init__(self, source: str, source_id: UUID, why: str) -> None:
        super().__init__(f"no consent to publish this need: {why}", source=source, sourceId=str(source_id))


class CharityNeedAlreadyPublishedError(RuleViolationError):
    def __init__(self, source_id: UUID, need_id: UUID) -> None:
        super().__init__("this case's need is already published", sourceId=str(source_id), needId=str(need_id))


class CharityRecordNotFoundError(NotFoundError):
    def __init__(self, label: str, record_id: UUID) -> None:
        super().__init__(f"{label} {record_id} not found", id=str(record_id))


class CharityStatusError(RuleViolationError):
    def __init__(self, label: str, record_id: UUID, status: str, action: str) -> None:
        super().__init__(f"{label} {record_id} is {status}: cannot {action}", id=str(record_id), status=status)


class CharityMatchOutsideConditionsError(RuleViolationError):
    """An offer goes only to needs within its conditions (kind, categories, districts)."""

    def __init__(self, offer_id: UUID, condition: str, wanted: object, offered: object) -> None:
        super().__init__(f"the offer's {condition} condition does not allow this need ({wanted} not in {offered})",
                         offerId=str(offer_id), condition=condition, need=str(wanted), allowed=str(offered))


class CharityQuantityExceededError(RuleViolationError):
    def __init__(self, what: str, requested: Decimal, available: Decimal) -> None:
        super().__init__(f"{requested} requested but the {what} has only {available} left", what=what,
                         requested=str(requested), available=str(available))


class CharityCaseworkerOnlyError(ForbiddenError):
    """Matches are accepted and fulfilment confirmed by caseworkers (or supervisors) of the need's district."""

    def __init__(self, role: str) -> None:
        super().__init__("only a caseworker or supervisor of the need's district may do this", role=role)
