"""Rebuild read models in several processes at once.

One process decodes and writes on one core; a rebuild is CPU-bound in Python, so the read models are split
into groups and each group is rebuilt by a process of its own. Each read model still has one tracking row, and
all but the splittable ones (below) one writer, so the result equals a one-process rebuild.

Every process reads the log and decodes each event that one of its read models wants, once. Split
naively (by a weight per read model), both groups want nearly every topic — the timeline wants them all —
so two processes decode the log twice and were slower than one. `plan` splits by cost instead, from the
log's own mix of topics (`topic_costs`, `log_mix`): a group costs the decoding of the union of the topics its read
models decode plus each read model's applying of the events it wants, and each read model (the most costly
first) joins the group where the largest cost grows least — so read models that decode what the timeline
decodes anyway go with it for free, until their applying makes that group the larger one.

Append-only read models whose rows come from each event alone (the timeline, the audit log, the histories:
`Projection.splittable`) need not be rebuilt by one process: `split` gives each process a range of the log for
them (so no event is decoded for them twice, and the process whose other read models cost less takes more of
the log), from the log's mix of topics per range of positions (`log_mix`). They are emptied before the
processes start and their tracking rows moved to the end of the last range once every range is written
(`_begin_parts`, `_end_parts`); meanwhile each process only checks that nobody else moved them."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
READ_US = 3.0  # reading an event a process's read models want (the row, its envelope, its routing)
APPLY_WEIGHTS = {"audit_log": 0.15}  # rows made by PostgreSQL from the events (INSERT … SELECT): positions only


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


# The log is costed in this many ranges of positions for `split`.
BUCKETS = 64


@dataclass
class Part:
    """What one process rebuilds: `names` over the whole log, and `ranges` (read model -> (after, upto]) over a
    range of it each."""

    names: list[str]
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    def label(self) -> str:
        return ",".join([*self.names, *(f"{n}({a}:{b}]" for n, (a, b) in self.ranges.items())])


# `log_mix` samples about this many events (pages of the events table at random), not the whole log: a scan of a
# 1,000,000-event log took 1.5-8 s, a sample of 50,000 a tenth of a second, and a plan needs no more.
SAMPLE = 50_000


def log_mix(conn: Any, upto: int, buckets: int = BUCKETS,
            sample: int = SAMPLE) -> tuple[int, list[dict[str, tuple[int, int]]]]:
    """The log up to position `upto` in ranges of `width` positions (the first return): each range's topic ->
    (events, stored bytes), estimated from a sample of the events table's pages on a psycopg connection."""
    width = max(1, -(-upto // buckets))
    mix: list[dict[str, tuple[int, int]]] = [{} for _ in range(-(-upto // width))] if upto > 0 else []
    percent = min(100.0, 100.0 * sample / max(upto, 1))
    rows = conn.execute("SELECT (notification_id - 1) / %s, topic, count(*), sum(pg_column_size(state))"
                        f" FROM events {'' if percent >= 100 else 'TABLESAMPLE SYSTEM (%s)'}"
                        " WHERE notification_id BETWEEN 1 AND %s GROUP BY 1, 2",
                        (width, upto) if percent >= 100 else (width, percent, upto)).fetchall()
    scale = 100.0 / percent
    for bucket, topic, n, size in rows:
        mix[int(bucket)][topic] = (round(int(n) * scale), round(int(size or 0) * scale))
    return width, mix


def totals(mix: Sequence[Mapping[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for bucket in mix:
        for topic, (n, size) in bucket.items():
            was = out.get(topic, (0, 0))
            out[topic] = (was[0] + n, was[1] + size)
    return out


def split(projections: Sequence[Any], groups: int, width: int, mix: Sequence[Mapping[str, tuple[int, int]]],
          upto: int) -> list[Part]:
    """Read models over `groups` processes (see the module docstring): the others by `plan` (or all in one
    process, if that makes the busiest process less busy), then the splittable ones by contiguous ranges of
    the log, each process taking ranges until its cost reaches the lowest bound that lets them cover the log."""
    from civicledger.projections.base import splittable

    topics = totals(mix)
    whole = [p for p in projections if not splittable(p)]
    parts = [p for p in projections if splittable(p)]
    if groups <= 1 or not parts or upto <= 0 or not mix:
        return [Part(group) for group in plan(projections, groups, topics)]
    cost = group_costs(whole, topics)
    decoded = {p.name: {t for t in topics if p.wants(t)} if p.decodes else set() for p in whole}
    part_decoded = {t for p in parts if p.decodes for t in topics if p.wants(t)}
    part_apply = {t: sum(APPLY_US * APPLY_WEIGHTS.get(p.name, 1.0) for p in parts if p.wants(t)) for t in topics}
    part_read = {t for t in topics if any(p.wants(t) for p in parts)}
    wanted = {p.name: {t for t in topics if p.wants(t)} for p in whole}

    def reading(members: Sequence[str]) -> float:
        return READ_US * sum(topics[t][0] for t in set().union(*(wanted[m] for m in members)))

    def range_costs(members: Sequence[str]) -> list[float]:
        """Each range's cost of the splittable read models, to a process already reading and decoding its
        members' topics."""
        free: set[str] = set().union(*(decoded[m] for m in members))
        read: set[str] = set().union(*(wanted[m] for m in members))
        return [sum((n * DECODE_US + size * DECODE_US_PER_BYTE if t in part_decoded and t not in free else 0.0)
                    + (n * READ_US if t in part_read and t not in read else 0.0)
                    + n * part_apply[t] for t, (n, size) in bucket.items()) for bucket in mix]

    best: tuple[float, list[Part]] | None = None
    for assignment in (plan(whole, groups, topics) if whole else [], [[p.name for p in whole]]):
        bins = [*assignment, *([] for _ in range(groups - len(assignment)))]
        base = [cost(b) + reading(b) for b in bins]
        costs = [range_costs(b) for b in bins]
        low, high = max(base), max(base) + sum(max(c[i] for c in costs) for i in range(len(mix)))
        for _ in range(40):  # the lowest bound at which contiguous ranges cover the log
            middle = (low + high) / 2
            if _fill(base, costs, middle) is None:
                low = middle
            else:
                high = middle
        ends = _fill(base, costs, high) or [len(mix)] * len(bins)
        plan_parts, start, busiest = [], 0, 0.0
        for g, members in enumerate(bins):
            stop = ends[g]
            ranges = {p.name: (start * width, min(stop * width, upto)) for p in parts} if stop > start else {}
            busiest = max(busiest, base[g] + sum(costs[g][start:stop]))
            if members or ranges:
                plan_parts.append(Part(list(members), ranges))
            start = stop
        if best is None or busiest < best[0]:
            best = (busiest, plan_parts)
    assert best is not None
    return best[1]


def _fill(base: Sequence[float], costs: Sequence[Sequence[float]], bound: float) -> list[int] | None:
    """Ranges in order: each group takes the next ranges while it stays within `bound`; the end of each group's
    ranges, or None when the log is not covered so."""
    ends, i = [], 0
    for g, own in enumerate(base):
        if own > bound:
            return None
        total = own
        while i < len(costs[g]) and total + costs[g][i] <= bound:
            total += costs[g][i]
            i += 1
        ends.append(i)
    return ends if i == len(costs[0]) else None


def _child(settings: Settings, params: ConnectionParams, part: Part, messages: Any) -> None:
    """In a process of its own: rebuild `names`. Only what a rebuild uses is made here — the mapper and its keys,
    a small asyncpg pool, a runner over these read models — not a whole `Runtime` (services, listeners, the
    migrations' check: the caller has brought the database and the read models' tables up to date)."""
    import asyncpg

    from civicledger.core.eventstore.application import Ledger
    from civicledger.programs import read_models
    from civicledger.projections.runner import ProjectionRunner, rebuild

    class _Report:
        def __init__(self, name: str, total: int) -> None:
            if name in part.ranges:  # one bar per part
                name = f"{name} ({part.ranges[name][0]}:{part.ranges[name][1]}]"
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
            names = [*part.names, *part.ranges]
            chosen = [p for p in read_models(ledger.mapper) if p.name in set(names)]
            unknown = set(names) - {p.name for p in chosen}
            if unknown:  # (process managers are never replayed: they would send their commands again)
                raise ValueError(f"not a read model: {', '.join(sorted(unknown))}")
            runner = ProjectionRunner(pool, ledger.mapper, ledger.keyring, chosen,
                                      batch_size=settings.projection_batch_size)
            await runner.load_positions()
            return await rebuild(runner, names, progress_factory=_Report, ranges=part.ranges)
        finally:
            await pool.close()
            ledger.close()

    try:
        rates = asyncio.run(run())
        messages.put(("cpu", part.label(), time.process_time()))
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
    upto = asyncio.run(_horizon(params))
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        width, mix = log_mix(conn, upto)
    events = upto
    chosen = [p for p in read_models(None) if p.name in set(names)]  # type: ignore[arg-type]
    known = {p.name for p in chosen}
    groups = split(chosen, processes, width, mix, upto) if processes > 1 else [Part(list(names))]
    if any(name not in known for name in names):  # not a read model of the programs: balanced by weight
        groups = [Part(group) for group in partition(list(names), processes)]
    in_parts = [p for p in chosen if any(p.name in g.ranges for g in groups)]
    suspended = asyncio.run(_begin_parts(params, in_parts)) if in_parts else []
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
            for read_model, rate in value.items():  # a read model rebuilt in parts: the sum of its parts' rates
                rates[read_model] = rates.get(read_model, 0.0) + rate
            finished += 1
        elif kind == "error":
            errors.append(value)
            finished += 1
    for child in children:
        child.join()
    if in_parts:
        asyncio.run(_end_parts(params, in_parts, None if errors else upto, suspended, len(groups)))
    if errors:
        raise RuntimeError("rebuild failed: " + "; ".join(errors))
    wall = time.perf_counter() - started
    rates["*"] = events / wall if wall > 0 else 0.0
    return rates


async def _horizon(params: ConnectionParams) -> int:
    """The log's safe horizon now: a split rebuild's parts end there."""
    import asyncpg

    from civicledger.core.eventstore.horizon import horizon_position_async

    conn = await asyncpg.connect(params.url, **params.asyncpg_kwargs())
    try:
        return await horizon_position_async(conn)
    finally:
        await conn.close()


async def _begin_parts(params: ConnectionParams, projections: Sequence[Any]) -> list[str]:
    """Before the processes start: empty the read models rebuilt in parts and put their tracking rows at 0 (what
    every part checks), and drop their secondary indexes (built once at the end); the statements that
    re-create them."""
    import asyncpg

    from civicledger.projections.rebuild import _drop_secondary_indexes
    from civicledger.projections.runner import TRACKING

    conn = await asyncpg.connect(params.url, **params.asyncpg_kwargs())
    try:
        async with conn.transaction():
            await conn.execute(f"SELECT 1 FROM {TRACKING} WHERE application_name = ANY($1) FOR UPDATE",
                               [p.name for p in projections])
            for projection in projections:
                await projection.reset(conn)
            await conn.execute(f"UPDATE {TRACKING} SET notification_id = 0 WHERE application_name = ANY($1)",
                               [p.name for p in projections])
        return await _drop_secondary_indexes(conn, [t for p in projections for t in p.tables])
    finally:
        await conn.close()


async def _end_parts(params: ConnectionParams, projections: Sequence[Any], upto: int | None,
                     suspended: Sequence[str], workers: int = 1) -> None:
    """After every process: the read models rebuilt in parts are complete up to `upto` — their tracking rows
    move there, so the followers take over from it — or, when a part failed (`upto` None), emptied again
    (their tracking rows still at 0: a follower or the next rebuild builds them from the start). Their indexes
    are re-created and their tables analyzed either way."""
    import asyncpg

    from civicledger.projections.runner import CHANNEL, TRACKING, notification

    conn = await asyncpg.connect(params.url, **params.asyncpg_kwargs())
    names = [p.name for p in projections]
    try:
        async with conn.transaction():
            await conn.execute(f"SELECT 1 FROM {TRACKING} WHERE application_name = ANY($1) FOR UPDATE", names)
            if upto is None:
                # Empty at position 0, whoever moved the tracking rows meanwhile (a follower that did made a part
                # fail): a read model's rows and its position must agree.
                for projection in projections:
                    await projection.reset(conn)
                await conn.execute(f"UPDATE {TRACKING} SET notification_id = 0 WHERE application_name = ANY($1)",
                                   names)
            else:
                moved = await conn.fetch(f"UPDATE {TRACKING} SET notification_id = $2 WHERE application_name ="
                                         " ANY($1) AND notification_id = 0 RETURNING application_name", names, upto)
                if len(moved) != len(names):
                    raise RuntimeError("another runner moved a read model during its rebuild; stop it and rebuild"
                                       " again")
                await conn.execute("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n", CHANNEL,
                                   [notification(name, upto, None) for name in names])
    finally:
        await conn.close()
    # The indexes (the audit log alone has eight) and the statistics, on as many connections as there were
    # processes: the server builds one index per core, and nothing else runs now.
    pool = await asyncpg.create_pool(params.url, **params.asyncpg_kwargs(), min_size=1, max_size=max(1, workers),
                                     server_settings={"maintenance_work_mem": "256MB"})

    async def run(statement: str) -> None:
        async with pool.acquire() as each:
            await each.execute(statement)

    try:
        tables = dict.fromkeys(t for p in projections for t in p.tables) if upto is not None else {}
        await asyncio.gather(*(run(s) for s in suspended), *(run(f'ANALYZE "{t}"') for t in tables))
    finally:
        await pool.close()
