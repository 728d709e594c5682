"""`rebuild_realistic_events_per_s`: `civicledger rebuild` of a log shaped like the demo — registrations,
households, assistance cases with their verification and payroll, linkage needs and referrals, casework,
meals, marriage — in a database of its own (the main bench log is mostly address changes, which flatter a
rebuild). Every read model is rebuilt from position zero, as `civicledger rebuild` does it (one process per
core), and once more in one process; the figure is the log's events divided by the wall time of the former.
Issue 12 wants a log of at least 1,000,000 events in the full bench (`--rebuild-events`).

How the log is made: the demo is loaded through the application services (the real commands) for at most
`BASE_EVENTS` events — on this shared 2-core machine that went at ~290 events/s (223,686 events from 36,000
residents in 13 minutes), so 1,000,000 events that way would take about an hour. The rest of the log is made by
*replicating* that demo log: each copy is the demo's events, decoded by the event store's mapper, with every UUID
in them (stream ids, references between streams, keys of per-resident mappings) replaced by one of its own (uuid5
of the copy's name and the old id: references between a copy's streams stay consistent, no stream or resident is
shared between copies but the reference tables below), then encoded by the mapper again (personal fields sealed
under new per-resident keys, created with the copy's registrations as a command would) and appended through the
recorder's append call (`CivicApplicationRecorder.insert_events`: positions, hash chain, MACs, keys), one call
per command of the original (its consecutive events with the same metadata), several copies at once (processes,
threads in each; commits without waiting for the WAL flush): 894,640 events in 4 minutes here. So every event has
the class, the fields and the sizes of a demo event, the same metadata and timestamps, and the same mix of topics
— except the city's reference tables (`SHARED_AGGREGATES`: the assistance standards, the meal rules, the linkage
routing), which a copy shares with the original instead of publishing them again; claims (unique ID numbers) and
idempotency records are not written again for the copies: nothing in a rebuild reads them."""

from __future__ import annotations

import argparse
import asyncio
import copy as copying
import dataclasses
import json
import math
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from civicledger.core.db import ConnectionParams
from civicledger.settings import Settings

# Events per demo resident (registration, households, programs), measured on the demo: 187,992 for 36,000.
EVENTS_PER_RESIDENT = 5.2
# The demo is loaded through the services up to about this many events; beyond, the log grows by copies of it.
BASE_EVENTS = 150_000
COPY_PROCESSES = 2
COPY_THREADS = 3
# The command metadata columns of `events`, in the order of `AppendRequest.meta`.
META = ("actor_id", "actor_role", "actor_office", "actor_district", "reason", "correlation_id", "causation_id",
        "idempotency_key", "origin")
# The city's reference tables: one stream per program (its standards, its rules, its routing), keyed by their
# own revision numbers in their read models. A copy of the city's people shares them, so they are not copied
# (and references to them are kept).
SHARED_AGGREGATES = ("AssistanceStandard", "MealRuleTable", "RoutingTable")
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


async def _load(settings: Settings, params: ConnectionParams, residents: int) -> int:
    from civicledger import demo
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        await asyncio.to_thread(demo.load, runtime.services, residents, programs=runtime.programs)
        assert runtime.pool is not None
        async with runtime.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await runtime.close()


def _renamer(copy: str, shared: frozenset[uuid.UUID] = frozenset()) -> Callable[[Any], Any]:
    """A copy's UUIDs: uuid5 of the copy's name and the old id, so that references between streams hold; the
    `shared` streams keep theirs."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"civicledger-bench-copy-{copy}")
    ids: dict[uuid.UUID, uuid.UUID] = {s: s for s in shared}

    def new_id(old: uuid.UUID) -> uuid.UUID:
        new = ids.get(old)
        if new is None:
            new = ids[old] = uuid.uuid5(namespace, old.hex)
        return new

    def rename(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return new_id(value)
        if isinstance(value, str):
            return str(new_id(uuid.UUID(value))) if len(value) == 36 and _UUID_TEXT.fullmatch(value) else value
        if isinstance(value, dict):
            return {rename(k): rename(v) for k, v in value.items()}
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*(rename(v) for v in value))
        if isinstance(value, list | tuple | set | frozenset):
            return type(value)(rename(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            clone = copying.copy(value)
            for f in dataclasses.fields(value):
                object.__setattr__(clone, f.name, rename(getattr(value, f.name)))
            return clone
        return value

    return rename


def replicate(settings: Settings, params: ConnectionParams, copies: int, *, processes: int = COPY_PROCESSES,
              threads: int = COPY_THREADS) -> int:
    """Append `copies` copies of the log as it stands (see the module docstring) from `processes` processes,
    each appending up to `threads` copies at once (an append is a round trip: threads overlap the waits, the
    processes the Python work); the events appended."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    import psycopg

    if copies <= 0:
        return 0
    with psycopg.connect(params.url) as conn:
        row = conn.execute("SELECT max(notification_id) FROM events").fetchone()
    upto = int(row[0] or 0) if row else 0
    salt = uuid.uuid4().hex  # copies of a log that already holds copies get ids of their own
    groups = [list(range(first, copies + 1, processes)) for first in range(1, min(processes, copies) + 1)]
    with ProcessPoolExecutor(len(groups), mp_context=mp.get_context("spawn")) as pool:
        return sum(pool.map(_append_copies, *zip(*[(settings, params, upto, salt, group, threads)
                                                   for group in groups], strict=True)))


