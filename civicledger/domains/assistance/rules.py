"""Pure calculation: what a household is entitled to under a standard, and why (findings).

Money is Decimal yuan: intermediate results keep full precision and the amount is rounded once, half-up to
the fen, so (standard − per-capita income) × size never picks up a stray fen from a rounded per-capita
figure. Income counted for a member is the larger of what they declared and what verification found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from civicledger.core.money import ZERO, round_fen
from civicledger.domains.assistance.programs import Payment, ProgramRule
from civicledger.domains.assistance.verification import SOURCES, DataSource, MemberRecord, SourceKind


@dataclass(frozen=True)
class Revision:
    """One published revision of a program's standard (frozen into every assessment that used it)."""

    revision: int
    effective_from: date
    amount: Decimal
    asset_limit_per_person: Decimal | None = None
    share: Decimal | None = None


@dataclass(frozen=True)
class Declaration:
    """What a member declared at application (or on a change of circumstances)."""

    monthly_income: Decimal
    assets: Decimal


@dataclass(frozen=True)
class MemberMeans:
    """Everything counted for one member: what they declared, what the sources found, what was counted."""

    declared_income: Decimal
    declared_assets: Decimal
    verified_income: Decimal
    verified_assets: Decimal
    counted_income: Decimal
    counted_assets: Decimal
    medical_costs: Decimal = ZERO
    medical_assistance_received: Decimal = ZERO
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    household_size: int
    total_income: Decimal
    per_capita_income: Decimal
    per_capita_assets: Decimal
    amount: Decimal
    eligible: bool
    findings: tuple[str, ...]


BLOCKING = frozenset({"INCOME_AT_OR_ABOVE_STANDARD", "ASSETS_ABOVE_LIMIT", "MEMBER_DECEASED", "NOTHING_PAYABLE"})


# -- the formulas -------------------------------------------------------------------------------------------

def gap_amount(standard: Decimal, total_income: Decimal, household_size: int) -> Decimal:
    """低保: (standard − per-capita monthly income) × household size, never negative, rounded to the fen."""
    if household_size < 1:
        raise ValueError("a household has at least one member")
    per_capita = total_income / household_size
    return round_fen(max(ZERO, (standard - per_capita) * household_size))


def per_person_amount(standard: Decimal, persons: int) -> Decimal:
    return round_fen(standard * max(0, persons))


def capped_one_off(need: Decimal, cap_per_person: Decimal, household_size: int) -> Decimal:
    return round_fen(max(ZERO, min(need, cap_per_person * household_size)))


def share_of_costs(costs: Decimal, share: Decimal, annual_cap: Decimal, received_this_year: Decimal) -> Decimal:
    """Medical assistance for one person: a share of out-of-pocket costs, within what is left of the cap."""
    return round_fen(max(ZERO, min(costs * share, annual_cap - received_this_year)))


def monthly_amount(payment: Payment, standard: Decimal, total_income: Decimal, household_size: int) -> Decimal:
    if payment is Payment.GAP:
        return gap_amount(standard, total_income, household_size)
    if payment is Payment.PER_PERSON:
        return per_person_amount(standard, household_size)
    return ZERO


# -- counting a member's means ------------------------------------------------------------------------------

def member_means(declared_income: Decimal, declared_assets: Decimal,
                 records: Mapping[DataSource, MemberRecord]) -> MemberMeans:
    income = sum((r.monthly_income for s, r in records.items() if SOURCES[s].kind is SourceKind.INCOME), ZERO)
    assets = sum((r.assets for s, r in records.items() if SOURCES[s].kind is SourceKind.ASSETS), ZERO)
    costs = sum((r.medical_costs for r in records.values()), ZERO)
    received = sum((r.medical_assistance_received for r in records.values()), ZERO)
    flags = tuple(sorted({f for r in records.values() for f in r.flags}))
    return MemberMeans(
        declared_income=declared_income, declared_assets=declared_assets,
        verified_income=round_fen(income), verified_assets=round_fen(assets),
        counted_income=max(declared_income, round_fen(income)), counted_assets=max(declared_assets, round_fen(assets)),
        medical_costs=round_fen(costs), medical_assistance_received=round_fen(received), flags=flags,
    )


# -- the assessment -----------------------------------------------------------------------------------------

def evaluate(rule: ProgramRule, revision: Revision, means: Mapping[UUID, MemberMeans],
             need: Decimal | None = None) -> Outcome:
    """Eligibility and amount (monthly, or once for one-off programs) with the findings behind them."""
    size = len(means)
    total_income = sum((m.counted_income for m in means.values()), ZERO)
    total_assets = sum((m.counted_assets for m in means.values()), ZERO)
    per_capita_income = round_fen(total_income / size) if size else ZERO
    per_capita_assets = round_fen(total_assets / size) if size else ZERO
    findings: set[str] = set()
    for m in means.values():
        if "DECEASED" in m.flags:
            findings.add("MEMBER_DECEASED")
        findings.update(f"FLAG_{f}" for f in m.flags if f != "DECEASED")
        if m.verified_income > m.declared_income:
            findings.add("UNDECLARED_INCOME")
        if m.verified_assets > m.declared_assets:
            findings.add("UNDECLARED_ASSETS")
    if rule.means_tested:
        limit = revision.asset_limit_per_person
        if limit is not None and total_assets > limit * size:
            findings.add("ASSETS_ABOVE_LIMIT")
        over = total_income > revision.amount * size if rule.payment is Payment.RECOGNITION \
            else total_income >= revision.amount * size
        if rule.monthly and over:
            findings.add("INCOME_AT_OR_ABOVE_STANDARD")
    amount = _amount(rule, revision, means, need, total_income, findings)
    if rule.payment is not Payment.RECOGNITION and amount <= 0:
        findings.add("NOTHING_PAYABLE")
    eligible = not (findings & BLOCKING)
    return Outcome(size, total_income, per_capita_income, per_capita_assets, amount if eligible else ZERO, eligible,
                   tuple(sorted(findings)))


def _amount(rule: ProgramRule, revision: Revision, means: Mapping[UUID, MemberMeans], need: Decimal | None,
            total_income: Decimal, findings: set[str]) -> Decimal:
    size = len(means)
    if rule.payment is Payment.ONE_OFF_CAPPED:
        wanted = need or ZERO
        if wanted > revision.amount * size:
            findings.add("CAP_APPLIED")
        return capped_one_off(wanted, revision.amount, size)
    if rule.payment is Payment.SHARE_OF_COSTS:
        share = revision.share if revision.share is not None else Decimal("1")
        total = ZERO
        for m in means.values():
            if m.medical_assistance_received + m.medical_costs * share > revision.amount:
                findings.add("ANNUAL_CAP_APPLIED")
            total += share_of_costs(m.medical_costs, share, revision.amount, m.medical_assistance_received)
        return total
    return monthly_amount(rule.payment, revision.amount, total_income, size)
