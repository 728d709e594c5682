"""Small values shared by the linkage aggregates: how a need came in, how urgent it is, and how the
resident's own word (consent, feedback, withdrawal) was confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Channel(str, Enum):
    VISIT = "VISIT"  # 入户走访
    SURVEY = "SURVEY"  # 需求调查
    HOTLINE = "HOTLINE"  # 12345 热线
    WALK_IN = "WALK_IN"  # 来访
    PROGRAM_REFERRAL = "PROGRAM_REFERRAL"  # referred by another program (assistance, casework, ...)


class Urgency(str, Enum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"  # a risk to safety or health: halves the SLA, allows the safety override


class ConfirmationMethod(str, Enum):
    """How the resident confirmed what a caseworker records on their behalf."""

    SIGNED_FORM = "SIGNED_FORM"  # 书面签字
    IN_PERSON = "IN_PERSON"  # 当面确认
    PHONE_CALLBACK = "PHONE_CALLBACK"  # 电话回访, call logged
    SMS_REPLY = "SMS_REPLY"  # 短信回复
    ONLINE = "ONLINE"  # the resident's own confirmation on an online service (e.g. 穗好办)


@dataclass(frozen=True)
class Confirmation:
    """The resident's confirmation: its method and a reference that finds the form, call log or message.
    Never the resident's words themselves (those are personal data, kept sealed where they are recorded)."""

    method: ConfirmationMethod
    reference: str


class SharingBasis(str, Enum):
    CONSENT = "CONSENT"  # the resident agreed
    SAFETY_OVERRIDE = "SAFETY_OVERRIDE"  # urgent risk to safety, recorded with a reason, shown to inspectors


@dataclass(frozen=True)
class MeansDeclaration:
    """A household member's own declaration for an application to another program: monthly income and
    assets in yuan. Personal data of that member (sealed under their key)."""

    monthly_income: Decimal
    assets: Decimal
