"""A pool of writer *processes* (not threads: the GIL would measure Python, not the store).

Each process keeps its own connections (a raw psycopg connection and a `Ledger` with its services) and takes
tasks over a pipe. A timed task starts at an agreed instant (CLOCK_MONOTONIC is machine-wide on Linux), so the
writers of one measurement run at the same time, and each counts what it completed inside the window.

Tasks:
- `raw`           one prepared single-row INSERT per autocommit transaction, a row shaped like an event
- `register`      `ResidentRegistry.register_resident`: the real single-event command (validation, aggregate,
                  per-resident key and encryption, metadata, hash chain, unique ID-number claim)
- `new_stream`    the same event through the same path, without the unique claim
- `register10`    a 10-event command: a new resident and nine address changes, saved in one append
- `existing`      `ResidentRegistry.change_address` on a resident that exists (load, decide, save)
- `store`         the store alone: `recorder.insert_events` of an already-mapped registration event with its
                  claim and new key (what `register` does minus validation, aggregate and encryption), to
                  split a command's cost between the Python command path and the store
- `demo_part`     a share of the demo population, through the demo loader (the services)
- `meals_demo`    the elder meal service's demo over that population (one writer: canteens, elders, weeks of
                  meals, a recall, a settled month), so the rebuild's log holds the program's events too
- `fill_history`  append N address changes to each given resident, one multi-event append per resident
- `long_history`  register a resident, then N address changes in multi-event appends of `batch` events
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import itertools
import multiprocessing as mp
import os
import pstats
import time
import traceback
import uuid
from datetime import date, timedelta
from typing import Any

RAW_TABLE = "bench_raw_events"
RAW_DDL = (
    f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ("
    " originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text NOT NULL,"
    " state bytea NOT NULL, notification_id bigint GENERATED ALWAYS AS IDENTITY,"
    " PRIMARY KEY (originator_id, originator_version))",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {RAW_TABLE}_position_idx ON {RAW_TABLE} (notification_id)",
)
RAW_INSERT = f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
RAW_TOPIC = "civicledger.domains.residents.resident:Resident.Registered"



class WriterError(RuntimeError):
    pass


# -- the parent side --------------------------------------------------------------------------------------


class WriterPool:
    def __init__(self, size: int, *, db_url: str, master_key: bytes) -> None:
        ctx = mp.get_context("spawn")
        self.size = size
        self._pipes: list[Any] = []
        self._procs: list[Any] = []
        for index in range(size):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_main, args=(index, child, db_url, master_key), daemon=True,
                               name=f"bench-writer-{index}")
            proc.start()
            child.close()
            self._pipes.append(parent)
            self._procs.append(proc)
        for pipe in self._pipes:
            self._receive(pipe)  # "ready"

    def _receive(self, pipe: Any) -> Any:
        message = pipe.recv()
        if isinstance(message, dict) and message.get("error"):
            raise WriterError(message["error"])
        return message

    def run(self, kind: str, writers: int, **task: Any) -> list[dict[str, Any]]:
        """Run one task on the first `writers` processes at once; return their results."""
        if writers > self.size:
            raise ValueError(f"only {self.size} writer processes")
        start_at = time.monotonic() + 0.25
        for pipe in self._pipes[:writers]:
            pipe.send({"kind": kind, "start_at": start_at, **task})
        return [self._receive(pipe) for pipe in self._pipes[:writers]]

    def run_each(self, kind: str, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Different arguments per process (one task per process, all at once)."""
        start_at = time.monotonic() + 0.1
        for pipe, task in zip(self._pipes, tasks, strict=False):
            pipe.send({"kind": kind, "start_at": start_at, **task})
        return [self._receive(pipe) for pipe in self._pipes[: len(tasks)]]

    def close(self) -> None:
        for pipe in self._pipes:
            with contextlib.suppress(Exception):
                pipe.send({"kind": "stop"})
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=2)


# -- the writer process -----------------------------------------------------------------------------------


def _main(index: int, pipe: Any, db_url: str, master_key: bytes) -> None:
    try:
        writer = _Writer(index, db_url, master_key)
    except Exception:
        pipe.send({"error": traceback.format_exc()})
        return
    pipe.send({"ready": index, "pid": os.getpid()})
    try:
        while True:
            task = pipe.recv()
            if task["kind"] == "stop":
                break
            try:
                pipe.send(writer.handle(task))
            except Exception:
                pipe.send({"error": f"writer {index}, task {task['kind']}:\n{traceback.format_exc()}"})
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        writer.close()


