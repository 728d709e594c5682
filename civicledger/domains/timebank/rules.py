"""The time bank's figures. DESIGN §4.3 states none beyond "hours recorded, banked and redeemed"; these are ours,
documented in README:

- hours are counted in quarter hours (0.25), at most 12 hours for one service record (one day's service);
- a transfer to a family member (same household) moves at most 50 hours at once and at most 100 hours a
  calendar year (Asia/Shanghai) out of one account — the bank exists for the volunteer's own later needs;
- a redemption redeems at most 200 hours at once."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

from civicledger.core.money import decimal_number
from civicledger.domains.timebank.errors import TimeBankValueInvalidError

QUARTER = Decimal("0.25")
MAX_RECORD_HOURS = Decimal("12")
MAX_REDEMPTION_HOURS = Decimal("200")
MAX_TRANSFER_HOURS = Decimal("50")
YEARLY_TRANSFER_HOURS = Decimal("100")
ZERO = Decimal("0.00")


class ServiceCategory(str, Enum):
    ELDER_CARE = "ELDER_CARE"  # 助老
    CHILD_CARE = "CHILD_CARE"  # 助幼 / 留守儿童
    DISABILITY_SUPPORT = "DISABILITY_SUPPORT"  # 助残
    COMMUNITY_AFFAIRS = "COMMUNITY_AFFAIRS"  # 社区事务
    MEDICAL_ESCORT = "MEDICAL_ESCORT"  # 陪诊
    EDUCATION = "EDUCATION"  # 教育辅导
    ENVIRONMENT = "ENVIRONMENT"  # 环保
    OTHER = "OTHER"


class RecordStatus(str, Enum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


def hours(raw: object, field: str, maximum: Decimal) -> Decimal:
    """Positive hours in quarter hours, at most `maximum` (ASCII numbers only; see core/money.py)."""
    if isinstance(raw, str) and not raw.isascii():  # a full-width ２ is refused, not read as 2
        raise TimeBankValueInvalidError(field, "hours are written in ASCII digits")
    try:
        value = decimal_number(raw, field=field, limit=Decimal("100000"))
    except TimeBankValueInvalidError:
        raise
    except Exception as exc:  # InvalidInputError from the number parser: say it in this program's words
        raise TimeBankValueInvalidError(field, getattr(exc, "message", "not a number")) from None
    if value <= 0:
        raise TimeBankValueInvalidError(field, "must be more than 0")
    if value > maximum:
        raise TimeBankValueInvalidError(field, f"at most {maximum} hours", maximum=str(maximum))
    if value % QUARTER != 0:
        raise TimeBankValueInvalidError(field, "hours are counted in quarter hours (0.25)")
    return value.quantize(Decimal("0.01"))


def category(raw: str) -> ServiceCategory:
    try:
        return ServiceCategory(raw)
    except ValueError:
        raise TimeBankValueInvalidError("category", "unknown category",
                                        allowed=[c.value for c in ServiceCategory]) from None
