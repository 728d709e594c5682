"""Attacks on venture philanthropy (red team): a proposal is its platform's — another charity platform (an
integrator of another office) may not record its milestones or enrol residents in it; the bureau's admins may;
district supervisors, inspectors and caseworkers stay where the service puts them; amounts in other scripts,
sub-fen, NaN and huge are refused; nothing is written by a refused command."""

from __future__ import annotations

from datetime import date

import pytest

from civicledger.core.errors import ForbiddenError, InvalidInputError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy.services import PhilanthropyService
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import new_id_number
from tests.philanthropy.conftest import ADMIN_WANG, CHARITY_PLATFORM, INSPECTOR_ZHOU, Round, ctx, log_end

OTHER_PLATFORM = Actor(id="int-other", role="integrator", office="SOME-OTHER-PLATFORM")


def funded(a_round: Round) -> object:
    p = a_round.propose(district="HAIZHU")
    a_round.close_call()
    a_round.eligible(p)
    a_round.review(p, "EXPERT-HE", 80, 80, 80)
    a_round.rank()
    a_round.award(p)
    return p


def test_another_platform_may_not_record_a_milestone_or_enrol_a_resident_in_a_proposal_not_its_own(
        service: PhilanthropyService, a_round: Round, registry: ResidentRegistry,
        philanthropy_ledger: Ledger) -> None:
    resident = registry.register_resident(RegisterResident(
        name="王芳", id_number=new_id_number(), district="HAIZHU", street="江海街", community="红卫社区"),
        ctx(ADMIN_WANG)).stream_id
    p = funded(a_round)
    end = log_end(philanthropy_ledger)

    for act in (lambda: service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"),  # type: ignore[arg-type]
                                                 ctx(OTHER_PLATFORM)),
                lambda: service.enrol_beneficiary(c.EnrolBeneficiary(p, resident), ctx(OTHER_PLATFORM))):  # type: ignore[arg-type]
        with pytest.raises(ForbiddenError):
            act()
    assert log_end(philanthropy_ledger) == end

    service.record_milestone(c.RecordMilestone(p, 0, date(2026, 6, 30), "完成"), ctx(CHARITY_PLATFORM))  # type: ignore[arg-type]
    service.enrol_beneficiary(c.EnrolBeneficiary(p, resident), ctx(ADMIN_WANG))  # type: ignore[arg-type]
    with pytest.raises(ForbiddenError):
        service.enrol_beneficiary(c.EnrolBeneficiary(p, resident), ctx(INSPECTOR_ZHOU))  # type: ignore[arg-type]


@pytest.mark.parametrize("budget", ["１００，０００", "١٠٠٠٠٠", "1e5", "NaN", "-100000", "0.001", "100000.005",
                                    "100000.0001", "99999999999999999999",
                                    "100000\u0000"])
def test_amounts_out_of_shape_are_refused(service: PhilanthropyService, a_round: Round,
                                          philanthropy_ledger: Ledger, budget: str) -> None:
    end = log_end(philanthropy_ledger)

    with pytest.raises(InvalidInputError):
        a_round.propose(budget=budget)

    assert log_end(philanthropy_ledger) == end


def test_a_proposal_recorded_before_platforms_were_kept_is_read_with_no_platform() -> None:
    from civicledger.domains.philanthropy.proposal import Proposal

    state: dict[str, object] = {"organisation": "某机构"}
    Proposal.Submitted.upcast_v1_v2(state)

    assert state["platform"] is None and Proposal.Submitted.class_version == 2
