"""`bridge.run`: synchronous code on the loop's thread whose awaited steps run on the loop; a call whose caller
was cancelled before it started never runs, one that started runs to the end; outside `run`, `await_` is
refused and `blocking` calls the function as it is."""

from __future__ import annotations

import asyncio
import threading

import pytest

from civicledger.core import bridge


async def test_sync_code_awaits_on_the_loop_thread_and_offloads_blocking_calls() -> None:
    loop_thread = threading.get_ident()
    seen: list[object] = []

    async def offload(fn, *args):  # type: ignore[no-untyped-def]
        return await asyncio.to_thread(fn, *args)

    def command(x: int) -> int:
        seen.append(threading.get_ident() == loop_thread and bridge.active())
        seen.append(bridge.await_(asyncio.sleep(0, result=x + 1)))
        seen.append(bridge.blocking(lambda: threading.get_ident() != loop_thread))
        with pytest.raises(KeyError):
            bridge.await_(_fails())
        return x * 2

    assert await bridge.run(command, 21, offload=offload) == 42
    assert seen == [True, 22, True]


async def _fails() -> None:
    raise KeyError("from the loop")


async def test_a_call_cancelled_before_it_started_never_runs_and_one_started_runs_to_the_end() -> None:
    ran: list[str] = []
    gate = asyncio.Event()

    def slow() -> None:
        ran.append("slow started")
        bridge.await_(gate.wait())
        ran.append("slow finished")

    first = asyncio.create_task(bridge.run(slow))
    await asyncio.sleep(0.01)  # started: waiting on the gate
    never = asyncio.create_task(bridge.run(lambda: ran.append("never")))
    never.cancel()  # before its first step
    first.cancel()  # its caller goes away; the command does not
    gate.set()
    for task in (first, never):
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.01)
    assert ran == ["slow started", "slow finished"]


def test_outside_a_bridged_call_await_is_refused_and_blocking_is_a_plain_call() -> None:
    assert not bridge.active()
    pending = asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        bridge.await_(pending)
    pending.close()
    assert bridge.blocking(lambda a: a + 1, 1) == 2