def _append_copies(settings: Settings, params: ConnectionParams, upto: int, salt: str, numbers: list[int],
                   threads: int) -> int:
    """In a process of its own: append the copies `numbers` of the log up to position `upto`."""
    from eventsourcing.persistence import StoredEvent

    from civicledger.core.eventstore.application import Ledger
    from civicledger.core.eventstore.recorder import AppendRequest
    from civicledger.projections.base import ERASURE_TOPICS

    threads = max(1, min(threads, len(numbers)))
    # A copy's commits do not wait for the WAL flush (each append is its own transaction): a bench log, not a
    # ledger anyone relies on. (libpq reads PGOPTIONS; this process is the copier's own.)
    os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c synchronous_commit=off").strip()
    ledger = Ledger(params, master_key=settings.master_key, claims_secret=settings.claims_secret,
                    chain_key=settings.chain_mac_key, pool_size=threads + 1, max_overflow=threads + 1,
                    create_tables=False)
    ledger.keyring.ttl = 24 * 3600.0  # a copy's keys stay at hand: no key is fetched back one by one
    try:
        with ledger.datastore.get_connection() as conn:
            wrapped = {r["subject_id"]: r["wrapped_key"]
                       for r in conn.execute("SELECT subject_id, wrapped_key FROM subject_keys").fetchall()}
            rows = conn.execute(f"SELECT originator_id, originator_version, topic, state, {', '.join(META)}"
                                " FROM events WHERE notification_id <= %s ORDER BY notification_id",
                                (upto,)).fetchall()
        keys = ledger.keyring.unwrapping(wrapped)
        # The original commands: consecutive events with the same metadata, decoded once for all copies.
        commands: list[tuple[tuple[Any, ...], list[Any]]] = []
        shared = frozenset(r["originator_id"] for r in rows
                           if r["originator_version"] == 1 and r["topic"].rsplit(":", 1)[-1].split(".")[0]
                           in SHARED_AGGREGATES)
        for r in rows:
            if r["originator_id"] in shared:
                continue
            meta = tuple(r[c] for c in META)
            event = ledger.mapper.to_domain_event(
                StoredEvent(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])), keys)
            if commands and commands[-1][0] == meta and len(commands[-1][1]) < 500:
                commands[-1][1].append(event)
            else:
                commands.append((meta, [event]))
        del rows

        def append_copy(number: int) -> int:
            rename = _renamer(f"{salt}-{number}", shared)
            appended = 0
            for meta, events in commands:
                clones = []
                for event in events:
                    clone = object.__new__(type(event))
                    object.__setattr__(clone, "__dict__", rename(vars(event)))
                    clones.append(clone)
                with ledger.keyring.collecting_new_keys() as new_keys:
                    stored = [ledger.mapper.to_stored_event(c) for c in clones]
                erased = tuple(c.originator_id for c, s in zip(clones, stored, strict=True)
                               if s.topic in ERASURE_TOPICS)
                ledger.recorder.insert_events(stored, write=AppendRequest(meta=meta, new_keys=new_keys,
                                                                          erase_subjects=erased))
                appended += len(stored)
            return appended

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return sum(pool.map(append_copy, numbers))
    finally:
        ledger.close()


async def _rebuild_one_process(settings: Settings, params: ConnectionParams, names: list[str]) -> dict[str, float]:
    from civicledger.projections.runner import rebuild
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        assert runtime.runner is not None
        return await rebuild(runtime.runner, names)
    finally:
        await runtime.close()


async def _create_tables(settings: Settings, params: ConnectionParams) -> None:
    """What `civicledger rebuild` does first: a start without projections creates every read model's tables (a
    database that was only migrated has none), before any process rebuilds."""
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    await runtime.close()


