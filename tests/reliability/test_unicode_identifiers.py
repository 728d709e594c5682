"""Issue 10, finding 1: one ID number in several Unicode spellings must be one resident. Full-width forms (what
a Chinese input method types) are the ASCII number; other scripts' digits are refused; nothing is written."""

from __future__ import annotations

from typing import Any

from civicledger.runtime import Runtime
from tests.api.helpers import REGISTER
from tests.conftest import CASEWORKER_HAIZHU, GQL, error_codes, new_id_number


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def in_script(number: str, zero: int) -> str:
    """The first 17 digits in another script, the check character as computed (what `int()` would accept)."""
    return "".join(chr(zero + int(c)) for c in number[:17]) + number[17]


async def register(gql: GQL, id_number: str) -> dict[str, Any]:
    return await gql(REGISTER, {"input": {"name": "陈嘉欣", "idNumber": id_number, "district": "HAIZHU",
                                          "street": "江海街", "community": "红卫社区"}}, as_=CASEWORKER_HAIZHU)


async def test_three_spellings_of_one_id_number_are_one_resident(gql: GQL, runtime: Runtime) -> None:
    number = new_id_number()
    one_full_width_digit = number[:-2] + full_width(number[-2]) + number[-1]

    first = await register(gql, number)
    second = await register(gql, one_full_width_digit)
    third = await register(gql, full_width(number))
    fourth = await register(gql, number.lower())

    assert "errors" not in first, first
    assert [error_codes(b) for b in (second, third, fourth)] == [["CONFLICT"]] * 3
    assert [b["errors"][0]["extensions"]["field"] for b in (second, third, fourth)] == ["idNumber"] * 3


async def test_a_number_typed_in_full_width_is_stored_claimed_and_found_as_ascii(gql: GQL, runtime: Runtime) -> None:
    number = new_id_number()

    payload = (await register(gql, full_width(number)))["data"]["registerResident"]
    found = await gql("query($f: ResidentFilter) { residents(filter: $f) { edges { node { idNumber } } } }",
                      {"f": {"idNumber": full_width(number).lower()}},
                      extensions={"minPosition": payload["position"]})

    assert payload["resident"]["idNumber"] == number
    assert [e["node"]["idNumber"] for e in found["data"]["residents"]["edges"]] == [number]
    assert error_codes(await register(gql, number)) == ["CONFLICT"]


async def test_other_scripts_digits_are_refused_and_write_nothing(gql: GQL, runtime: Runtime) -> None:
    number = new_id_number()
    async with runtime.pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = 'cw-li'")

    spellings = [in_script(number, 0x0660), in_script(number, 0x0966), in_script(number, 0x09E6),
                 number[:3] + "²" + number[4:]]
    bodies = [await register(gql, spelling) for spelling in spellings]

    assert [error_codes(b) for b in bodies] == [["INVALID_INPUT"]] * 4
    assert all(b["errors"][0]["extensions"]["field"] == "idNumber" for b in bodies)
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE actor_id = 'cw-li'") == before
    assert "errors" not in await register(gql, number)  # the number itself was never taken


async def test_a_correction_cannot_take_another_residents_number_in_another_spelling(gql: GQL) -> None:
    taken, mine = new_id_number(), new_id_number()
    await register(gql, taken)
    resident = (await register(gql, mine))["data"]["registerResident"]["resident"]["id"]

    body = await gql("""mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position } }""",
                     {"i": {"residentId": resident, "idNumber": full_width(taken), "reason": "typo at intake"}})

    assert error_codes(body) == ["CONFLICT"]
