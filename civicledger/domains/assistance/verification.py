"""Household economic-status verification (核对): one adapter interface over the bureau's 26 data categories.

Guangzhou's account names 11 of the 26 shared categories (business registration, tax, housing provident fund,
social insurance, disability registration, death registration, securities, bank deposits, wealth-management
products, large expenditures, commercial insurance). The other 15 are completed here from the agencies that
such verification centres draw on (human resources, public security, housing, natural resources, medical
insurance, courts, veterans' affairs, civil affairs itself) and documented in `SOURCES`.

Each source answers for every member asked about, with amounts, flags and a timestamp, or fails. An answer
that leaves a member out is a failure (`INCOMPLETE`): a source is recorded whole or not at all.
`SimulatedBureauDataService` is deterministic per resident and serves the demo and the tests; a real
adapter implements `BureauDataService` and plugs in unchanged."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol
from uuid import UUID

from civicledger.core import clock
from civicledger.core.money import ZERO, round_fen


class SourceKind(str, Enum):
    INCOME = "INCOME"  # monthly income counted in the means test
    ASSETS = "ASSETS"  # assets counted against the asset limit
    STATUS = "STATUS"  # facts about a person (deceased, disabled, detained, ...): flags only
    COSTS = "COSTS"  # medical costs and medical assistance already received this year


@dataclass(frozen=True)
class SourceInfo:
    name_zh: str
    holder: str
    kind: SourceKind
    mandatory: bool
    named_in_2018_account: bool = False


class DataSource(str, Enum):
    BUSINESS_REGISTRATION = "BUSINESS_REGISTRATION"
    TAX = "TAX"
    HOUSING_PROVIDENT_FUND = "HOUSING_PROVIDENT_FUND"
    SOCIAL_INSURANCE = "SOCIAL_INSURANCE"
    DISABILITY_REGISTRATION = "DISABILITY_REGISTRATION"
    DEATH_REGISTRATION = "DEATH_REGISTRATION"
    SECURITIES = "SECURITIES"
    BANK_DEPOSITS = "BANK_DEPOSITS"
    WEALTH_MANAGEMENT = "WEALTH_MANAGEMENT"
    LARGE_EXPENDITURES = "LARGE_EXPENDITURES"
    COMMERCIAL_INSURANCE = "COMMERCIAL_INSURANCE"
    PENSIONS = "PENSIONS"
    UNEMPLOYMENT_BENEFITS = "UNEMPLOYMENT_BENEFITS"
    EMPLOYMENT_REGISTRATION = "EMPLOYMENT_REGISTRATION"
    PUBLIC_PAYROLL = "PUBLIC_PAYROLL"
    VETERANS_BENEFITS = "VETERANS_BENEFITS"
    REAL_ESTATE = "REAL_ESTATE"
    VEHICLES = "VEHICLES"
    VESSELS = "VESSELS"
    LAND_CONTRACTS = "LAND_CONTRACTS"
    HOUSEHOLD_REGISTRATION = "HOUSEHOLD_REGISTRATION"
    MARRIAGE_REGISTRATION = "MARRIAGE_REGISTRATION"
    DETENTION = "DETENTION"
    PUBLIC_HOUSING = "PUBLIC_HOUSING"
    OTHER_ASSISTANCE = "OTHER_ASSISTANCE"
    MEDICAL_INSURANCE = "MEDICAL_INSURANCE"

    @property
    def info(self) -> SourceInfo:
        return SOURCES[self]


S, K = DataSource, SourceKind
SOURCES: dict[DataSource, SourceInfo] = {
    # The 11 categories the bureau names (2018 account).
    S.BUSINESS_REGISTRATION: SourceInfo("工商登记信息", "market regulation", K.INCOME, True, True),
    S.TAX: SourceInfo("税务信息", "tax bureau", K.INCOME, True, True),
    S.HOUSING_PROVIDENT_FUND: SourceInfo("住房公积金信息", "housing provident fund centre", K.ASSETS, True, True),
    S.SOCIAL_INSURANCE: SourceInfo("社会保险信息", "human resources & social security", K.INCOME, True, True),
    S.DISABILITY_REGISTRATION: SourceInfo("残疾人登记信息", "disabled persons' federation", K.STATUS, False, True),
    S.DEATH_REGISTRATION: SourceInfo("死亡人员登记信息", "civil affairs / public security", K.STATUS, True, True),
    S.SECURITIES: SourceInfo("证券信息", "securities depository", K.ASSETS, True, True),
    S.BANK_DEPOSITS: SourceInfo("银行存款信息", "banks", K.ASSETS, True, True),
    S.WEALTH_MANAGEMENT: SourceInfo("理财产品信息", "banks and fund managers", K.ASSETS, True, True),
    S.LARGE_EXPENDITURES: SourceInfo("大额支出信息", "banks and payment institutions", K.STATUS, False, True),
    S.COMMERCIAL_INSURANCE: SourceInfo("商业保险信息", "insurance regulator", K.ASSETS, True, True),
    # The other 15, completed.
    S.PENSIONS: SourceInfo("养老金领取信息", "human resources & social security", K.INCOME, True),
    S.UNEMPLOYMENT_BENEFITS: SourceInfo("失业保险金信息", "human resources & social security", K.INCOME, True),
    S.EMPLOYMENT_REGISTRATION: SourceInfo("就业登记信息", "human resources & social security", K.INCOME, False),
    S.PUBLIC_PAYROLL: SourceInfo("财政供养人员信息", "finance bureau", K.INCOME, True),
    S.VETERANS_BENEFITS: SourceInfo("优抚待遇信息", "veterans' affairs", K.INCOME, False),
    S.REAL_ESTATE: SourceInfo("不动产登记信息", "natural resources (real-estate register)", K.ASSETS, True),
    S.VEHICLES: SourceInfo("机动车登记信息", "public security (traffic police)", K.ASSETS, True),
    S.VESSELS: SourceInfo("船舶登记信息", "maritime administration", K.ASSETS, False),
    S.LAND_CONTRACTS: SourceInfo("农村土地承包信息", "agriculture & rural affairs", K.INCOME, False),
    S.HOUSEHOLD_REGISTRATION: SourceInfo("户籍信息", "public security (hukou)", K.STATUS, True),
    S.MARRIAGE_REGISTRATION: SourceInfo("婚姻登记信息", "civil affairs", K.STATUS, False),
    S.DETENTION: SourceInfo("服刑羁押信息", "justice / public security", K.STATUS, False),
    S.PUBLIC_HOUSING: SourceInfo("住房保障信息", "housing & urban-rural development", K.STATUS, False),
    S.OTHER_ASSISTANCE: SourceInfo("其他救助待遇信息", "civil affairs (other cities and programs)", K.STATUS, False),
    S.MEDICAL_INSURANCE: SourceInfo("医疗保险结算信息", "medical insurance bureau", K.COSTS, False),
}
del S, K

ALL_SOURCES: tuple[DataSource, ...] = tuple(DataSource)
MEANS_TEST_SOURCES = frozenset(s for s, info in SOURCES.items() if info.mandatory)
STATUS_SOURCES = frozenset({DataSource.DEATH_REGISTRATION, DataSource.HOUSEHOLD_REGISTRATION})


@dataclass(frozen=True)
class MemberRecord:
    """What one source knows about one member. Amounts are yuan; `flags` are codes such as DECEASED."""

    monthly_income: Decimal = ZERO
    assets: Decimal = ZERO
    medical_costs: Decimal = ZERO
    medical_assistance_received: Decimal = ZERO
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MemberQuery:
    resident_id: UUID
    id_number: str | None = None  # what the agencies match on; the simulation uses the resident id


@dataclass(frozen=True)
class SourceAnswer:
    source: DataSource
    answered_at: datetime
    records: Mapping[UUID, MemberRecord]


class FailureKind(str, Enum):
    TIMEOUT = "TIMEOUT"
    UNAVAILABLE = "UNAVAILABLE"
    INCOMPLETE = "INCOMPLETE"  # answered for some members only: not recorded


class SourceFailure(Exception):
    def __init__(self, source: DataSource, kind: FailureKind, detail: str = "") -> None:
        super().__init__(f"{source.value}: {kind.value} {detail}".strip())
        self.source, self.kind, self.detail = source, kind, detail


class BureauDataService(Protocol):
    """The bureau's data-sharing service: one query per source for a household's members."""

    def query(self, source: DataSource, members: Sequence[MemberQuery]) -> SourceAnswer: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 0.2
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class SourceOutcome:
    source: DataSource
    attempts: int
    answer: SourceAnswer | None = None
    failure: FailureKind | None = None


def query_source(service: BureauDataService, source: DataSource, members: Sequence[MemberQuery],
                 policy: RetryPolicy) -> SourceOutcome:
    """Ask one source, retrying failures; an answer must cover every member asked about."""
    wanted = {m.resident_id for m in members}
    failure = FailureKind.UNAVAILABLE
    for attempt in range(1, max(1, policy.attempts) + 1):
        try:
            answer = service.query(source, members)
            if set(answer.records) != wanted or answer.source is not source:
                raise SourceFailure(source, FailureKind.INCOMPLETE)
            return SourceOutcome(source, attempt, answer=answer)
        except SourceFailure as exc:
            failure = exc.kind
        if attempt < policy.attempts and policy.backoff_seconds > 0:
            policy.sleep(policy.backoff_seconds * attempt)
    return SourceOutcome(source, max(1, policy.attempts), failure=failure)


def _draw(resident_id: UUID, source: DataSource, salt: str = "") -> float:
    digest = hashlib.sha256(f"{resident_id}:{source.value}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _between(u: float, low: int, high: int) -> Decimal:
    return round_fen(Decimal(low) + (Decimal(high - low) * Decimal(repr(u))))


class SimulatedBureauDataService:
    """Deterministic per resident and source (a hash of both), so the demo and the tests see the same
    household every time. Tests can stipulate a member's figures and make sources fail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stipulated: dict[UUID, dict[DataSource, MemberRecord]] = {}
        self._failures: dict[DataSource, list[FailureKind]] = {}
        self._outages: dict[DataSource, FailureKind] = {}
        self._partial: set[DataSource] = set()
        self.calls: dict[DataSource, int] = {}

    # -- stipulations and failures (tests, demo) ---------------------------------------------------------

    def stipulate(self, resident_id: UUID, *, monthly_income: Decimal | str = "0", assets: Decimal | str = "0",
                  flags: tuple[str, ...] = (), medical_costs: Decimal | str = "0",
                  medical_assistance_received: Decimal | str = "0") -> None:
        """From now on this member earns `monthly_income` (as wages), holds `assets` (as deposits) and
        nothing else anywhere."""
        records = {s: MemberRecord() for s in DataSource}
        records[DataSource.SOCIAL_INSURANCE] = MemberRecord(monthly_income=Decimal(monthly_income))
        records[DataSource.BANK_DEPOSITS] = MemberRecord(assets=Decimal(assets))
        records[DataSource.MEDICAL_INSURANCE] = MemberRecord(
            medical_costs=Decimal(medical_costs), medical_assistance_received=Decimal(medical_assistance_received))
        for flag in flags:
            source = DataSource.DEATH_REGISTRATION if flag == "DECEASED" else DataSource.DISABILITY_REGISTRATION
            records[source] = MemberRecord(flags=(*records[source].flags, flag))
        with self._lock:
            self._stipulated[resident_id] = records

    def fail(self, source: DataSource, times: int = 1, kind: FailureKind = FailureKind.TIMEOUT) -> None:
        with self._lock:
            self._failures.setdefault(source, []).extend([kind] * times)

    def outage(self, source: DataSource, kind: FailureKind = FailureKind.UNAVAILABLE) -> None:
        with self._lock:
            self._outages[source] = kind

    def answer_partially(self, source: DataSource) -> None:
        with self._lock:
            self._partial.add(source)

    def restore(self, source: DataSource) -> None:
        with self._lock:
            self._outages.pop(source, None)
            self._failures.pop(source, None)
            self._partial.discard(source)

    # -- the interface ------------------------------------------------------------------------------------

    def query(self, source: DataSource, members: Sequence[MemberQuery]) -> SourceAnswer:
        with self._lock:
            self.calls[source] = self.calls.get(source, 0) + 1
            if source in self._outages:
                raise SourceFailure(source, self._outages[source])
            pending = self._failures.get(source)
            if pending:
                raise SourceFailure(source, pending.pop(0))
            partial = source in self._partial
        asked = list(members)[:-1] if partial and len(members) > 1 else members
        records = {m.resident_id: self.record(m.resident_id, source) for m in asked}
        return SourceAnswer(source=source, answered_at=clock.now(), records=records)

    def record(self, resident_id: UUID, source: DataSource) -> MemberRecord:
        stipulated = self._stipulated.get(resident_id)
        if stipulated is not None:
            return stipulated.get(source, MemberRecord())
        return _simulated(resident_id, source)


