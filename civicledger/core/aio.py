"""Waiting with a time limit, without losing a cancellation.

Python 3.11's `asyncio.wait_for` swallows a cancellation that arrives as the awaited thing finishes: it returns
that result and the caller runs on, cancelled in name only. A live-timeline subscription whose client had left
did so — it went on polling for new entries for good, and the server's graceful shutdown waited on it forever.
(3.12 rebuilt `wait_for` on `asyncio.timeout`; this is the same for 3.11.) Every wait with a limit here goes
through `within`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """`awaitable`'s result, or `TimeoutError` after `seconds` (it is cancelled then); a cancellation of the
    caller always propagates."""
    async with asyncio.timeout(seconds):
        return await awaitable
