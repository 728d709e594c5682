"""Rebuild read models in several processes at once.

One process decodes and writes on one core; a rebuild is CPU-bound in Python, so the read models are split
into groups and each group is rebuilt by a process of its own. Each read model still has one writer and its
own tracking row, so the result equals a one-process rebuild.

Every process reads the whole log and decodes each event that one of its read models wants, once. Split
naively (by a weight per read model), both groups want nearly every topic — the timeline wants them all —
so two processes decode the log twice and were slower than one. `plan` splits by cost instead, from the
log's own mix of topics (`topic_costs`): a group costs the decoding of the union of the topics its read
models decode plus each read model's applying of the events it wants, and each read model (the most costly
first) joins the group where the largest cost grows least — so read models that decode what the timeline
decodes anyway go with it for free, until their applying makes that group the larger one."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from civicledger.core.db import ConnectionParams
from civicledger.settings import Settings

# Relative cost of rebuilding each read model (decoding is what costs); unknown ones count 1. Only for read
# models `plan` cannot cost (not among the programs' read models).
WEIGHTS = {"client_timeline": 4.0, "residents": 3.0, "audit_log": 1.5, "households": 0.5}


def partition(names: Sequence[str], groups: int) -> list[list[str]]:
    """Greedy balance by fixed weight: heaviest first, each into the lightest group (the split before `plan`;
    kept for read models it cannot cost)."""
    bins: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, groups))]
    for name in sorted(names, key=lambda n: -WEIGHTS.get(n, 1.0)):
        load, members = min(bins, key=lambda b: b[0])
        bins.remove((load, members))
        bins.append((load + WEIGHTS.get(name, 1.0), [*members, name]))
    return [members for _, members in bins if members]


# CPU seconds of each process of the last `rebuild_in_processes` in this process (its read models, comma
# separated -> seconds), for the benchmarks.
LAST_PROCESS_CPU: dict[str, float] = {}

# The cost model of `plan`, in microseconds: decoding an event (plus per stored byte, sealed fields and nested
# values making larger payloads slower), applying an event a read model wants (its Python and its share of
# the COPY or upsert), measured roughly by py-spy on the demo log.
DECODE_US = 4.0
DECODE_US_PER_BYTE = 0.03
APPLY_US = 8.0
APPLY_WEIGHTS = {"audit_log": 0.5}  # metadata into COPY: no decoding, no handler


def topic_costs(conn: Any) -> dict[str, tuple[int, int]]:
    """Topic -> (events, stored bytes) in the log, on a psycopg connection (one scan of the events table)."""
    rows = conn.execute("SELECT topic, count(*), sum(pg_column_size(state)) FROM events GROUP BY topic").fetchall()
    return {topic: (int(n), int(size or 0)) for topic, n, size in rows}


def group_costs(projections: Sequence[Any], topics: Mapping[str, tuple[int, int]]) -> Callable[[Sequence[str]], float]:
    """The cost model of `plan`: a group of read models (by name) -> its estimated microseconds of work."""
    decode = {t: n * DECODE_US + size * DECODE_US_PER_BYTE for t, (n, size) in topics.items()}
    wanted = {p.name: {t for t in topics if p.wants(t)} for p in projections}
    decoded = {p.name: wanted[p.name] if p.decodes else set() for p in projections}
    apply = {p.name: APPLY_US * APPLY_WEIGHTS.get(p.name, 1.0) * sum(topics[t][0] for t in wanted[p.name])
             for p in projections}

    def cost(members: Sequence[str]) -> float:
        union: set[str] = set().union(*(decoded[m] for m in members))
        return sum(decode[t] for t in union) + sum(apply[m] for m in members)

    return cost


def plan(projections: Sequence[Any], groups: int, topics: Mapping[str, tuple[int, int]]) -> list[list[str]]:
    """Split read models into at most `groups` groups by cost (see the module docstring): each read model, the
    most costly alone first, joins the group that keeps the largest group's cost lowest (ties: the group it
    adds least to)."""
    cost = group_costs(projections, topics)
    bins: list[list[str]] = [[] for _ in range(max(1, groups))]
    for name in sorted((p.name for p in projections), key=lambda n: -cost([n])):

        def outcome(i: int, name: str = name) -> tuple[float, float]:
            grown = cost([*bins[i], name])
            return max([grown, *(cost(b) for j, b in enumerate(bins) if j != i)]), grown - cost(bins[i])

        bins[min(range(len(bins)), key=outcome)].append(name)
    return [members for members in bins if members]


def _child(settings: Settings, params: ConnectionParams, names: list[str], messages: Any) -> None:
    """In a process of its own: rebuild `names`. Only what a rebuild uses is made here — the mapper and its keys,
    a small asyncpg pool, a runner over these read models — not a whole `Runtime` (services, listeners, the
    migrations' check: the caller has brought the database and the read models' tables up to date)."""
    import asyncpg

    from civicledger.core.eventstore.application import Ledger
    from civicledger.programs import read_models
    from civicledger.projections.runner import ProjectionRunner, rebuild

    class _Report:
        def __init__(self, name: str, total: int) -> None:
            self.name = name
            messages.put(("start", name, total))

        def update(self, n: int) -> None:
            messages.put(("progress", self.name, n))

        def close(self) -> None:
            messages.put(("done", self.name, 0))

    async def run() -> dict[str, float]:
        # The ledger only for its mapper and keyring: a rebuild passes every batch's keys explicitly (fetched
        # fresh with the batch), its own pool of one connection stays unused.
        ledger = Ledger(params, master_key=settings.master_key, claims_secret=settings.claims_secret,
                        chain_key=settings.chain_mac_key, pool_size=1, max_overflow=0, create_tables=False)
        pool = await asyncpg.create_pool(params.url, **params.asyncpg_kwargs(), min_size=2, max_size=4,
                                         server_settings={"application_name": "civicledger-rebuild"})
        try:
            chosen = [p for p in read_models(ledger.mapper) if p.name in set(names)]
            unknown = set(names) - {p.name for p in chosen}
            if unknown:  # (process managers are never replayed: they would send their commands again)
                raise ValueError(f"not a read model: {', '.join(sorted(unknown))}")
            runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, chosen,
                                      batch_size=settings.projection_batch_size)
            await runner.load_positions()
            return await rebuild(runner, names, progress_factory=_Report)
        finally:
            await pool.close()
            ledger.close()

    try:
        rates = asyncio.run(run())
        messages.put(("cpu", ",".join(names), time.process_time()))
        messages.put(("rates", "", rates))
    except BaseException as exc:
        messages.put(("error", "", repr(exc)))


def _context() -> Any:
    """How to start the rebuild's processes: forked from this one when it runs no other thread (they inherit
    every module already imported — the programs, the read models —, seconds of start-up each that a spawned
    process spends importing them again), spawned otherwise (forking a process with threads may copy a lock
    another thread holds)."""
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context("spawn")


def rebuild_in_processes(settings: Settings, params: ConnectionParams, names: Sequence[str],
                         processes: int | None = None,
                         progress_factory: Callable[[str, int], Any] | None = None) -> dict[str, float]:
    """Rebuild `names` from position zero in up to `processes` processes; events/second per read model, and
    under "*" the log's events per second of wall time."""
    import psycopg

    from civicledger.programs import read_models

    processes = processes or os.cpu_count() or 1
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        topics = topic_costs(conn)
    events = sum(n for n, _ in topics.values())
    chosen = [p for p in read_models(None) if p.name in set(names)]  # type: ignore[arg-type]
    known = {p.name for p in chosen}
    groups = plan(chosen, processes, topics) if processes > 1 else [list(names)]
    if any(name not in known for name in names):  # not a read model of the programs: balanced by weight
        groups = partition(list(names), processes)
    context = _context()
    messages = context.Queue()
    started = time.perf_counter()
    children = [context.Process(target=_child, args=(settings, params, group, messages)) for group in groups]
    for child in children:
        child.start()
    bars: dict[str, Any] = {}
    rates: dict[str, float] = {}
    cpu = LAST_PROCESS_CPU
    cpu.clear()
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
        elif kind == "cpu":
            cpu[name] = value
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
