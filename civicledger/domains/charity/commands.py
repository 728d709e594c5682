"""Charity-matching commands: imperative, plain data; the service checks every value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from civicledger.domains.charity.values import Confirmation


@dataclass(frozen=True)
class PublishCharityNeed:
    source: str
    source_id: UUID
    category: str
    kind: str
    quantity: str
    summary: str
    needed_by: date | None = None
    consent_confirmation: Confirmation | None = None


@dataclass(frozen=True)
class WithdrawCharityNeed:
    need_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RegisterCharityOffer:
    donor_name: str
    kind: str
    quantity: str
    description: str
    categories: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposeCharityMatch:
    need_id: UUID
    offer_id: UUID
    quantity: str


@dataclass(frozen=True)
class AcceptCharityMatch:
    match_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class DeclineCharityMatch:
    match_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ConfirmCharityFulfilment:
    match_id: UUID
    outcome: str
    expected_version: int | None = None


@dataclass(frozen=True)
class LaunchCharityCampaign:
    title: str
    partners: tuple[str, ...]
    category: str
    target: str
    opens_on: date
    closes_on: date


@dataclass(frozen=True)
class PledgeToCharityCampaign:
    campaign_id: UUID
    donor_name: str
    amount: str


@dataclass(frozen=True)
class RecordCharityReceipt:
    campaign_id: UUID
    pledge_id: UUID
    receipt_number: str
    amount: str


@dataclass(frozen=True)
class CloseCharityCampaign:
    campaign_id: UUID
    expected_version: int | None = None
