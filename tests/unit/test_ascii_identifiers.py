"""Identifiers and numbers are ASCII by construction: every parser refuses other scripts' digits (which Python's
`\\d`, `int()` and `Decimal()` would accept) and folds only the full-width forms a Chinese input method types."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from civicledger.core.ascii import BIGINT_MAX, ascii_int, ascii_uuid, fold_fullwidth
from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import District, UnknownDistrictError, normalise_phone, parse_district
from civicledger.core.money import decimal_number, yuan
from civicledger.core.resident_id import ResidentIdNumberInvalidError, check_character, parse_resident_id
from civicledger.domains.linkage.errors import LinkageValueInvalidError
from civicledger.domains.linkage.rules import parse_enum
from civicledger.domains.linkage.values import Urgency
from civicledger.domains.residents.rules import parse_residency
from civicledger.graphql.inspection.common import decode_log_cursor, encode_log_cursor, stream_uuid
from civicledger.graphql.linkage.reports import decode_queue_cursor
from civicledger.graphql.relay import decode_cursor, encode_cursor, uuid_of

VALID = "11010519491231002X"
FULLWIDTH = "".join(chr(ord(c) + 0xFEE0) for c in VALID)  # １１０１…Ｘ


def other_script(text: str, zero: int) -> str:
    """The same digits in another script (zero: the code point of that script's 0)."""
    return "".join(chr(zero + int(c)) if c.isascii() and c.isdigit() else c for c in text)


ARABIC_INDIC, DEVANAGARI, FULLWIDTH_ZERO = 0x0660, 0x0966, 0xFF10
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


# -- resident ID numbers -------------------------------------------------------------------------------------


def test_full_width_forms_of_an_id_number_are_the_one_ascii_number() -> None:
    one_full_width_zero = VALID[:14] + "０" + VALID[15:]

    spellings = {parse_resident_id(raw).value for raw in (VALID, FULLWIDTH, one_full_width_zero, VALID.lower(),
                                                          "\u3000" + VALID + " ")}

    assert spellings == {VALID}
    assert parse_resident_id(FULLWIDTH.replace("Ｘ", "ｘ")).value == VALID  # full-width lowercase x too


@pytest.mark.parametrize("zero", [ARABIC_INDIC, DEVANAGARI], ids=["arabic-indic", "devanagari"])
def test_other_scripts_digits_in_an_id_number_are_refused(zero: int) -> None:
    with pytest.raises(ResidentIdNumberInvalidError) as error:
        parse_resident_id(other_script(VALID, zero))

    assert "17 digits" in error.value.message


def test_superscript_digits_in_an_id_number_are_refused() -> None:
    with pytest.raises(ResidentIdNumberInvalidError):
        parse_resident_id(VALID.translate(SUPERSCRIPTS))


def test_a_single_foreign_digit_is_enough_to_refuse_a_number() -> None:
    with pytest.raises(ResidentIdNumberInvalidError):
        parse_resident_id(VALID[:5] + "٥" + VALID[6:])


def test_the_check_character_is_computed_over_ascii_digits_only() -> None:
    with pytest.raises(ResidentIdNumberInvalidError):
        check_character(other_script(VALID[:17], ARABIC_INDIC))


# -- phone numbers -------------------------------------------------------------------------------------------


def test_a_full_width_phone_number_is_the_ascii_one() -> None:
    assert normalise_phone("１３８ ００１３ ８０００") == "13800138000"
    assert normalise_phone("（０２０）８３３３ ４４４４") == "02083334444"
    assert normalise_phone("+86 138 0013 8000") == "13800138000"


@pytest.mark.parametrize("zero", [ARABIC_INDIC, DEVANAGARI], ids=["arabic-indic", "devanagari"])
def test_other_scripts_digits_in_a_phone_number_are_refused(zero: int) -> None:
    with pytest.raises(ValueError):
        normalise_phone("138" + other_script("00138000", zero))  # a `\d` pattern would take it


def test_superscript_digits_in_a_phone_number_are_refused() -> None:
    with pytest.raises(ValueError):
        normalise_phone("13800138000".translate(SUPERSCRIPTS))


# -- money ---------------------------------------------------------------------------------------------------


def test_full_width_money_is_read_as_ascii() -> None:
    assert yuan("９５０.５") == Decimal("950.50")


@pytest.mark.parametrize("raw", [other_script("950", ARABIC_INDIC), other_script("950", DEVANAGARI),
                                 "950".translate(SUPERSCRIPTS), "1e3", "NaN", "Infinity", "1_000", "9 50", ""],
                         ids=["arabic-indic", "devanagari", "superscript", "exponent", "nan", "infinity",
                              "underscore", "inner space", "empty"])
def test_money_that_python_would_read_but_a_person_did_not_write_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        yuan(raw, field="need")

    assert error.value.details["field"] == "need"


@pytest.mark.parametrize("raw", ["1000000000000", 10**30, Decimal("1E+40"), 1e300])
def test_money_beyond_any_figure_is_refused_before_any_computation(raw: object) -> None:
    with pytest.raises(InvalidInputError):
        yuan(raw)


def test_a_share_is_a_bounded_ascii_decimal() -> None:
    assert decimal_number("0.７", field="share") == Decimal("0.7")
    with pytest.raises(InvalidInputError):
        decimal_number("sNaN", field="share")


# -- integers, uuids, cursors --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["١٢", "१२", "¹²", "１２", " 12", "1_2", "12.0", True, 1.0, None],
                         ids=["arabic-indic", "devanagari", "superscript", "full-width", "space", "underscore",
                              "decimal", "bool", "float", "none"])
