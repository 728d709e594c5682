"""Venture philanthropy (公益创投): funding rounds, proposals, expert review, awards at 60% government / 40%
self-raised, milestones, disbursements and project evaluations."""

from __future__ import annotations

from civicledger.domains.philanthropy import timeline
from civicledger.domains.philanthropy.services import PhilanthropyService
from civicledger.projections.philanthropy_history import PhilanthropyHistoryProjection
from civicledger.projections.philanthropy_proposals import PhilanthropyProposalsProjection
from civicledger.projections.philanthropy_rounds import PhilanthropyRoundsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="philanthropy",
    description="venture philanthropy (公益创投): calls, proposals, expert review, 60/40 awards, milestones and "
                "evaluations",
    service=lambda w: PhilanthropyService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(PhilanthropyRoundsProjection, PhilanthropyProposalsProjection, PhilanthropyHistoryProjection),
    query="civicledger.graphql.philanthropy.queries:PhilanthropyQueries",
    mutation="civicledger.graphql.philanthropy.mutations:PhilanthropyMutations",
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.philanthropy:load_philanthropy",
)