def _simulated(rid: UUID, source: DataSource) -> MemberRecord:
    """A plausible Guangzhou household member in 2018: mostly low incomes, a few hidden assets."""
    u = _draw(rid, source)
    S = DataSource
    if source is S.SOCIAL_INSURANCE:
        return MemberRecord(monthly_income=_between(u / 0.3, 1100, 2600) if u < 0.3 else ZERO)
    if source is S.PENSIONS:
        return MemberRecord(monthly_income=_between(u / 0.18, 600, 1900) if u < 0.18 else ZERO)
    if source is S.UNEMPLOYMENT_BENEFITS:
        return MemberRecord(monthly_income=Decimal("1512.00") if u < 0.04 else ZERO)
    if source is S.BUSINESS_REGISTRATION:
        return MemberRecord(monthly_income=_between(u / 0.03, 800, 3000), flags=("OWNS_BUSINESS",)) \
            if u < 0.03 else MemberRecord()
    if source is S.TAX:
        return MemberRecord(monthly_income=_between(u / 0.05, 200, 900)) if u < 0.05 else MemberRecord()
    if source is S.BANK_DEPOSITS:
        return MemberRecord(assets=_between(u, 0, 9000) if u < 0.9 else _between(u, 20000, 60000))
    if source in (S.SECURITIES, S.WEALTH_MANAGEMENT, S.COMMERCIAL_INSURANCE):
        return MemberRecord(assets=_between(u / 0.05, 2000, 30000)) if u < 0.05 else MemberRecord()
    if source is S.HOUSING_PROVIDENT_FUND:
        return MemberRecord(assets=_between(u / 0.2, 500, 8000)) if u < 0.2 else MemberRecord()
    if source is S.VEHICLES:
        return MemberRecord(assets=_between(u / 0.04, 15000, 60000), flags=("OWNS_VEHICLE",)) \
            if u < 0.04 else MemberRecord()
    if source is S.REAL_ESTATE:
        return MemberRecord(flags=("SECOND_PROPERTY",)) if u < 0.02 else MemberRecord()
    if source is S.DISABILITY_REGISTRATION:
        return MemberRecord(flags=("DISABLED",)) if u < 0.08 else MemberRecord()
    if source is S.LARGE_EXPENDITURES:
        return MemberRecord(flags=("LARGE_EXPENDITURE",)) if u < 0.03 else MemberRecord()
    if source is S.MEDICAL_INSURANCE:
        return MemberRecord(medical_costs=_between(u, 0, 30000) if u < 0.4 else ZERO,
                            medical_assistance_received=_between(_draw(rid, source, "ytd"), 0, 5000)
                            if u < 0.1 else ZERO)
    return MemberRecord()
