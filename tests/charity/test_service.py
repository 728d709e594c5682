"""Charity matching's rules through its service: a need is published only with consent and only anonymously;
an offer goes only to needs within its conditions, never beyond what it holds; a caseworker of the need's
district accepts and confirms; bad input writes nothing."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from civicledger.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.errors import (
    CharityCaseworkerOnlyError,
    CharityConsentMissingError,
    CharityMatchOutsideConditionsError,
    CharityNeedAlreadyPublishedError,
    CharityNeedNotAnonymousError,
    CharityQuantityExceededError,
    CharityStatusError,
)
from civicledger.domains.charity.values import Confirmation, ConfirmationMethod
from civicledger.domains.linkage import commands as lc
from civicledger.domains.linkage.values import Confirmation as LinkageConfirmation
from civicledger.domains.linkage.values import ConfirmationMethod as LinkageMethod
from tests.casework.conftest import World as CaseworkWorld
from tests.casework.conftest import open_case
from tests.charity.conftest import (
    CASEWORKER_LI,
    CASEWORKER_ZHANG,
    CHARITY_PLATFORM,
    INSPECTOR_ZHOU,
    Programs,
    an_offer,
    ctx,
    event_count,
)
from tests.linkage.conftest import World as LinkageWorld
from tests.linkage.conftest import collect

SUMMARY = "独居长者,术后需要康复护理费用"
SIGNED = Confirmation(ConfirmationMethod.SIGNED_FORM, "charity consent form 2026-0302-07")


def publish(p: Programs, source: str, source_id: uuid.UUID, *, kind: str = "MONEY", quantity: str = "3000",
            category: str = "MEDICAL_AID", summary: str = SUMMARY, confirmation: Confirmation | None = None,
            by: object = CASEWORKER_LI) -> uuid.UUID:
    return p.charity.publish_charity_need(c.PublishCharityNeed(
        source, source_id, category, kind, quantity, summary, None, confirmation), ctx(by)).stream_id  # type: ignore[arg-type]


def a_linkage_need(p: Programs, w: LinkageWorld, consent: bool = True) -> uuid.UUID:
    return publish(p, "LINKAGE", collect(p.linkage, w, consent=consent))


def matched_and_accepted(p: Programs, need: uuid.UUID, offer: uuid.UUID, quantity: str = "3000") -> uuid.UUID:
    match = p.charity.propose_charity_match(c.ProposeCharityMatch(need, offer, quantity), ctx(CHARITY_PLATFORM))
    p.charity.accept_charity_match(c.AcceptCharityMatch(match.stream_id), ctx(CASEWORKER_LI))
    return match.stream_id


# -- consent ----------------------------------------------------------------------------------------------------


def test_a_linkage_need_with_the_residents_consent_is_published(programs: Programs, community: LinkageWorld) -> None:
    need = a_linkage_need(programs, community)

    published = programs.charity.get_need(need)

    assert published.district == "HAIZHU" and published.quantity == Decimal("3000.00")
    assert published.resident_id == community.resident


def test_a_linkage_need_without_consent_is_refused_and_nothing_is_written(
        programs: Programs, community: LinkageWorld) -> None:
    source = collect(programs.linkage, community, consent=False)
    before = event_count(programs.charity.ledger)

    with pytest.raises(CharityConsentMissingError) as refused:
        publish(programs, "LINKAGE", source, confirmation=SIGNED)  # a confirmation here does not replace it

    assert refused.value.code == "RULE_VIOLATION"
    assert event_count(programs.charity.ledger) == before


def test_consent_withdrawn_on_the_linkage_need_refuses_publication(programs: Programs, community: LinkageWorld) -> None:
    source = collect(programs.linkage, community, consent=True)
    programs.linkage.record_consent(lc.RecordConsent(source, community.resident, False, LinkageConfirmation(
        LinkageMethod.PHONE_CALLBACK, "call 2026-03-02 10:02")), ctx(community.committee_staff))

    with pytest.raises(CharityConsentMissingError):
        publish(programs, "LINKAGE", source)


def test_a_casework_need_needs_the_residents_confirmation(programs: Programs, stations: CaseworkWorld) -> None:
    case = open_case(programs.casework, stations)

    with pytest.raises(CharityConsentMissingError):
        publish(programs, "CASEWORK", case, kind="SERVICES", quantity="10", category="ELDER_CARE",
                summary="丧偶独居长者,需要每周上门陪伴")
    need = publish(programs, "CASEWORK", case, kind="SERVICES", quantity="10", category="ELDER_CARE",
                   summary="丧偶独居长者,需要每周上门陪伴", confirmation=SIGNED)

    assert programs.charity.get_need(need).resident_id == stations.wang_fang


def test_a_case_is_published_once(programs: Programs, community: LinkageWorld) -> None:
    source = collect(programs.linkage, community)
    publish(programs, "LINKAGE", source)

    with pytest.raises(CharityNeedAlreadyPublishedError):
        publish(programs, "LINKAGE", source)


# -- anonymity -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("summary", ["冼嘉怡老人术后需要康复护理", "联系电话13912345678", "身份证440105197506010011",
                                     "电话１３９１２３４５６７８"])
def test_a_summary_that_identifies_the_resident_is_refused(programs: Programs, community: LinkageWorld,
                                                            summary: str) -> None:
    source = collect(programs.linkage, community)

    with pytest.raises(CharityNeedNotAnonymousError):
        publish(programs, "LINKAGE", source, summary=summary)


# -- who may publish ---------------------------------------------------------------------------------------------


def test_another_districts_caseworker_or_a_platform_may_not_publish(programs: Programs,
                                                                     community: LinkageWorld) -> None:
    source = collect(programs.linkage, community)

    with pytest.raises(ForbiddenError):
        publish(programs, "LINKAGE", source, by=CASEWORKER_ZHANG)
    with pytest.raises(ForbiddenError):
        publish(programs, "LINKAGE", source, by=CHARITY_PLATFORM)
    with pytest.raises(NotFoundError):
        publish(programs, "LINKAGE", uuid.uuid4())


# -- matching ----------------------------------------------------------------------------------------------------


def test_a_need_matched_accepted_and_fulfilled(programs: Programs, community: LinkageWorld) -> None:
    need = a_linkage_need(programs, community)
    offer = an_offer(programs.charity, quantity="5000", categories=("MEDICAL_AID",), districts=("HAIZHU",))

    match = matched_and_accepted(programs, need, offer)
    programs.charity.confirm_charity_fulfilment(c.ConfirmCharityFulfilment(match, "康复护理费用已拨付,老人已出院"),
                                                ctx(CASEWORKER_LI))

    assert programs.charity.get_need(need).status.value == "MET"
    assert programs.charity.get_offer(offer).remaining == Decimal("2000.00")
    assert programs.charity.get_match(match).status.value == "FULFILLED"


@pytest.mark.parametrize(("kind", "categories", "districts", "condition"), [
    ("GOODS", (), (), "kind"),
    ("MONEY", ("EDUCATION",), (), "category"),
    ("MONEY", (), ("TIANHE", "PANYU"), "district"),
])
def test_a_donation_outside_its_conditions_is_refused(programs: Programs, community: LinkageWorld, kind: str,
                                                      categories: tuple[str, ...], districts: tuple[str, ...],
                                                      condition: str) -> None:
    need = a_linkage_need(programs, community)
    offer = an_offer(programs.charity, kind=kind, quantity="5000", categories=categories, districts=districts)
    before = event_count(programs.charity.ledger)

    with pytest.raises(CharityMatchOutsideConditionsError) as refused:
        programs.charity.propose_charity_match(c.ProposeCharityMatch(need, offer, "3000"), ctx(CHARITY_PLATFORM))

    assert refused.value.details["condition"] == condition
    assert event_count(programs.charity.ledger) == before


def test_an_offer_never_gives_more_than_it_holds_nor_a_need_takes_more_than_it_needs(
        programs: Programs, community: LinkageWorld) -> None:
    first, second = a_linkage_need(programs, community), publish(
        programs, "LINKAGE", collect(programs.linkage, community, resident=community.other_resident))
    offer = an_offer(programs.charity, quantity="4000")
    proposed = [programs.charity.propose_charity_match(c.ProposeCharityMatch(n, offer, "3000"),
                                                       ctx(CHARITY_PLATFORM)).stream_id for n in (first, second)]
    programs.charity.accept_charity_match(c.AcceptCharityMatch(proposed[0]), ctx(CASEWORKER_LI))

    with pytest.raises(CharityQuantityExceededError):
        programs.charity.accept_charity_match(c.AcceptCharityMatch(proposed[1]), ctx(CASEWORKER_LI))
    with pytest.raises(CharityQuantityExceededError):
        programs.charity.propose_charity_match(c.ProposeCharityMatch(first, offer, "0.01"), ctx(CHARITY_PLATFORM))
    assert programs.charity.get_offer(offer).remaining == Decimal("1000.00")


def test_only_a_caseworker_of_the_needs_district_accepts(programs: Programs, community: LinkageWorld) -> None:
    need = a_linkage_need(programs, community)
    offer = an_offer(programs.charity)
    match = programs.charity.propose_charity_match(c.ProposeCharityMatch(need, offer, "1000"),
                                                   ctx(CHARITY_PLATFORM)).stream_id

    with pytest.raises(CharityCaseworkerOnlyError):
        programs.charity.accept_charity_match(c.AcceptCharityMatch(match), ctx(CHARITY_PLATFORM))
    with pytest.raises(ForbiddenError):
        programs.charity.accept_charity_match(c.AcceptCharityMatch(match), ctx(CASEWORKER_ZHANG))
    with pytest.raises(ForbiddenError):
        programs.charity.register_charity_offer(c.RegisterCharityOffer("某基金会", "MONEY", "1", "捐款"),
                                                ctx(INSPECTOR_ZHOU))


def test_a_declined_match_gives_its_quantities_back(programs: Programs, community: LinkageWorld) -> None:
    need = a_linkage_need(programs, community)
    offer = an_offer(programs.charity, quantity="3000")
    match = matched_and_accepted(programs, need, offer)

    programs.charity.decline_charity_match(c.DeclineCharityMatch(match), ctx(CASEWORKER_LI, "家属已自行解决"))

    assert programs.charity.get_offer(offer).remaining == Decimal("3000.00")
    assert programs.charity.get_need(need).outstanding == Decimal("3000.00")
    with pytest.raises(CharityStatusError):
        programs.charity.confirm_charity_fulfilment(c.ConfirmCharityFulfilment(match, "已拨付"), ctx(CASEWORKER_LI))


@pytest.mark.parametrize("quantity", ["0", "-5", "abc", "３０００", "10000000.01"])
def test_quantities_out_of_shape_are_refused(programs: Programs, community: LinkageWorld, quantity: str) -> None:
    source = collect(programs.linkage, community)

    with pytest.raises(InvalidInputError):
        publish(programs, "LINKAGE", source, quantity=quantity)


def test_goods_are_counted_in_whole_units(programs: Programs, community: LinkageWorld) -> None:
    source = collect(programs.linkage, community)

    with pytest.raises(InvalidInputError):
        publish(programs, "LINKAGE", source, kind="GOODS", quantity="2.5")


def test_concurrent_acceptances_never_allocate_more_than_the_offer_holds(
        programs: Programs, community: LinkageWorld) -> None:
    needs = [a_linkage_need(programs, community),
             publish(programs, "LINKAGE", collect(programs.linkage, community, resident=community.other_resident))]
    offer = an_offer(programs.charity, quantity="4000")
    matches = [programs.charity.propose_charity_match(c.ProposeCharityMatch(n, offer, "3000"),
                                                      ctx(CHARITY_PLATFORM)).stream_id for n in needs]
    barrier = threading.Barrier(len(matches))

    def accept(match: uuid.UUID) -> str:
        barrier.wait(timeout=30)
        try:
            programs.charity.accept_charity_match(c.AcceptCharityMatch(match), ctx(CASEWORKER_LI))
            return "accepted"
        except (ConflictError, CharityQuantityExceededError) as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(len(matches)) as pool:
        outcomes = list(pool.map(accept, matches))

    assert outcomes.count("accepted") == 1, outcomes
    assert programs.charity.get_offer(offer).allocated == Decimal("3000.00")