def run(settings: Settings, params: ConnectionParams, *, events: int, log: Callable[[str], None],
        processes: int | None = None) -> dict[str, Any]:
    from civicledger.programs import read_model_names
    from civicledger.rebuild import LAST_PROCESS_CPU, rebuild_in_processes

    processes = processes or os.cpu_count() or 1
    residents = max(10, round(min(events, BASE_EVENTS) / EVENTS_PER_RESIDENT))
    started = time.monotonic()
    base = asyncio.run(_load(settings, params, residents))
    log(f"demo log: {base:,} events ({residents:,} residents) loaded through the services in"
        f" {time.monotonic() - started:.0f}s")
    copies = math.ceil((events - base) / base) if events > base else 0
    in_log = base
    if copies:
        started = time.monotonic()
        in_log += replicate(settings, params, copies)
        log(f"demo-shaped log: {in_log:,} events ({copies} copies of the demo log appended in"
            f" {time.monotonic() - started:.0f}s)")
    names = read_model_names()
    out: dict[str, Any] = {"events_in_log": in_log, "residents": residents * (copies + 1), "processes": processes,
                           "demo_events": base, "copies": copies}
    started = time.perf_counter()
    rates = rebuild_in_processes(settings, params, names, processes)
    wall = time.perf_counter() - started
    out["events_per_s"] = in_log / wall if wall > 0 else 0.0
    out["wall_s"] = wall
    out["process_cpu_s"] = {group: round(cpu, 2) for group, cpu in LAST_PROCESS_CPU.items()}
    log(f"rebuild of the demo-shaped log, {processes} processes: {out['events_per_s']:,.0f} events/s"
        f" (CPU s per process: {', '.join(f'{c:.1f}' for c in LAST_PROCESS_CPU.values())})")
    started = time.perf_counter()
    cpu = time.process_time()
    one = asyncio.run(_rebuild_one_process(settings, params, names))
    wall = time.perf_counter() - started
    out["one_process_cpu_s"] = round(time.process_time() - cpu, 2)
    out["one_process_events_per_s"] = in_log / wall if wall > 0 else 0.0
    out["per_projection_one_process"] = {k: v for k, v in one.items() if k != "*"}
    log(f"rebuild of the demo-shaped log, 1 process: {out['one_process_events_per_s']:,.0f} events/s")
    rates.pop("*", None)
    out["per_projection"] = rates
    return out


def main(argv: list[str]) -> int:
    """Standalone: rebuild an existing database's log (e.g. one `civicledger demo --load-only` filled), with the
    environment's settings; no loading (`--copies N` first appends N copies of the log as it stands)."""
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_realistic")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--copies", type=int, default=0,
                        help="first append this many copies of the log as it stands (see the module docstring)")
    args = parser.parse_args(argv)
    from civicledger.programs import read_model_names
    from civicledger.rebuild import LAST_PROCESS_CPU, rebuild_in_processes

    settings = Settings.from_env()
    params = ConnectionParams.from_url(settings.database_url or "")
    import psycopg

    if args.copies:
        started = time.monotonic()
        appended = replicate(settings, params, args.copies)
        print(f"appended {appended:,} events in {time.monotonic() - started:.0f}s", file=sys.stderr)
    with psycopg.connect(params.url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    events = int(row[0]) if row else 0
    asyncio.run(_create_tables(settings, params))
    from bench import procinfo

    busy, _ = procinfo.machine_busy()
    started = time.perf_counter()
    if args.processes == 1:
        cpu = time.process_time()
        asyncio.run(_rebuild_one_process(settings, params, read_model_names()))
        per_process = [time.process_time() - cpu]
    else:
        rebuild_in_processes(settings, params, read_model_names(), args.processes)
        per_process = list(LAST_PROCESS_CPU.values())
    wall = time.perf_counter() - started
    # Every CPU second the machine spent meanwhile (the rebuild's processes, PostgreSQL's backends and anything
    # else running: read it on a quiet machine) against what the wall time offered.
    machine_cpu = (procinfo.machine_busy()[0] - busy) / os.sysconf("SC_CLK_TCK")
    print(json.dumps({"events": events, "processes": args.processes, "wall_s": round(wall, 2),
                      "events_per_s": round(events / wall), "cpu_s_per_process": [round(c, 1) for c in per_process],
                      "machine_cpu_s": round(machine_cpu, 1), "machine_cpu_offered_s": round(wall * (os.cpu_count() or 1), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