def test_a_machine_integer_is_ascii_digits_only(raw: object) -> None:
    with pytest.raises(InvalidInputError):
        ascii_int(raw, field="n")


def test_a_machine_integer_is_bounded() -> None:
    assert ascii_int("9223372036854775807", field="n") == BIGINT_MAX
    with pytest.raises(InvalidInputError) as error:
        ascii_int(str(BIGINT_MAX + 1), field="n")

    assert "between" in error.value.message


def test_a_uuid_is_ascii_hex_only() -> None:
    assert str(ascii_uuid("1" * 32)) == "11111111-1111-1111-1111-111111111111"
    with pytest.raises(InvalidInputError):
        ascii_uuid("١" * 32)
    with pytest.raises(InvalidInputError):
        uuid_of("１" * 32, "Resident")
    with pytest.raises(InvalidInputError):
        stream_uuid("١" * 32)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", ["١٢", "１２", "¹²", "-1", str(BIGINT_MAX + 1), "1_000"])
def test_a_keyset_cursor_carries_an_ascii_bigint(key: str) -> None:
    assert decode_cursor("r", encode_cursor("r", 12)) == 12
    with pytest.raises(InvalidInputError):
        decode_cursor("r", _cursor(f"r:{key}"))


def test_a_log_cursor_carries_ascii_numbers_within_range() -> None:
    from datetime import UTC, datetime

    instant = datetime(2018, 7, 1, 8, 30, 0, 123456, tzinfo=UTC)
    assert decode_log_cursor(encode_log_cursor(instant, 42)) == (instant, 42)
    for bad in ("l:١٢:3", "l:12:٣", f"l:{10**30}:3", f"l:12:{BIGINT_MAX + 1}"):
        with pytest.raises(InvalidInputError):
            decode_log_cursor(_cursor(bad))


def test_a_work_queue_cursor_carries_an_ascii_instant_and_uuid() -> None:
    item = "00000000-0000-0000-0000-000000000001"
    assert decode_queue_cursor(_cursor(f"q|2018-07-01T08:30:00+00:00|{item}")) is not None
    for bad in (f"q|２０１８-07-01T08:30:00+00:00|{item}", f"q|2018-07-01T08:30:00|{item}",
                "q|inf|" + "١" * 32):
        with pytest.raises(InvalidInputError):
            decode_queue_cursor(_cursor(bad))


# -- codes read off a fixed list -----------------------------------------------------------------------------


def test_codes_are_upper_cased_only_when_ascii() -> None:
    # `str.upper` maps some letters onto ASCII ones: 'ſ'.upper() == 'S', 'ı'.upper() == 'I'.
    assert parse_district("haizhu") is District.HAIZHU
    with pytest.raises(UnknownDistrictError):
        parse_district("haizhu".replace("i", "ı"))
    with pytest.raises(LinkageValueInvalidError):
        parse_enum(Urgency, "routıne", "urgency")  # dotless ı
    with pytest.raises(InvalidInputError):
        parse_residency("regiſtered")


def test_folding_touches_only_full_width_forms() -> None:
    assert fold_fullwidth("４４０１ｘ\u3000") == "4401x "
    assert fold_fullwidth("٤٤") == "٤٤"
