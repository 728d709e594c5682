"""Events written in an older shape are upcast on read (`CivicMapper.to_domain_event`), never rewritten.

An event class that changes shape raises its `class_version` and gains a static `upcast_vN_vN+1(state)` per
step; events stored by the older code (no `class_version` in the payload, so version 1) are brought up step by
step on every read: by the aggregate's repository, by the read models' runner and by the inspectors' history.
The stored bytes, and so the hash chain, the MACs and `civicledger verify`, stay as they were.

Here a parcel's registration was first stored with its weight in grams (v1), then gained tags (v2), then
the weight moved to kilograms as text (v3); a v1 event written by "the old code" (straight into the log,
with the old payload) and a v3 event written by the current code are both read as v3."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from civicledger.core.aggregate import CivicAggregate
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore import codec
from civicledger.core.eventstore.application import CivicApplication, Ledger
from civicledger.core.eventstore.recorder import AppendRequest
from civicledger.runtime import Runtime
from tests.conftest import MASTER_KEY, make_settings


class Parcel(CivicAggregate):
    class Registered(CivicAggregate.Created):
        class_version = 3
        personal_data: ClassVar[dict[str, str]] = {"sender_phone": "self"}
        label: str
        weight_kg: str
        tags: list[str]
        sender_phone: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tags"] = []

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            grams = state.pop("weight_grams")
            state["weight_kg"] = f"{grams / 1000:.3f}"

    def __init__(self, label: str, weight_kg: str, tags: list[str], sender_phone: str | None) -> None:
        self.label = label
        self.weight_kg = weight_kg
        self.tags = list(tags)
        self.sender_phone = sender_phone


class Parcels(CivicApplication):
    def register(self, **fields: Any) -> UUID:
        parcel = Parcel._create(Parcel.Registered, **fields)
        self.save(parcel)
        return parcel.id

    def parcel(self, parcel_id: UUID) -> Parcel:
        return self.repository.get(parcel_id)  # type: ignore[no-any-return]


@pytest.fixture
def ledger(scratch_db: ConnectionParams) -> Iterator[Ledger]:
    settings = make_settings()
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=settings.claims_secret,
                    chain_key=settings.chain_mac_key, pool_size=2, max_overflow=2)
    try:
        yield ledger
    finally:
        ledger.close()


def write_v1(ledger: Ledger, parcel_id: UUID) -> None:
    """What the code of version 1 stored: weight in grams, no tags, no class_version in the payload."""
    v1 = {"timestamp": "2018-03-01T09:30:00+08:00", "originator_topic": get_topic(Parcel),
          "label": "旧包裹", "weight_grams": 1250, "sender_phone": None}
    stored = StoredEvent(originator_id=parcel_id, originator_version=1, topic=get_topic(Parcel.Registered),
                         state=codec.dumps(v1))
    ledger.recorder.insert_events([stored], write=AppendRequest())


def test_a_v1_event_is_read_as_v3(ledger: Ledger) -> None:
    app = Parcels(ledger)
    old_id = uuid4()
    write_v1(ledger, old_id)
    stored = ledger.recorder.select_events(old_id)
    assert "class_version" not in codec.loads(bytes(stored[0].state))

    event = ledger.mapper.to_domain_event(stored[0])
    assert isinstance(event, Parcel.Registered)
    assert event.weight_kg == "1.250" and event.tags == [] and not hasattr(event, "weight_grams")

    parcel = app.parcel(old_id)
    assert (parcel.label, parcel.weight_kg, parcel.tags, parcel.version) == ("旧包裹", "1.250", [], 1)
    # Read again: the stored bytes were not rewritten (the chain and the MACs cover them).
    assert ledger.recorder.select_events(old_id)[0].state == stored[0].state


def test_the_current_shape_is_stored_with_its_version_and_read_as_it_is(ledger: Ledger) -> None:
    app = Parcels(ledger)
    new_id = app.register(label="新包裹", weight_kg="0.500", tags=["fragile"], sender_phone="13800138000")
    state = codec.loads(bytes(ledger.recorder.select_events(new_id)[0].state))
    assert state["class_version"] == 3 and state["weight_kg"] == "0.500"
    assert state["sender_phone"] is None  # sealed: personal data is never stored in clear
    parcel = app.parcel(new_id)
    assert (parcel.weight_kg, parcel.tags, parcel.sender_phone) == ("0.500", ["fragile"], "13800138000")


def test_old_events_are_upcast_for_read_models_and_verify_clean(scratch_db: ConnectionParams,
                                                                ledger: Ledger) -> None:
    """The runner's decode path upcasts too, and an old-shape event in the log verifies like any other."""
    old_id = uuid4()
    write_v1(ledger, old_id)

    async def check() -> None:
        runtime = Runtime(make_settings(), scratch_db)
        await runtime.start(run_projections=False, run_processes=False)
        try:
            assert runtime.runner is not None and runtime.inspection is not None
            batch, _ = await runtime.runner._read(0, None, True)
            events = [e.event for e in batch if e.stream_id == old_id]
            assert [(e.weight_kg, e.tags) for e in events] == [("1.250", [])]
            await runtime.inspection.seal()
            report = await runtime.inspection.verify(witness=False)
            assert report.ok, report.render()
        finally:
            await runtime.close()

    asyncio.run(check())
