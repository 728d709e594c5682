"""Dataclass values inside stored events (a verification answer per member, the meals of a sheet) are rebuilt
by the codec from their JSON; plain dataclasses take a fast path (their `__dict__` filled directly, no frozen
`__init__` call), which must give exactly what the constructor gives: defaults for missing fields, unknown keys
ignored, nested values coerced — and classes that run code at construction still go through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from civicledger.core.eventstore import codec


@dataclass(frozen=True)
class Answer:
    income: Decimal = Decimal("0.00")
    on: date | None = None
    flags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Needed:
    who: UUID
    income: Decimal


@dataclass(frozen=True)
class Checked:
    income: Decimal

    def __post_init__(self) -> None:
        if self.income < 0:
            raise ValueError("negative income")


def test_plain_dataclasses_come_back_as_the_constructor_makes_them() -> None:
    make = codec.coercer_for(dict[UUID, Answer | None])
    who, other, nobody = uuid4(), uuid4(), uuid4()
    stored = codec.loads(codec.dumps({who: Answer(Decimal("12.50"), date(2026, 1, 2), ("DECEASED",), ["x"]),
                                      other: Answer(), nobody: None}))
    stored[str(other)]["unknown"] = 1  # a key the class no longer has is ignored

    made = make(stored)

    assert made == {who: Answer(Decimal("12.50"), date(2026, 1, 2), ("DECEASED",), ["x"]), other: Answer(),
                    nobody: None}
    assert type(made[who].income) is Decimal and type(made[who].flags) is tuple
    assert vars(made[other]) == vars(Answer())  # every field set, in declaration order
    assert list(vars(made[who])) == ["income", "on", "flags", "notes"]
    # Fields stored by an older shape (absent) take their defaults, a default factory a value of its own.
    older = codec.coercer_for(Answer)({"income": "1"})
    assert vars(older) == vars(Answer(Decimal("1")))
    assert older.notes == [] and older.notes is not codec.coercer_for(Answer)({}).notes


def test_a_missing_required_field_fails_as_the_constructor_fails() -> None:
    with pytest.raises(TypeError):
        codec.coercer_for(Needed)({"income": "1"})


def test_a_dataclass_that_checks_itself_is_still_constructed() -> None:
    make = codec.coercer_for(Checked)
    assert make({"income": "3"}) == Checked(Decimal("3"))
    with pytest.raises(ValueError):
        make({"income": "-1"})


def test_uuids_made_with_the_drivers_class_stand_for_the_standard_ones_and_are_written_back_the_same() -> None:
    from asyncpg.pgproto.pgproto import UUID as DriverUUID

    who = uuid4()
    stored = codec.dumps({"who": who, "income": "12.50"})
    previous = codec._make_uuid
    codec.make_uuids_with(UUID)
    assert type(codec.coercer_for(Needed)(codec.loads(stored)).who) is UUID
    codec.make_uuids_with(DriverUUID)
    try:
        made = codec.coercer_for(Needed)(codec.loads(stored))
        assert type(made.who) is DriverUUID and isinstance(made.who, UUID)
        assert made.who == who and hash(made.who) == hash(who) and {who: 1}[made.who] == 1
        assert made.who.bytes == who.bytes and str(made.who) == str(who)
        assert codec.dumps({"who": made.who, "income": "12.50"}) == stored
    finally:
        codec.make_uuids_with(previous)
