"""One live marriage per person, city-wide, under concurrency: two offices register the same man at the same
moment — in two processes, each with its own connections — and exactly one marriage is recorded, round after
round. And two registrations racing at one office both succeed, with different certificate numbers."""

from __future__ import annotations

import multiprocessing
import queue
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.errors import AlreadyMarriedError
from civicledger.domains.marriage.service_base import LIVE_MARRIAGE_SCOPE
from civicledger.domains.marriage.services import MarriageService
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY
from tests.marriage.conftest import REGISTRAR_HAIZHU, REGISTRAR_TIANHE, World, at, ctx

ROUNDS = 10
REGISTRAR_HAIZHU_TOO = Actor(id="reg-wu", role="caseworker", office="HAIZHU-MARRIAGE-REGISTRY", district="HAIZHU")
ON = date(2026, 5, 20)


@dataclass(frozen=True)
class Attempt:
    husband: UUID
    wife: UUID


def _registrar(params: ConnectionParams, actor: Actor, attempts: list[Attempt], barrier: Any, out: Any) -> None:
    """One office in a process of its own: at each round's barrier, register its couple; report the outcome."""
    from civicledger.core.clock import FixedClock

    ledger = Ledger(params, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=1, max_overflow=1,
                    create_tables=False)
    service = MarriageService(ledger, residents=ResidentRegistry(ledger), clock=FixedClock(at(ON)))
    try:
        for n, attempt in enumerate(attempts):
            barrier.wait(timeout=60)
            try:
                recorded = service.register_marriage(c.RegisterMarriage(attempt.husband, attempt.wife), ctx(actor))
                out.put((n, actor.district, "married", str(recorded.stream_id)))
            except AlreadyMarriedError as exc:
                out.put((n, actor.district, "refused", exc.code))
            except Exception as exc:  # reported, so the test fails with the cause
                out.put((n, actor.district, "error", repr(exc)))
    finally:
        ledger.close()


def _race(app_db: ConnectionParams, *offices: tuple[Actor, list[Attempt]]) -> dict[int, list[tuple[str, ...]]]:
    """Two registrars, each in a process of its own, meeting at a barrier before each round's registration."""
    mp = multiprocessing.get_context("spawn")
    barrier, out = mp.Barrier(len(offices)), mp.Queue()
    workers = [mp.Process(target=_registrar, args=(app_db, actor, attempts, barrier, out))
               for actor, attempts in offices]
    for w in workers:
        w.start()
    results: dict[int, list[tuple[str, ...]]] = {}
    try:
        for _ in range(sum(len(attempts) for _, attempts in offices)):
            n, office, outcome, detail = out.get(timeout=120)
            results.setdefault(n, []).append((office, outcome, detail))
    except queue.Empty:
        raise AssertionError(f"the registrars stopped answering: {results}") from None
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    return results


def live_claims(world: World, owners: set[UUID]) -> int:
    with world.marriage.ledger.datastore.get_connection() as conn:
        row = conn.execute("SELECT count(*) AS n FROM claims WHERE scope = %s AND owner_id = ANY(%s)",
                           (LIVE_MARRIAGE_SCOPE, list(owners))).fetchone()
        return int(row["n"])


def test_the_same_man_registered_at_two_offices_at_once_is_married_once(world: World, app_db: ConnectionParams
                                                                         ) -> None:
    men = [world.man() for _ in range(ROUNDS)]
    haizhu = [Attempt(m, world.woman()) for m in men]
    tianhe = [Attempt(m, world.woman()) for m in men]

    results = _race(app_db, (REGISTRAR_HAIZHU, haizhu), (REGISTRAR_TIANHE, tianhe))

    for n, man in enumerate(men):
        outcomes = sorted(outcome for _, outcome, _ in results[n])
        assert outcomes == ["married", "refused"], results[n]
        record = world.marriage.marital_record(man)
        assert record is not None and len(record.marriages) == 1
        winner = UUID(next(d for _, o, d in results[n] if o == "married"))
        assert record.live_marriage_id == winner
        brides = [world.marriage.marital_record(a.wife) for a in (haizhu[n], tianhe[n])]
        assert sorted(r is not None for r in brides) == [False, True]  # the refused bride has no record at all
        assert live_claims(world, {winner}) == 2  # his and his bride's


def test_two_couples_at_one_office_at_once_get_different_certificate_numbers(world: World,
                                                                             app_db: ConnectionParams) -> None:
    first = [Attempt(world.man(), world.woman()) for _ in range(ROUNDS)]
    second = [Attempt(world.man(), world.woman()) for _ in range(ROUNDS)]
    results = _race(app_db, (REGISTRAR_HAIZHU, first), (REGISTRAR_HAIZHU_TOO, second))

    numbers = []
    for n in range(ROUNDS):
        assert [o for _, o, _ in results[n]] == ["married", "married"], results[n]
        numbers += [world.marriage.get_marriage(UUID(d)).certificate_number for _, _, d in results[n]]
    assert len(set(numbers)) == len(numbers) == 2 * ROUNDS
    assert all(n.startswith("J440105-2026-") for n in numbers)
