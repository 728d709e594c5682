"""The command threads (runtime.run): results and exceptions come back to the awaiting task, as many calls as
there are threads run at once (a barrier that only opens when all of them are inside), a call whose task was
cancelled before a thread took it never runs, and shutdown lets queued calls finish."""

from __future__ import annotations

import asyncio
import threading

import pytest

from civicledger.core.command_threads import CommandThreads


async def test_result_and_exception_reach_the_caller() -> None:
    threads = CommandThreads(2)
    try:
        assert await threads.run(lambda a, b: a + b, 2, 3) == 5
        assert await threads.run(threading.current_thread) is not threading.current_thread()

        def fail() -> None:
            raise ValueError("refused")

        with pytest.raises(ValueError, match="refused"):
            await threads.run(fail)
    finally:
        threads.shutdown()


async def test_as_many_calls_as_threads_run_at_once() -> None:
    threads = CommandThreads(4)
    barrier = threading.Barrier(4, timeout=30)
    try:
        # Each call waits inside its thread until all four are inside: fewer threads would time out.
        names = await asyncio.gather(*(threads.run(lambda: (barrier.wait(), threading.current_thread().name)[1])
                                       for _ in range(4)))
        assert len(set(names)) == 4
    finally:
        threads.shutdown()


async def test_a_call_cancelled_before_it_started_never_runs() -> None:
    threads = CommandThreads(1)
    gate = threading.Event()
    ran: list[str] = []
    try:
        first = asyncio.ensure_future(threads.run(lambda: (gate.wait(30), ran.append("first"))))
        await asyncio.sleep(0.05)  # the only thread is busy with `first`
        second = asyncio.ensure_future(threads.run(ran.append, "second"))
        await asyncio.sleep(0)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        gate.set()
        await first
        assert await threads.run(ran.append, "third") is None
        assert ran == ["first", "third"]
    finally:
        threads.shutdown()


async def test_shutdown_lets_queued_calls_finish() -> None:
    threads = CommandThreads(1)
    done: list[int] = []
    calls = [asyncio.ensure_future(threads.run(done.append, i)) for i in range(5)]
    await asyncio.sleep(0)
    await asyncio.to_thread(threads.shutdown)
    await asyncio.gather(*calls)
    assert done == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="shut down"):
        await threads.run(print)
