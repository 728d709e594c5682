"""Charity matching (慈善对接): needs from linkage, assistance and casework published anonymously with consent,
matched to donors' offers by rules, accepted by caseworkers, fulfilled; donors read the anonymous outcome."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from civicledger.core.errors import NotFoundError
from civicledger.domains.charity import timeline
from civicledger.domains.charity.ports import SourceCase
from civicledger.domains.charity.services import CharityService
from civicledger.processes.charity_consent import CharityConsentWithdrawals
from civicledger.projections.charity_campaigns import CharityCampaignsProjection, CharityPledgesProjection
from civicledger.projections.charity_matching import (
    CharityMatchesProjection,
    CharityNeedsProjection,
    CharityOffersProjection,
)
from civicledger.slice import ProgramSlice, Services, ServiceWiring


class SourceCasesAdapter:
    """The `SourceCases` port over the programs' own services (write-model truth): a linkage need carries the
    resident's consent to share it with a party that takes it on; assistance and casework cases record none."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def source_case(self, source: str, source_id: UUID) -> SourceCase:
        service: Any = self.services.get(source.lower())
        if service is None:
            raise NotFoundError(f"no {source.lower()} program here", source=source)
        if source == "LINKAGE":
            need = service.get_need(source_id)
            withdrawn = getattr(need.status, "value", need.status) == "WITHDRAWN"
            return SourceCase(need.resident_id, need.district, bool(need.consent_given) and not withdrawn)
        case = service.get_case(source_id)
        resident = case.applicant_id if source == "ASSISTANCE" else case.resident_id
        return SourceCase(resident, case.district, None)


def _service(w: ServiceWiring) -> CharityService:
    return CharityService(w.ledger, sources=SourceCasesAdapter(w.services), residents=w.services.residents,
                          clock=w.clock)


SLICE = ProgramSlice(
    name="charity",
    description="charity matching: anonymous needs published with consent, donors' offers, matches and outcomes",
    service=_service,
    read_models=(CharityNeedsProjection, CharityOffersProjection, CharityMatchesProjection,
                 CharityCampaignsProjection, CharityPledgesProjection),
    processes=(CharityConsentWithdrawals,),
    query="civicledger.graphql.charity.queries:CharityQueries",
    mutation="civicledger.graphql.charity.mutations:CharityMutations",
    types=(
        "civicledger.graphql.charity.types:CharityNeedType",
        "civicledger.graphql.charity.types:CharityOfferType",
        "civicledger.graphql.charity.types:CharityMatchType",
        "civicledger.graphql.charity.campaign_types:CampaignType",
    ),
    timeline=timeline.CONTRIBUTION,
)
