"""Synchronous service code run on the event loop, its database calls awaited there (greenlets).

The services are synchronous (the aggregate, the rules, the mapper): running each command on a thread costs a
hop per command — a queue, a thread woken, the GIL handed over and back, the loop woken by the result. Here a
command runs in a greenlet on the loop's own thread instead (`run`): its Python runs there, and where it would
wait on the database the greenlet is suspended while the loop awaits (`await_`): the append is an asyncpg call
on the writers' pool, on the loop (`CivicApplicationRecorder.insert_events`). Reads that have no asyncpg form
(the library's `select_events`, the key ring) are handed to a command thread for their round trip only
(`blocking`), so a command never blocks the loop on I/O.

Outside `run` (tests, the CLI, workers calling services directly) `await_` is refused and `blocking` calls the
function as it is: every service works the same, synchronously, with psycopg.

As with the command threads, a command once started runs to the end even when the request that sent it is
cancelled (a client gone): `run` drives it in a task of its own and shields it; one whose caller was cancelled
before it started never runs."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

T = TypeVar("T")


class _Command(greenlet):  # type: ignore[misc]
    """The greenlet of one bridged call; `offload` runs a blocking call elsewhere (an async callable)."""

    def __init__(self, fn: Callable[..., Any], parent: greenlet,
                 offload: Callable[..., Awaitable[Any]] | None) -> None:
        super().__init__(fn, parent)
        self.offload = offload


def active() -> bool:
    """True inside a call made by `run` (its I/O can be awaited on the loop)."""
    return isinstance(getcurrent(), _Command)


def await_(awaitable: Awaitable[T]) -> T:
    """From synchronous code running under `run`: suspend it until the loop has awaited `awaitable`; its result
    (or exception) here."""
    current = getcurrent()
    if not isinstance(current, _Command):
        raise RuntimeError("await_ outside a bridged call")
    return current.parent.switch(awaitable)  # type: ignore[no-any-return]


def blocking(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` — a blocking call (a psycopg round trip): on a command thread when under `run`, so that the
    loop keeps serving; called directly otherwise."""
    current = getcurrent()
    if isinstance(current, _Command) and current.offload is not None:
        return current.parent.switch(current.offload(fn, *args))  # type: ignore[no-any-return]
    return fn(*args)


def sleep(seconds: float) -> None:
    """`time.sleep`, or, under `run`, a wait on the loop (which goes on serving meanwhile)."""
    if active():
        await_(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


async def _drive(fn: Callable[..., T], args: tuple[Any, ...],
                 offload: Callable[..., Awaitable[Any]] | None) -> T:
    child = _Command(fn, getcurrent(), offload)
    child.gr_context = contextvars.Context()  # like a thread: the command's context variables are its own
    result = child.switch(*args)
    while not child.dead:
        try:
            value = await result
        except BaseException as exc:  # handed to the command, which may handle it (or raise it back here)
            result = child.throw(exc)
        else:
            result = child.switch(value)
    return result  # type: ignore[no-any-return]


async def run(fn: Callable[..., T], *args: Any, offload: Callable[..., Awaitable[Any]] | None = None) -> T:
    """`fn(*args)` on the loop's thread, its awaited I/O on the loop; runs to the end once started. (A caller
    cancelled before this runs starts nothing; once it has run, the command's task takes its first step before
    the caller can see a cancellation.)"""
    task = asyncio.ensure_future(_drive(fn, args, offload))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            task.add_done_callback(_consume)
        raise


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the caller is gone, the command's outcome is its own business
