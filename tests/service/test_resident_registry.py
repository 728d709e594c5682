"""The registry through its application service, on the real event store."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from civicledger.core.errors import (
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    StaleVersionError,
)
from civicledger.core.eventstore.application import Ledger
from civicledger.core.guangzhou import UnknownDistrictError
from civicledger.core.resident_id import ResidentIdNumberInvalidError
from civicledger.core.text import TextInvalidError
from civicledger.domains.residents.commands import (
    AddHouseholdMember,
    ChangeAddress,
    CorrectResidentDetails,
    EstablishHousehold,
    RecordDeath,
    RegisterResident,
)
from civicledger.domains.residents.errors import (
    AlreadyInHouseholdError,
    ResidentDeceasedError,
    ResidentIdNumberTakenError,
)
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import new_id_number
from tests.service.conftest import REGISTRY_OFFICE, ctx


def register(registry: ResidentRegistry, name: str = "王芳", id_number: str | None = None, **kw: object) -> uuid.UUID:
    cmd = RegisterResident(name=name, id_number=id_number or new_id_number(), district="HAIZHU", street="江海街",
                           community="红卫社区", phone="13800138000", **kw)  # type: ignore[arg-type]
    return registry.register_resident(cmd, ctx()).stream_id


def events_of(ledger: Ledger, stream_id: uuid.UUID) -> list[dict[str, object]]:
    with ledger.datastore.get_connection() as conn:
        return conn.execute(
            "SELECT originator_version, topic, actor_id, reason, correlation_id, idempotency_key"
            " FROM events WHERE originator_id = %s ORDER BY originator_version", (stream_id,)
        ).fetchall()


def test_registration_derives_gender_and_birth_date_from_the_id_number(registry: ResidentRegistry) -> None:
    number = new_id_number(born=date(1960, 5, 1), male=False)

    resident = registry.get_resident(register(registry, id_number=number))

    assert resident.birth_date == date(1960, 5, 1)
    assert resident.gender.value == "FEMALE"
    assert resident.version == 1


def test_every_event_carries_who_why_and_the_correlation_id(registry: ResidentRegistry, ledger: Ledger) -> None:
    rid = register(registry)

    registry.correct_resident_details(CorrectResidentDetails(rid, expected_version=1, phone="13900139000"),
                                      ctx(reason="typo on the intake form"))

    rows = events_of(ledger, rid)
    assert [r["actor_id"] for r in rows] == ["cw-li", "cw-li"]
    assert rows[1]["reason"] == "typo on the intake form"
    assert all(r["correlation_id"] for r in rows)


def test_personal_fields_are_encrypted_in_the_stored_payload(registry: ResidentRegistry, ledger: Ledger) -> None:
    number = new_id_number()
    rid = register(registry, name="冼嘉怡", id_number=number)

    with ledger.datastore.get_connection() as conn:
        state = bytes(conn.execute("SELECT state FROM events WHERE originator_id = %s", (rid,)).fetchone()["state"])

    assert number.encode() not in state
    assert "冼嘉怡".encode() not in state
    assert b"$sealed" in state


def test_a_correction_needs_a_reason(registry: ResidentRegistry) -> None:
    rid = register(registry)

    with pytest.raises(InvalidInputError) as error:
        registry.correct_resident_details(CorrectResidentDetails(rid, phone="13900139000"), ctx())

    assert error.value.details["field"] == "reason"
    assert registry.get_resident(rid).version == 1


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(registry: ResidentRegistry, ledger: Ledger) -> None:
    rid = register(registry)
    registry.change_address(ChangeAddress(rid, "HAIZHU", "滨江街", "海珠半岛社区", expected_version=1), ctx())

    with pytest.raises(StaleVersionError) as error:
        registry.change_address(ChangeAddress(rid, "HAIZHU", "素社街", "素社社区", expected_version=1), ctx())

    assert error.value.code == "CONFLICT"
    assert len(events_of(ledger, rid)) == 2


def test_an_idempotency_key_seen_before_returns_the_first_result(registry: ResidentRegistry, ledger: Ledger) -> None:
    cmd = RegisterResident(name="梁志文", id_number=new_id_number(), district="TIANHE", street="石牌街",
                           community="华景社区")
    key = f"retry-{uuid.uuid4()}"

    first = registry.register_resident(cmd, ctx(key=key, actor=REGISTRY_OFFICE))
    second = registry.register_resident(cmd, ctx(key=key, actor=REGISTRY_OFFICE))

    assert second.replayed and not first.replayed
    assert (second.stream_id, second.version, second.positions) == (first.stream_id, first.version, first.positions)
    assert len(events_of(ledger, first.stream_id)) == 1


def test_a_repeat_that_would_now_be_refused_is_answered_by_its_key(registry: ResidentRegistry, ledger: Ledger) -> None:
    """The key is looked up only when the save or the decision fails: a repeated move to where the resident now
    lives (which, decided afresh, "changes nothing") and a repeat whose expected version has moved on are both
    answered with the first result, and nothing more is written."""
    rid = register(registry)
    move = ChangeAddress(rid, "HAIZHU", "滨江街", "海珠半岛社区")
    key = f"move-{uuid.uuid4()}"
    first = registry.change_address(move, ctx(key=key))
    again = registry.change_address(move, ctx(key=key))
    assert again.replayed and (again.version, again.positions) == (first.version, first.positions)

    pinned = ChangeAddress(rid, "HAIZHU", "素社街", "素社社区", expected_version=2)
    pinned_key = f"move-{uuid.uuid4()}"
    moved = registry.change_address(pinned, ctx(key=pinned_key))
    repeat = registry.change_address(pinned, ctx(key=pinned_key))
    assert moved.version == 3
    assert repeat.replayed and (repeat.version, repeat.positions) == (moved.version, moved.positions)
    assert len(events_of(ledger, rid)) == 3

    with pytest.raises(StaleVersionError):  # without its key the same repeat is refused, as before
        registry.change_address(pinned, ctx())


def test_reusing_an_idempotency_key_for_a_different_request_is_refused(registry: ResidentRegistry) -> None:
    key = f"retry-{uuid.uuid4()}"
    registry.register_resident(RegisterResident(name="甲", id_number=new_id_number(), district="HAIZHU",
                                                street="江海街", community="红卫社区"), ctx(key=key))

    with pytest.raises(IdempotencyKeyReusedError):
        registry.register_resident(RegisterResident(name="乙", id_number=new_id_number(), district="HAIZHU",
                                                    street="江海街", community="红卫社区"), ctx(key=key))


def test_concurrent_retries_with_one_idempotency_key_write_one_event(registry: ResidentRegistry, ledger: Ledger) -> None:
    cmd = RegisterResident(name="黄海", id_number=new_id_number(), district="HAIZHU", street="江海街",
                           community="红卫社区")
    key = f"retry-{uuid.uuid4()}"
    barrier = threading.Barrier(8)

    def attempt() -> object:
        barrier.wait()
        return registry.register_resident(cmd, ctx(key=key))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: attempt(), range(8)))

    assert len({r.stream_id for r in results}) == 1  # type: ignore[attr-defined]
    assert sum(not r.replayed for r in results) == 1  # type: ignore[attr-defined]
    assert len(events_of(ledger, results[0].stream_id)) == 1  # type: ignore[attr-defined]


def test_an_id_number_is_unique_city_wide(registry: ResidentRegistry) -> None:
    number = new_id_number()
    register(registry, id_number=number)

    with pytest.raises(ResidentIdNumberTakenError) as error:
        registry.register_resident(RegisterResident(name="另一人", id_number=number, district="BAIYUN",
                                                    street="三元里街", community="三元里社区"),
                                   ctx(actor=REGISTRY_OFFICE))

    assert error.value.code == "CONFLICT"


def test_concurrent_registrations_of_one_id_number_admit_exactly_one(registry: ResidentRegistry, ledger: Ledger) -> None:
    number = new_id_number()
    districts = [("HAIZHU", "江海街"), ("TIANHE", "石牌街"), ("BAIYUN", "三元里街"), ("PANYU", "市桥街")] * 3
    barrier = threading.Barrier(len(districts))

    def attempt(district: tuple[str, str]) -> object:
        barrier.wait()
        try:
            return registry.register_resident(
                RegisterResident(name="同号", id_number=number, district=district[0], street=district[1],
                                 community="某社区"), ctx(actor=REGISTRY_OFFICE))
        except ResidentIdNumberTakenError as exc:
            return exc

    with ThreadPoolExecutor(len(districts)) as pool:
        outcomes = list(pool.map(attempt, districts))

    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1
    assert all(isinstance(o, ResidentIdNumberTakenError) for o in outcomes if o not in winners)
    with ledger.datastore.get_connection() as conn:
        count = conn.execute("SELECT count(*) AS n FROM claims WHERE scope = 'resident_id_number' AND owner_id = %s",
                             (winners[0].stream_id,)).fetchone()["n"]  # type: ignore[attr-defined]
    assert count == 1


def test_correcting_the_id_number_moves_the_claim(registry: ResidentRegistry) -> None:
    old, new = new_id_number(), new_id_number()
    rid = register(registry, id_number=old)

    registry.correct_resident_details(CorrectResidentDetails(rid, id_number=new), ctx(reason="wrong digits"))
    replacement = register(registry, id_number=old)  # the old number is free again

    assert registry.get_resident(rid).id_number == new
    assert replacement != rid
    with pytest.raises(ResidentIdNumberTakenError):
        register(registry, id_number=new)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("id_number", "440105196005011231", ResidentIdNumberInvalidError),
        ("district", "Shenzhen", UnknownDistrictError),
        ("name", "   ", TextInvalidError),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(registry: ResidentRegistry, ledger: Ledger, field: str,
                                                     value: str, error: type[Exception]) -> None:
    values = {"name": "王芳", "id_number": new_id_number(), "district": "HAIZHU", "street": "江海街",
              "community": "红卫社区"}
    values[field] = value
    with ledger.datastore.get_connection() as conn:
        before = conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"]

    with pytest.raises(error):
        registry.register_resident(RegisterResident(**values), ctx())

    with ledger.datastore.get_connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM events").fetchone()["n"] == before


def test_a_resident_belongs_to_one_household_at_a_time(registry: ResidentRegistry) -> None:
    head, other_head, child = register(registry), register(registry), register(registry)
    first = registry.establish_household(EstablishHousehold(head), ctx()).stream_id
    second = registry.establish_household(EstablishHousehold(other_head), ctx()).stream_id
    registry.add_household_member(AddHouseholdMember(first, child, "CHILD"), ctx())

    with pytest.raises(AlreadyInHouseholdError):
        registry.add_household_member(AddHouseholdMember(second, child, "CHILD"), ctx())


def test_a_deceased_resident_cannot_join_a_household(registry: ResidentRegistry) -> None:
    head, late = register(registry), register(registry)
    household = registry.establish_household(EstablishHousehold(head), ctx()).stream_id
    registry.record_death(RecordDeath(late, date(2024, 3, 1)), ctx(reason="death certificate 2024-0301"))

    with pytest.raises(ResidentDeceasedError):
        registry.add_household_member(AddHouseholdMember(household, late, "PARENT"), ctx())


def test_two_concurrent_changes_to_one_resident_admit_one(registry: ResidentRegistry) -> None:
    rid = register(registry)
    barrier = threading.Barrier(2)

    def change(street: str) -> object:
        barrier.wait()
        try:
            return registry.change_address(ChangeAddress(rid, "HAIZHU", street, "某社区", expected_version=1), ctx())
        except ConflictError as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(change, ["滨江街", "素社街"]))

    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1
    assert registry.get_resident(rid).version == 2


def test_metadata_survives_any_characters(registry: ResidentRegistry, ledger: Ledger) -> None:
    rid = register(registry)
    nasty = 'quote " backslash \\ comma , braces {} NULL\n换行 and \'single\''

    registry.correct_resident_details(CorrectResidentDetails(rid, phone="13700137000"), ctx(reason=nasty))

    assert events_of(ledger, rid)[-1]["reason"] == nasty
