"""Time. Instants are stored in UTC; business dates (effective dates, months paid) are dates in Asia/Shanghai.

Services and aggregates ask the current `Clock` rather than `datetime.now()`, so tests can inject time
(an SLA passing, a month turning) without sleeping."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and deterministic demo data."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)


_current: ContextVar[Clock] = ContextVar("civicledger_clock", default=SystemClock())  # noqa: B039 (stateless)


def now() -> datetime:
    return _current.get().now()


class using_clock:
    """Make `clock` the current clock inside the block. A class, not `contextlib.contextmanager`: every command
    runs in one, and a generator-based context manager costs several times as much to enter and leave."""

    __slots__ = ("_clock", "_token")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __enter__(self) -> Clock:
        self._token = _current.set(self._clock)
        return self._clock

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)


def business_date(instant: datetime | None = None) -> date:
    """The calendar date in Guangzhou at the given instant (default: now)."""
    return (instant or now()).astimezone(SHANGHAI).date()
