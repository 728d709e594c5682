"""Attacks on charity matching (red team): a published need is read by donors, so nothing that identifies the
resident may get through the anonymity rule however it is written — separators inside a phone or ID number,
spaces inside the resident's name, full-width digits; what the rule already refused stays refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicledger.core.errors import InvalidInputError
from civicledger.domains.charity.errors import CharityNeedNotAnonymousError
from tests.charity.conftest import Programs, an_offer, event_count
from tests.charity.test_service import SUMMARY, publish
from tests.linkage.conftest import World as LinkageWorld
from tests.linkage.conftest import collect

DISGUISED = [
    "联系电话139 1234 5678",  # a phone in groups of 3-4-4
    "联系电话139-1234-5678",
    "电话：(+86) 139.1234.5678",
    "电话１３９ １２３４ ５６７８",  # full-width, grouped
    "身份证 440105 19750601 0011",  # an ID number in its three parts
    "身份证440105-19750601-001X",
    "冼 嘉怡老人术后需要康复护理",  # the resident's name with a space in it
    "冼·嘉怡老人术后需要康复护理",
]


@pytest.mark.parametrize("summary", DISGUISED)
def test_a_disguised_identifier_in_a_need_summary_is_refused_and_nothing_written(
        programs: Programs, community: LinkageWorld, summary: str) -> None:
    source = collect(programs.linkage, community)
    before = event_count(programs.charity.ledger)

    with pytest.raises(CharityNeedNotAnonymousError):
        publish(programs, "LINKAGE", source, summary=summary)
    assert event_count(programs.charity.ledger) == before


@pytest.mark.parametrize("summary", [SUMMARY, "需要轮椅1台,2026年3月前", "康复护理费用3000元,分12期"])
def test_an_anonymous_summary_with_ordinary_numbers_is_published(programs: Programs, community: LinkageWorld,
                                                                 summary: str) -> None:
    assert publish(programs, "LINKAGE", collect(programs.linkage, community), summary=summary)


@pytest.mark.parametrize("quantity", ["100.005", "0.004", "0.001", "3000.0000001", "1e2", "NaN", "٣٠٠٠",
                                      "3000\u0000", "99999999999999999999"])
def test_money_with_more_than_fen_or_out_of_shape_is_refused_not_rounded(programs: Programs,
                                                                          quantity: str) -> None:
    before = event_count(programs.charity.ledger)

    with pytest.raises(InvalidInputError):
        an_offer(programs.charity, quantity=quantity)
    assert event_count(programs.charity.ledger) == before


def test_money_to_the_fen_is_taken_as_given(programs: Programs) -> None:
    offer = an_offer(programs.charity, quantity="100.01")

    assert programs.charity.get_offer(offer).quantity == Decimal("100.01")
