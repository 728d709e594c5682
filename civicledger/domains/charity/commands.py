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
