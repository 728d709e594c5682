"""Community deliberation (议事协商): agenda items through six stages in order — topic collection, preparation,
consultation, decision, execution, supervision — with participants, positions, votes and outcomes."""

from __future__ import annotations

from civicledger.domains.deliberation import timeline
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.projections.deliberation_items import DeliberationItemsProjection
from civicledger.projections.deliberation_records import (
    DeliberationHistoryProjection,
    DeliberationOutcomesProjection,
    DeliberationPositionsProjection,
)
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="deliberation",
    description="community deliberation: agenda items through six stages in order, with participants, votes and "
                "outcomes",
    service=lambda w: DeliberationService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(DeliberationItemsProjection, DeliberationHistoryProjection, DeliberationPositionsProjection,
                 DeliberationOutcomesProjection),
    query="civicledger.graphql.deliberation.queries:DeliberationQueries",
    mutation="civicledger.graphql.deliberation.mutations:DeliberationMutations",
    types=("civicledger.graphql.deliberation.types:ItemType",),
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.deliberation:load_deliberation",
)
