"""The closed sets of charity matching, and the resident's confirmation of consent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class NeedCategory(str, Enum):
    """What the account names (留守儿童, 流浪乞讨救助, 医疗救助) and the other fields charity serves here."""

    LEFT_BEHIND_CHILDREN = "LEFT_BEHIND_CHILDREN"
    VAGRANT_AID = "VAGRANT_AID"
    MEDICAL_AID = "MEDICAL_AID"
    ELDER_CARE = "ELDER_CARE"
    DISABILITY = "DISABILITY"
    EDUCATION = "EDUCATION"
    HARDSHIP = "HARDSHIP"
    OTHER = "OTHER"


class SupportKind(str, Enum):
    MONEY = "MONEY"  # quantities in yuan (2 places)
    GOODS = "GOODS"  # quantities in units
    SERVICES = "SERVICES"  # quantities in units (hours, visits, sessions)


class NeedSource(str, Enum):
    """The program whose case the need comes from."""

    LINKAGE = "LINKAGE"  # a linkage need (三社联动)
    ASSISTANCE = "ASSISTANCE"  # a social-assistance case
    CASEWORK = "CASEWORK"  # a social-work case


class NeedStatus(str, Enum):
    OPEN = "OPEN"  # published, not yet fully met
    MET = "MET"  # fulfilled in full
    WITHDRAWN = "WITHDRAWN"  # taken down (consent withdrawn, or no longer needed)


class MatchStatus(str, Enum):
    PROPOSED = "PROPOSED"
    ACCEPTED = "ACCEPTED"
    FULFILLED = "FULFILLED"
    DECLINED = "DECLINED"


class ConsentBasis(str, Enum):
    SOURCE = "SOURCE"  # the consent the source program recorded (a linkage need's)
    CONFIRMATION = "CONFIRMATION"  # the resident's confirmation, given with the publication


class ConfirmationMethod(str, Enum):
    SIGNED_FORM = "SIGNED_FORM"
    IN_PERSON = "IN_PERSON"
    PHONE_CALLBACK = "PHONE_CALLBACK"
    SMS_REPLY = "SMS_REPLY"
    ONLINE = "ONLINE"


@dataclass(frozen=True)
class Confirmation:
    """How the resident confirmed their consent to publication, and a reference that finds the form or log."""

    method: ConfirmationMethod
    reference: str
