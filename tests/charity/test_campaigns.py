"""Joint fundraising campaigns: partners launch, donors pledge while it is open, receipts never pay more than
pledged nor reuse a number; through the service and through GraphQL over HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from civicledger.core.clock import business_date
from civicledger.core.errors import ForbiddenError
from civicledger.core.metadata import Actor
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.errors import (
    CharityQuantityExceededError,
    CharityStatusError,
    CharityValueInvalidError,
)
from tests.charity.conftest import CASEWORKER_LI, CHARITY_PLATFORM, Programs, ctx, event_count
from tests.conftest import GQL, INTEGRATOR, SUPERVISOR_HAIZHU, error_codes

SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
TODAY = business_date()
PARTNERS = ("广州市慈善会", "海珠区社会组织联合会", "今日头条公益")


def launch(p: Programs, partners: tuple[str, ...] = PARTNERS, by: Actor = SUPERVISOR_CHEN) -> UUID:
    return p.charity.launch_charity_campaign(c.LaunchCharityCampaign(
        "留守儿童暑期关爱联合劝募", partners, "LEFT_BEHIND_CHILDREN", "200000", date(2026, 3, 1), date(2026, 5, 31)),
        ctx(by)).stream_id


def pledge(p: Programs, campaign: UUID, amount: str = "1000") -> UUID:
    p.charity.pledge_to_charity_campaign(c.PledgeToCharityCampaign(campaign, "广州某科技有限公司", amount),
                                         ctx(CHARITY_PLATFORM))
    return list(p.charity.get_campaign(campaign).pledges)[-1]


def test_receipts_pay_a_pledge_up_to_what_was_pledged(programs: Programs) -> None:
    campaign = launch(programs)
    promised = pledge(programs, campaign, "1000")
    programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, promised, "R-0001", "600"),
                                            ctx(CHARITY_PLATFORM))
    before = event_count(programs.charity.ledger)

    with pytest.raises(CharityQuantityExceededError):
        programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, promised, "R-0002", "400.01"),
                                                ctx(CHARITY_PLATFORM))
    with pytest.raises(CharityValueInvalidError):
        programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, promised, "R-0001", "100"),
                                                ctx(CHARITY_PLATFORM))
    with pytest.raises(CharityValueInvalidError):
        programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, uuid4(), "R-0003", "100"),
                                                ctx(CHARITY_PLATFORM))
    assert event_count(programs.charity.ledger) == before
    assert programs.charity.get_campaign(campaign).paid[promised] == Decimal("600.00")


def test_a_closed_campaign_takes_no_pledge_but_still_receipts_earlier_ones(programs: Programs) -> None:
    campaign = launch(programs)
    promised = pledge(programs, campaign)
    programs.charity.close_charity_campaign(c.CloseCharityCampaign(campaign), ctx(SUPERVISOR_CHEN))

    with pytest.raises(CharityStatusError):
        pledge(programs, campaign)
    programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, promised, "R-1", "1000"),
                                            ctx(CHARITY_PLATFORM))


def test_a_joint_campaign_has_partners_and_is_launched_by_supervisors_or_admins(programs: Programs) -> None:
    with pytest.raises(CharityValueInvalidError):
        launch(programs, partners=("广州市慈善会",))
    with pytest.raises(ForbiddenError):
        launch(programs, by=CASEWORKER_LI)


LAUNCH = """mutation($i: LaunchCharityCampaignInput!) { launchCharityCampaign(input: $i) { campaign { id open } } }"""
PLEDGE = """mutation($i: PledgeToCharityCampaignInput!) { pledgeToCharityCampaign(input: $i) {
  pledge { pledgeId amount paid } campaign { pledged } } }"""
RECEIPT = """mutation($i: RecordCharityReceiptInput!) { recordCharityReceipt(input: $i) { campaign { received } } }"""
CAMPAIGN = """query($id: ID!) { charityCampaign(id: $id) { title partners target pledged received
  pledges(first: 5) { edges { node { donorName amount paid receipts { number amount } } } } } }"""


def ok(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


async def test_a_campaign_through_graphql(gql: GQL) -> None:
    campaign = ok(await gql(LAUNCH, {"i": {"title": "困境儿童助学联合劝募", "partners": list(PARTNERS),
                                           "category": "EDUCATION", "target": "50000",
                                           "opensOn": (TODAY - timedelta(days=30)).isoformat(),
                                           "closesOn": (TODAY + timedelta(days=60)).isoformat()}}, as_=SUPERVISOR_HAIZHU),
                  "launchCharityCampaign")["campaign"]
    pledged = ok(await gql(PLEDGE, {"i": {"campaignId": campaign["id"], "donorName": "广州某银行",
                                          "amount": "8000"}}, as_=INTEGRATOR), "pledgeToCharityCampaign")
    promised = pledged["pledge"]["pledgeId"]
    received = ok(await gql(RECEIPT, {"i": {"campaignId": campaign["id"], "pledgeId": promised,
                                            "receiptNumber": "GZCF-2026-000123", "amount": "5000"}}, as_=INTEGRATOR),
                  "recordCharityReceipt")
    too_much = await gql(RECEIPT, {"i": {"campaignId": campaign["id"], "pledgeId": promised,
                                         "receiptNumber": "GZCF-2026-000124", "amount": "3000.01"}}, as_=INTEGRATOR)
    view = ok(await gql(CAMPAIGN, {"id": campaign["id"]}), "charityCampaign")

    assert campaign["open"] is True and pledged["campaign"]["pledged"] == "8000.00"
    assert pledged["pledge"]["amount"] == "8000.00" and pledged["pledge"]["paid"] == "0.00"
    assert received["campaign"]["received"] == "5000.00"
    assert error_codes(too_much) == ["RULE_VIOLATION"]
    assert (view["pledged"], view["received"], view["partners"]) == ("8000.00", "5000.00", list(PARTNERS))
    [node] = [e["node"] for e in view["pledges"]["edges"]]
    assert node["paid"] == "5000.00" and node["receipts"] == [{"number": "GZCF-2026-000123", "amount": "5000.00"}]


def test_only_the_launcher_or_an_admin_closes_and_caseworkers_record_no_receipts(programs: Programs) -> None:
    campaign = launch(programs)
    promised = pledge(programs, campaign)
    other_supervisor = Actor(id="sup-wang", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
    before = event_count(programs.charity.ledger)

    with pytest.raises(ForbiddenError):
        programs.charity.close_charity_campaign(c.CloseCharityCampaign(campaign), ctx(other_supervisor))
    with pytest.raises(ForbiddenError):
        programs.charity.record_charity_receipt(c.RecordCharityReceipt(campaign, promised, "R-9", "10"),
                                                ctx(CASEWORKER_LI))
    assert event_count(programs.charity.ledger) == before
    programs.charity.close_charity_campaign(c.CloseCharityCampaign(campaign), ctx(SUPERVISOR_CHEN))
    assert not programs.charity.get_campaign(campaign).open
