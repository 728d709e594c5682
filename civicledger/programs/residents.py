"""The resident registry: residents and households, the one registry every program reads."""

from __future__ import annotations

from civicledger.domains.residents import timeline
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.projections.households import HouseholdsProjection
from civicledger.projections.residents import ResidentsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="residents",
    description="one resident registry: residents (GB 11643 ID numbers) and households",
    service=lambda w: ResidentRegistry(w.ledger, clock=w.clock),
    read_models=(ResidentsProjection, HouseholdsProjection),
    query="civicledger.graphql.residents.queries:ResidentQueries",
    mutation="civicledger.graphql.residents.mutations:ResidentMutations",
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo:load_residents",
)