class _Writer:
    def __init__(self, index: int, db_url: str, master_key: bytes) -> None:
        import psycopg

        from bench.commands import BenchRegistry
        from civicledger.core.db import ConnectionParams
        from civicledger.core.eventstore.application import Ledger
        from civicledger.core.metadata import Actor, CommandContext
        from civicledger.domains.assistance.services import AssistanceService
        from civicledger.domains.linkage.services import LinkageService
        from civicledger.domains.meals.services import MealService
        from civicledger.runtime import Services
        from civicledger.settings import Settings

        self.index = index
        self.params = ConnectionParams.from_url(db_url)
        settings = Settings(database_url=db_url, master_key=master_key)
        self.ledger = Ledger(self.params, master_key=master_key, claims_secret=settings.claims_secret,
                             chain_key=settings.chain_mac_key,
                             pool_size=2, max_overflow=2, create_tables=False)
        self.registry = BenchRegistry(self.ledger)
        self.services = Services(residents=self.registry,
                                 assistance=AssistanceService(self.ledger, registry=self.registry),
                                 meals=MealService(self.ledger, residents=self.registry),
                                 linkage=LinkageService(self.ledger, residents=self.registry))
        self.raw = psycopg.connect(**self.params.psycopg_kwargs(), autocommit=True)  # type: ignore[arg-type]
        self.actor = Actor(id=f"bench-writer-{index}", role="caseworker", office="HAIZHU-JIANGHAI-STATION",
                           district="HAIZHU")
        self._ctx = CommandContext
        self._ids = itertools.count()
        self._existing: list[uuid.UUID] = []
        self._payload = b""
        self._template: tuple[Any, ...] | None = None

    def ctx(self) -> Any:
        return self._ctx(actor=self.actor, origin="civicledger bench")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.raw.close()
        with contextlib.suppress(Exception):
            self.ledger.close()

    # -- identities -----------------------------------------------------------------------------------

    def next_id_number(self) -> str:
        """Valid, unique per writer: a Beijing area code of our own, then birth date and odd sequence."""
        from civicledger.core.resident_id import make_resident_id

        n = next(self._ids)
        born = date(1950, 1, 1) + timedelta(days=n // 499)
        return make_resident_id(f"11010{self.index + 1}", born, (n % 499) * 2 + 1)

    def register_command(self) -> Any:
        from civicledger.domains.residents.commands import RegisterResident

        return RegisterResident(name="测试居民", id_number=self.next_id_number(), district="HAIZHU",
                                street="江海街", community="红卫社区", phone="13800138000")

    # -- operations -------------------------------------------------------------------------------------

    def op_raw(self) -> int:
        self.raw.execute(RAW_INSERT, (uuid.uuid4(), 1, RAW_TOPIC, self._payload), prepare=True)
        return 1

    def op_register(self) -> int:
        self.registry.register_resident(self.register_command(), self.ctx())
        return 1

    def op_new_stream(self) -> int:
        self.registry.register_without_claim(self.register_command(), self.ctx())
        return 1

    def op_register10(self) -> int:
        return self.registry.register_and_move(self.register_command(), self.ctx(), moves=9).version

    def op_store(self) -> int:
        from eventsourcing.persistence import StoredEvent

        from civicledger.core.eventstore.claims import Claim
        from civicledger.core.eventstore.recorder import AppendRequest

        if self._template is None:
            from civicledger.core.metadata import CommandContext

            resident = self.registry._new_resident(self.register_command())
            with self.ledger.keyring.collecting_new_keys() as keys:
                stored = self.ledger.mapper.to_stored_event(resident.collect_events()[0])
            self._template = (stored.topic, stored.state, keys[0][1],
                              tuple(CommandContext(actor=self.actor).as_metadata().values()))
        topic, state, wrapped, meta = self._template
        rid = uuid.uuid4()
        self.ledger.recorder.insert_events(
            [StoredEvent(originator_id=rid, originator_version=1, topic=topic, state=state)],
            write=AppendRequest(meta=meta, claims=(Claim("bench_store", rid.hex, rid),), new_keys=[(rid, wrapped)]),
        )
        return 1

    def op_existing(self) -> int:
        from bench.commands import STREETS
        from civicledger.domains.residents.commands import ChangeAddress

        n = next(self._ids)
        rid = self._existing[n % len(self._existing)]
        self.registry.change_address(
            ChangeAddress(resident_id=rid, district="HAIZHU", street=STREETS[n % len(STREETS)], community=f"社区{n}"),
            self.ctx(),
        )
        return 1

    # -- tasks ------------------------------------------------------------------------------------------

    def handle(self, task: dict[str, Any]) -> dict[str, Any]:
        kind = task["kind"]
        if kind in ("raw", "register", "new_stream", "register10", "existing", "store"):
            return self.timed(kind, task)
        if kind == "prepare_raw":
            with self.raw.cursor() as cur:
                for statement in RAW_DDL:
                    cur.execute(statement)
            return {"ok": True}
        if kind == "prepare_existing":
            self._existing = [self.registry.register_resident(self.register_command(), self.ctx()).stream_id
                              for _ in range(task["count"])]
            return {"ok": True, "count": len(self._existing)}
        if kind == "demo_part":
            return self.demo_part(task["residents"], task["part"], task["parts"])
        if kind == "meals_demo":
            return self.meals_demo(task["residents"], task["households"])
        if kind == "programs_demo":
            return self.programs_demo(task["residents"], task["households"], task["household_ids"])
        if kind == "fill_history":
            return self.fill_history([uuid.UUID(r) for r in task["residents"]], task["events"])
        if kind == "long_history":
            return self.long_history(task["events"], task["batch"])
        raise ValueError(f"unknown task {kind}")

    def timed(self, kind: str, task: dict[str, Any]) -> dict[str, Any]:
        if kind == "raw":
            self._payload = os.urandom(int(task["payload_bytes"]))
        op = getattr(self, f"op_{kind}")
        duration = float(task["duration"])
        profile = cProfile.Profile() if task.get("profile") else None
        delay = task["start_at"] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        start = time.monotonic()
        end = start + duration
        ops = events = 0
        latencies: list[float] = []
        now = start
        if profile:
            profile.enable()
        while now < end:
            t0 = now
            events += op()
            now = time.monotonic()
            ops += 1
            latencies.append(now - t0)
        if profile:
            profile.disable()
        elapsed = now - start
        result: dict[str, Any] = {"kind": kind, "ops": ops, "events": events, "elapsed": elapsed,
                                  "rate": ops / elapsed if elapsed else 0.0, "latencies": _sample(latencies)}
        if profile:
            result["profile"] = profile_table(profile)
        return result

    def demo_part(self, residents: int, part: int, parts: int) -> dict[str, Any]:
        from civicledger import demo

        households = demo.plan(residents)[part::parts]
        loaded = [demo.load_household(self.services, household) for household in households]
        members = [[str(i) for i in ids] for ids, _ in loaded]
        return {"residents": [rid for ids in members for rid in ids], "households": members,
                "household_ids": [str(hid) for _, hid in loaded]}

    def meals_demo(self, residents: int, households: list[list[str]]) -> dict[str, Any]:
        """The meal service's demo (`civicledger.demo.meals`) over the population `demo_part` loaded: its
        households in plan order, with their members' ids (a smaller population gets fewer elders; the tiny
        run, one week)."""
        from civicledger import demo
        from civicledger.demo.meals import load_meals, load_meals_for
        from civicledger.demo.world import DemoWorld

        world = DemoWorld(services=self.services, households=demo.plan(residents), threads=2,
                          member_ids=[[uuid.UUID(i) for i in ids] for ids in households])
        if residents < 100:
            return {"meals": load_meals_for(world, elders=20, weeks=1)}
        return {"meals": load_meals(world)}

    def programs_demo(self, residents: int, households: list[list[str]], household_ids: list[str]) -> dict[str, Any]:
        """Social assistance (a year of 2018's caseload over the hukou households, with its verification
        matrices) and three-society linkage (organisations, needs, referrals, tasks) over the population
        `demo_part` loaded: the data of the integrator-shaped queries (issue 12 item 6)."""
        from civicledger import demo
        from civicledger.demo.assistance import load_assistance
        from civicledger.demo.linkage import load_linkage
        from civicledger.demo.world import DemoWorld

        world = DemoWorld(services=self.services, households=demo.plan(residents), threads=2,
                          member_ids=[[uuid.UUID(i) for i in ids] for ids in households],
                          household_ids=[uuid.UUID(h) for h in household_ids])
        return {"assistance_cases": load_assistance(world), "linkage_communities": load_linkage(world)}

    def fill_history(self, residents: list[uuid.UUID], events: int) -> dict[str, Any]:
        appended = 0
        for rid in residents:
            appended += self.registry.move_many(rid, self.ctx(), events)
        return {"events": appended}

    def long_history(self, events: int, batch: int) -> dict[str, Any]:
        recorded = self.registry.register_resident(self.register_command(), self.ctx())
        resident = self.registry.get_resident(recorded.stream_id)
        written = 1
        started = time.monotonic()
        while written < events:
            n = min(batch, events - written)
            self.registry.move_loaded(resident, self.ctx(), n, offset=written)
            written += n
        return {"resident": str(recorded.stream_id), "events": written, "elapsed": time.monotonic() - started}


def _sample(latencies: list[float], cap: int = 2000) -> list[float]:
    if len(latencies) <= cap:
        return latencies
    step = len(latencies) / cap
    return [latencies[int(i * step)] for i in range(cap)]


def profile_table(profile: cProfile.Profile, top: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    # Keep the table, drop the preamble and shorten site-packages paths.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
    return "\n".join(ln.replace(os.path.dirname(os.__file__), "<stdlib>") for ln in lines[start:])
