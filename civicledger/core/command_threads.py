"""The command threads: where the blocking reads of a command (psycopg: a stream, a key, an idempotency record)
run for the event loop, a bounded set of threads sized to the ledger's connection pool. The commands themselves
run on the loop (`bridge.run`, the append there with asyncpg); a command hands a thread only its blocking
round trips (`bridge.blocking`).

Lighter than `loop.run_in_executor` on a `ThreadPoolExecutor` (a work item, a `concurrent.futures.Future`
chained to an asyncio one, an executor queue under a lock): one C queue (`SimpleQueue`) of (function,
arguments, asyncio future), and the result set on the loop by one `call_soon_threadsafe`. As with the
executor, a call whose awaiting task was cancelled before a thread took it is never run; once taken it runs
to the end (a command is not interrupted half-way: its append is one statement, atomic either way)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

_STOP = None


def _set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


class CommandThreads:
    def __init__(self, size: int, *, name: str = "command") -> None:
        self.size = max(1, size)
        self.name = name
        self._queue: SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]] | None] = (
            SimpleQueue())
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the command threads are shut down")
            while len(self._threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"{self.name}_{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        queue = self._queue
        while True:
            item = queue.get()
            if item is None:
                return
            fn, args, future = item
            if future.cancelled():  # the caller went away before the call started
                continue
            loop = future.get_loop()
            try:
                value = fn(*args)
            except BaseException as exc:  # handed to the awaiting task, as the executor would
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(_set_exception, future, exc)
            else:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_set_result, future, value)
            del item, fn, args, future

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on a command thread; its result (or exception) here."""
        if len(self._threads) < self.size or self._closed:
            self._start()  # (refuses once shut down)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put((fn, args, future))
        return await future

    def shutdown(self) -> None:
        """Let the calls already queued finish, then stop every thread."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(_STOP)
        for thread in threads:
            thread.join()
