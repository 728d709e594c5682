"""Rebuild read models in several processes at once.

One process decodes and writes on one core; a rebuild is CPU-bound in Python, so the read models are split
into groups (balanced by how much decoding each does) and each group is rebuilt by a process of its own.
Each read model still has one writer and its own tracking row, so the result equals a one-process rebuild."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue
import time
from collections.abc import Callable, Sequence
from typing import Any

from civicledger.core.db import ConnectionParams
from civicledger.settings import Settings

# Relative cost of rebuilding each read model (decoding is what costs); unknown ones count 1.
WEIGHTS = {"client_timeline": 4.0, "residents": 3.0, "audit_log": 1.5, "households": 0.5}


def partition(names: Sequence[str], groups: int) -> list[list[str]]:
    """Greedy balance: heaviest first, each into the lightest group."""
    bins: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, groups))]
    for name in sorted(names, key=lambda n: -WEIGHTS.get(n, 1.0)):
        load, members = min(bins, key=lambda b: b[0])
        bins.remove((load, members))
        bins.append((load + WEIGHTS.get(name, 1.0), [*members, name]))
    return [members for _, members in bins if members]


def _child(settings: Settings, params: ConnectionParams, names: list[str], messages: Any) -> None:
    from civicledger.projections.runner import rebuild
    from civicledger.runtime import Runtime

    class _Report:
        def __init__(self, name: str, total: int) -> None:
            self.name = name
            messages.put(("start", name, total))

        def update(self, n: int) -> None:
            messages.put(("progress", self.name, n))

        def close(self) -> None:
            messages.put(("done", self.name, 0))

    async def run() -> dict[str, float]:
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=False, prepare_schema=False)
        try:
            assert runtime.runner is not None
            return await rebuild(runtime.runner, names, progress_factory=_Report)
        finally:
            await runtime.close()

    try:
        messages.put(("rates", "", asyncio.run(run())))
    except BaseException as exc:
        messages.put(("error", "", repr(exc)))


def rebuild_in_processes(settings: Settings, params: ConnectionParams, names: Sequence[str],
                         processes: int | None = None,
                         progress_factory: Callable[[str, int], Any] | None = None) -> dict[str, float]:
    """Rebuild `names` from position zero in up to `processes` processes; events/second per read model, and
    under "*" the log's events per second of wall time."""
    import psycopg

    groups = partition(list(names), processes or os.cpu_count() or 1)
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    events = int(row[0]) if row else 0
    context = mp.get_context("spawn")
    messages = context.Queue()
    started = time.perf_counter()
    children = [context.Process(target=_child, args=(settings, params, group, messages)) for group in groups]
    for child in children:
        child.start()
    bars: dict[str, Any] = {}
    rates: dict[str, float] = {}
    errors: list[str] = []
    finished = 0
    while finished < len(children):
        try:
            kind, name, value = messages.get(timeout=1.0)
        except queue.Empty:
            if not any(c.is_alive() for c in children):
                errors.append("a rebuild process died")
                break
            continue
        if kind == "start" and progress_factory is not None:
            bars[name] = progress_factory(name, value)
        elif kind == "progress" and name in bars:
            bars[name].update(value)
        elif kind == "done" and name in bars:
            bars.pop(name).close()
        elif kind == "rates":
            value.pop("*", None)
            rates.update(value)
            finished += 1
        elif kind == "error":
            errors.append(value)
            finished += 1
    for child in children:
        child.join()
    if errors:
        raise RuntimeError("rebuild failed: " + "; ".join(errors))
    wall = time.perf_counter() - started
    rates["*"] = events / wall if wall > 0 else 0.0
    return rates
