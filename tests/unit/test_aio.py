"""`within`: a wait with a time limit that never swallows a cancellation (Python 3.11's `asyncio.wait_for` returns
the result of a wait that finishes as the caller is cancelled, and the caller runs on)."""

from __future__ import annotations

import asyncio

import pytest

from civicledger.core.aio import within


async def test_a_cancellation_as_the_wait_finishes_reaches_the_caller() -> None:
    done = asyncio.Event()
    ran_on = []

    async def subscriber() -> None:
        await within(5, done.wait())
        ran_on.append(True)  # a swallowed cancellation lands here
        await asyncio.sleep(30)

    task = asyncio.create_task(subscriber())
    await asyncio.sleep(0)  # waiting now
    done.set()  # the wait finishes ...
    task.cancel()  # ... in the same step as the caller is cancelled (a client leaving as an entry arrives)
    await asyncio.sleep(0.05)

    assert task.done() and task.cancelled() and not ran_on


async def test_the_time_limit_raises_timeout_and_a_result_comes_back() -> None:
    with pytest.raises(TimeoutError):
        await within(0.01, asyncio.sleep(1))
    assert await within(1, asyncio.sleep(0, result="answer")) == "answer"
