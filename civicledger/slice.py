"""What a program brings to the system, declared once: its `ProgramSlice`.

A program is its packages (`domains/<program>/` for aggregates, commands, services and timeline entries;
`projections/` for its read models; `processes/` for its process managers; `graphql/<program>/` for its
roots; `demo/<program>.py`) and one descriptor, `civicledger/programs/<program>.py`, listed once in
`civicledger.programs.PROGRAMS`. The runtime, the projection registry, the schema, the request context, the
demo, the CLI and the app iterate over that list; none of them names a program.

    SLICE = ProgramSlice(
        name="meals",
        service=lambda w: MealService(w.ledger, clock=w.clock, residents=w.services.residents),
        read_models=(CanteensProjection, MealsServedProjection),
        processes=(lambda w: RecallNotices(w),),
        query="civicledger.graphql.meals.queries:MealQueries",
        mutation="civicledger.graphql.meals.mutations:MealMutations",
        timeline=meals_timeline.CONTRIBUTION,
        demo="civicledger.demo.meals:load_meals",
    )
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from civicledger.core.clock import Clock
from civicledger.core.metadata import CommandContext
from civicledger.core.timeline import TimelineContribution

if TYPE_CHECKING:
    import argparse

    import asyncpg

    from civicledger.core.eventstore.application import Ledger
    from civicledger.core.eventstore.mapper import CivicMapper
    from civicledger.demo.world import DemoWorld
    from civicledger.projections.base import Projection


class Services(Mapping[str, Any]):
    """Every program's application service, by program name (`services.residents`, `services["meals"]`)."""

    def __init__(self, services: Mapping[str, Any] | None = None, **named: Any) -> None:
        self._services = {**(services or {}), **named}

    def __getitem__(self, name: str) -> Any:
        return self._services[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_services"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._services)

    def __len__(self) -> int:
        return len(self._services)


@dataclass(frozen=True)
class ServiceWiring:
    """What a service factory may use: the shared ledger, the clock, and the services built before it (the
    ports it needs from other programs are satisfied by those, never by importing them)."""

    ledger: Ledger
    clock: Clock
    services: Services


Execute = Callable[[Any, CommandContext], Awaitable[Any]]


@dataclass(frozen=True)
class ProcessWiring:
    """What a process manager or a scheduled job may use: it follows the log (mapper), reads read models (pool)
    and acts only by sending commands (`execute`, the one command path) or reading a service (`run`)."""

    mapper: CivicMapper
    pool: asyncpg.Pool
    services: Services
    execute: Execute
    run: Callable[..., Awaitable[Any]]
    clock: Clock

    @classmethod
    def over(cls, services: Services, *, mapper: CivicMapper, pool: asyncpg.Pool,
             clock: Clock | None = None) -> ProcessWiring:
        """A wiring over these services alone, off the event loop through `asyncio.to_thread` (tests, tools)."""
        from civicledger.core.clock import SystemClock
        from civicledger.core.commands import CommandBus

        bus = CommandBus(services.values())

        async def execute(command: Any, ctx: CommandContext) -> Any:
            return await asyncio.to_thread(bus.execute, command, ctx)

        async def run(fn: Callable[..., Any], *args: Any) -> Any:
            return await asyncio.to_thread(fn, *args)

        return cls(mapper=mapper, pool=pool, services=services, execute=execute, run=run,
                   clock=clock or SystemClock())


class Job(Protocol):
    """A timer-driven process (an SLA sweep): runs until stopped."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class CliCommand:
    """A `civicledger <name>` subcommand a program adds: the CLI starts a runtime (no projections) and awaits
    `action(wiring, args)`, whose result is the exit code."""

    name: str
    help: str
    action: Callable[[ProcessWiring, argparse.Namespace], Awaitable[int]]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    # True for a command that needs no database (an offline check): `action` gets no wiring (None).
    offline: bool = False


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per program
class ProgramSlice:
    name: str
    # (wiring) -> the program's application service; its `@handles` methods join the command bus.
    service: Callable[[ServiceWiring], Any] | None = None
    # Read models: each is constructed with the event mapper.
    read_models: Sequence[Callable[[CivicMapper], Projection]] = ()
    # Process managers: followers of the log (tracked like read models, never waited for by read-your-writes).
    processes: Sequence[Callable[[ProcessWiring], Projection]] = ()
    # Timer-driven jobs.
    jobs: Sequence[Callable[[ProcessWiring], Job]] = ()
    # GraphQL roots and any type reachable only through an interface (e.g. a Node); and the demo loader. Each
    # may be named by its import path (`"civicledger.graphql.meals.queries:MealQueries"`), imported only when
    # the schema is built or the demo loaded (`resolved`): a worker, a rebuild or a CLI command that serves no
    # GraphQL does not import the API and the demo (about a second of every start).
    query: type | str | None = None
    mutation: type | str | None = None
    types: Sequence[type | str] = ()
    timeline: TimelineContribution | None = None
    demo: Callable[[DemoWorld], None] | str | None = None
    cli: Sequence[CliCommand] = ()
    description: str = ""


def resolved(ref: Any) -> Any:
    """What a slice names by its import path (`"package.module:Name"`) — imported now — or the object itself."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def build_services(programs: Sequence[ProgramSlice], ledger: Ledger, clock: Clock) -> Services:
    """Each program's service, in the order of the list: a service's ports are the services before it."""
    built: dict[str, Any] = {}
    for program in programs:
        if program.service is not None:
            built[program.name] = program.service(ServiceWiring(ledger, clock, Services(built)))
    return Services(built)
