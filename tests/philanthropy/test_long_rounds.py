"""A long funding round stays cheap to command: a command reads the round forward from its newest state (what
changed since the last command), never its whole stream again — and still decides on the log as it stands: an
award made by another process is seen, a log that lost the kept state's last event is replayed, and a command
that fails half-way leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger, replay
from civicledger.core.eventstore.newest import NewestStates
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy.errors import RoundBudgetExceededError
from civicledger.domains.philanthropy.funding_round import FundingRound
from civicledger.domains.philanthropy.services import PhilanthropyService
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY
from tests.philanthropy.conftest import ADMIN_WANG, Round, ctx, open_round, ranked_pair


@pytest.fixture
def events_read(philanthropy_ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many stored events each read of a stream returned, from now on."""
    counts: list[int] = []
    select = philanthropy_ledger.recorder.select_events

    def counting(originator_id: Any, **kwargs: Any) -> Sequence[Any]:
        rows = select(originator_id, **kwargs)
        counts.append(len(rows))
        return rows

    monkeypatch.setattr(philanthropy_ledger.recorder, "select_events", counting)
    return counts


def test_a_proposal_to_a_round_of_forty_reads_only_what_changed_since_the_last_command(
        a_round: Round, service: PhilanthropyService, events_read: list[int]) -> None:
    for n in range(40):
        a_round.propose(f"海珠区社工服务社{n}")
    events_read.clear()

    forty_first = a_round.propose("越秀区阳光社工服务社")

    assert sum(events_read) <= 3, events_read  # the kept state's last event and the one submission since
    funding_round = service.get_round(a_round.id)
    assert len(funding_round.proposals) == 41 and funding_round.proposals[-1] == forty_first
    assert funding_round.version == 1 + 3 + 41  # opened, a panel of three, forty-one proposals


@pytest.fixture
def another_process(app_db: ConnectionParams) -> Iterator[PhilanthropyService]:
    """The same program in another process: a ledger (and kept states) of its own."""
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=2, max_overflow=2)
    yield PhilanthropyService(ledger, residents=ResidentRegistry(ledger))
    ledger.close()


def test_an_award_made_by_another_process_is_seen_by_the_next_command(
        service: PhilanthropyService, another_process: PhilanthropyService) -> None:
    small, first, second = ranked_pair(service, budget="100000")
    assert service.get_round(small.id).remaining_fen == 10_000_000  # kept here, before the other award

    another_process.award_grant(c.AwardGrant(first, "100000", "60000"), ctx(ADMIN_WANG))

    with pytest.raises(RoundBudgetExceededError) as refused:
        small.award(second)
    assert refused.value.details["remaining"] == "40000.00"
    assert service.get_round(small.id).awarded_fen == 6_000_000


def test_a_reconnect_forgets_every_kept_state(another_process: PhilanthropyService) -> None:
    small = open_round(another_process)
    another_process.get_round(small.id)
    assert len(another_process.ledger.newest) == 1

    another_process.ledger.reconnect()

    assert len(another_process.ledger.newest) == 0


def test_only_aggregates_without_personal_data_keep_their_newest_state() -> None:
    import civicledger.programs  # noqa: F401  (every program's aggregates)
    from civicledger.core.aggregate import CivicAggregate

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    kept = [a for a in subclasses(CivicAggregate) if a.__dict__.get("keep_newest")]
    personal = {a.__name__: e.__name__ for a in kept for e in vars(a).values()
                if isinstance(e, type) and issubclass(e, CivicAggregate.Event) and e.personal_data}

    assert FundingRound in kept and personal == {}


def _a_round() -> FundingRound:
    return FundingRound(title="2026年公益创投", year=2026, categories=(), budget_fen=100_000_00,
                        opens_on=date(2026, 3, 1), closes_on=date(2026, 4, 30), criteria=())


def test_a_kept_state_whose_last_event_left_the_log_is_replayed_from_the_start() -> None:
    funding_round = _a_round()
    lost, kept_in_log = UUID(int=1), UUID(int=2)
    funding_round.enter(lost)
    log = list(funding_round.collect_events())
    newest = NewestStates()

    def read(stream_id: UUID, after: int | None) -> list[Any]:
        return [e for e in log if after is None or e.originator_version > after]

    assert newest.get(funding_round.id, read, replay).proposals == [lost]
    # A restore (or a failover to a replica that missed it): the entry is gone, another took its version.
    rewound = _a_round_from(log[:-1])
    rewound.enter(kept_in_log)
    log = [*log[:-1], *rewound.collect_events()]

    assert newest.get(funding_round.id, read, replay).proposals == [kept_in_log]


def _a_round_from(events: list[Any]) -> FundingRound:
    state: FundingRound = replay(None, events)
    return state


def test_a_command_that_fails_half_way_leaves_the_kept_state_as_it_was() -> None:
    funding_round = _a_round()
    log = list(funding_round.collect_events())
    newest = NewestStates()
    reads: list[int | None] = []

    def read(stream_id: UUID, after: int | None) -> list[Any]:
        reads.append(after)
        return [e for e in log if after is None or e.originator_version > after]

    newest.get(funding_round.id, read, replay)
    decided = newest.get(funding_round.id, read, replay)
    decided.enter(UUID(int=3))  # decided, then never saved

    assert newest.get(funding_round.id, read, replay).proposals == []
    assert reads == [None, 0, 0], "read forward from the kept state, not replayed"


def test_kept_states_are_bounded_by_their_bytes() -> None:
    rounds = [_a_round() for _ in range(3)]
    logs = {r.id: list(r.collect_events()) for r in rounds}
    newest = NewestStates()
    reads: list[int | None] = []

    def read(stream_id: UUID, after: int | None) -> list[Any]:
        reads.append(after)
        return [e for e in logs[stream_id] if after is None or e.originator_version > after]

    newest.get(rounds[0].id, read, replay)
    newest.max_bytes = 2 * newest.bytes + 16  # room for two rounds (their ids pickle to a byte more or less)
    for r in (rounds[1], rounds[0], rounds[2]):
        newest.get(r.id, read, replay)
    reads.clear()
    newest.get(rounds[0].id, read, replay)
    newest.get(rounds[1].id, read, replay)

    assert reads == [0, None], "the recently used kept, the least recently used one read again from the start"
    assert len(newest) == 2 and 0 < newest.bytes <= newest.max_bytes
    newest.clear()
    assert len(newest) == 0 and newest.bytes == 0
