"""The resident registry: residents and households, the one registry every program reads."""

from __future__ import annotations

from civicledger.demo import load_residents
from civicledger.domains.residents import timeline
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.graphql.residents.mutations import ResidentMutations
from civicledger.graphql.residents.queries import ResidentQueries
from civicledger.projections.households import HouseholdsProjection
from civicledger.projections.residents import ResidentsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="residents",
    description="one resident registry: residents (GB 11643 ID numbers) and households",
    service=lambda w: ResidentRegistry(w.ledger, clock=w.clock),
    read_models=(ResidentsProjection, HouseholdsProjection),
    query=ResidentQueries,
    mutation=ResidentMutations,
    timeline=timeline.CONTRIBUTION,
    demo=load_residents,
)
