from __future__ import annotations

from datetime import date

import pytest

from civicledger.core.resident_id import ResidentIdNumberInvalidError, check_character, parse_resident_id

# The worked example of GB 11643 (a well-known published sample number).
VALID = "11010519491231002X"


def test_a_valid_number_yields_birth_date_and_gender() -> None:
    parsed = parse_resident_id(VALID)

    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "FEMALE"  # sequence 002 is even
    assert parsed.area_code == "110105"


def test_the_check_character_follows_iso_7064_mod_11_2() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44010519600501123") == "2"


def test_a_lowercase_x_is_accepted_and_normalised() -> None:
    assert parse_resident_id(VALID.lower()).value == VALID


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "check character"),
        ("11010519491331002X", "impossible birth date"),
        ("11010519490230002X", "impossible birth date"),
        ("1101051949123100", "18 characters"),
        ("11010519491231002XX", "18 characters"),
        ("A1010519491231002X", "17 digits"),
        ("99010519491231002X", "unknown area code"),
        ("110105" + "2999" + "0101" + "002" + "X", "out of range"),
    ],
)
def test_bad_numbers_are_rejected_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(ResidentIdNumberInvalidError) as error:
        parse_resident_id(raw)

    assert reason in error.value.message
    assert error.value.code == "INVALID_INPUT"
