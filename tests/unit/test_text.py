"""One input-cleaning module for every program: names, phones, addresses and free text — normalised, trimmed,
bounded, and refused with a typed error naming the field and its limit."""

from __future__ import annotations

import unicodedata

import pytest

from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import UnknownStreetError
from civicledger.core.text import (
    FREE_TEXT_MAX,
    NAME_MAX,
    TextInvalidError,
    address,
    free_text,
    line,
    optional_free_text,
    optional_line,
    person_name,
    phone,
)

WANG_FANG = "王芳"


def test_a_name_is_trimmed_and_its_inner_whitespace_collapsed() -> None:
    assert person_name("\u3000 欧阳\u00a0\u00a0 娜娜 ") == "欧阳 娜娜"


def test_a_name_is_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë")

    assert person_name(decomposed) == "Zoë" and len(person_name(decomposed)) == 3


@pytest.mark.parametrize("bad", ["王\x00芳", "王\t芳", "王\n芳", "王\u200b芳", "王\u202e芳", "王\x85芳", "王\ufeff芳",
                                 "王\u2028芳", "王\ue000芳"],
                         ids=["nul", "tab", "newline", "zero-width space", "bidi override", "C1 NEL", "BOM",
                              "line separator", "private use"])
def test_a_name_refuses_control_and_invisible_characters(bad: str) -> None:
    with pytest.raises(TextInvalidError) as error:
        person_name(bad)

    assert error.value.code == "INVALID_INPUT"
    assert error.value.extensions()["field"] == "name"
    assert error.value.extensions()["maxLength"] == NAME_MAX


def test_a_name_has_a_documented_limit() -> None:
    assert person_name("王" * NAME_MAX) == "王" * NAME_MAX
    with pytest.raises(TextInvalidError) as error:
        person_name("王" * (NAME_MAX + 1))

    assert error.value.extensions() == {"code": "INVALID_INPUT", "field": "name", "maxLength": NAME_MAX,
                                        "length": NAME_MAX + 1}


def test_required_text_is_refused_when_empty_after_trimming() -> None:
    with pytest.raises(TextInvalidError):
        line(" \u3000 ", "title", max_length=10)
    with pytest.raises(TextInvalidError):
        free_text("\n\t ", "note")

    assert optional_line(" ", "office", max_length=10) is None
    assert optional_free_text("\n", "comment") is None
    assert optional_free_text(None, "comment") is None


def test_free_text_keeps_newlines_and_tabs_and_reads_carriage_returns_as_newlines() -> None:
    assert free_text("第一行\r\n\t第二行\r第三行\n", "note") == "第一行\n\t第二行\n第三行"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x9bb", "a\u202eb", "a\u2066b",
                                 "a\ud800b", "a\uffffb"],
                         ids=["nul", "bell", "escape", "delete", "C1 CSI", "bidi override", "bidi isolate",
                              "lone surrogate", "noncharacter"])
def test_free_text_refuses_control_characters(bad: str) -> None:
    with pytest.raises(TextInvalidError) as error:
        free_text(bad, "description")

    assert error.value.extensions()["field"] == "description"
    assert error.value.extensions()["maxLength"] == FREE_TEXT_MAX


def test_free_text_has_a_limit_per_field() -> None:
    assert len(free_text("字" * FREE_TEXT_MAX, "statement")) == FREE_TEXT_MAX
    with pytest.raises(TextInvalidError) as error:
        free_text("字" * 501, "reason", max_length=500)

    assert error.value.extensions()["maxLength"] == 500


def test_free_text_keeps_emoji_sequences() -> None:
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # joined by zero-width joiners

    assert free_text(f"谢谢 {family}", "comment") == f"谢谢 {family}"


def test_a_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(TextInvalidError):
        free_text(12, "note")  # type: ignore[arg-type]


def test_a_phone_is_typed_with_its_field() -> None:
    assert phone(" 138 0013 8000 ") == "13800138000"
    assert phone("  ") is None and phone(None) is None
    with pytest.raises(TextInvalidError) as error:
        phone("12345", "contactPhone")

    assert error.value.extensions()["field"] == "contactPhone"


def test_an_address_is_a_known_district_and_street_and_a_bounded_community() -> None:
    assert address(" haizhu ", "江海街\u3000", "红卫\u3000社区") == ("HAIZHU", "江海街", "红卫 社区")
    assert address("海珠区", "江海街", "红卫社区") == ("HAIZHU", "江海街", "红卫社区")

    with pytest.raises(UnknownStreetError):
        address("HAIZHU", "石牌街", "红卫社区")  # a Tianhe street
    with pytest.raises(InvalidInputError) as error:
        address("HAIZHU", "江海街", "社" * 61)

    assert error.value.details["field"] == "community"
