"""Social assistance (社会救助): applications, verification, decisions, payroll, effective-dated standards."""

from __future__ import annotations

from civicledger.domains.assistance import timeline
from civicledger.domains.assistance.services import AssistanceService
from civicledger.processes.assistance_recalculation import AssistanceRecalculation
from civicledger.projections.assistance_cases import AssistanceCasesProjection
from civicledger.projections.assistance_means import AssistanceMeansProjection
from civicledger.projections.assistance_payroll import AssistancePayrollProjection
from civicledger.projections.assistance_standards import AssistanceStandardsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="assistance",
    description="social assistance: 低保 and its sibling programs, with household verification and payroll",
    service=lambda w: AssistanceService(w.ledger, registry=w.services.residents, clock=w.clock),
    read_models=(AssistanceCasesProjection, AssistanceMeansProjection, AssistancePayrollProjection,
                 AssistanceStandardsProjection),
    processes=(lambda w: AssistanceRecalculation(w.mapper, w.execute),),
    query="civicledger.graphql.assistance.queries:AssistanceQueries",
    mutation="civicledger.graphql.assistance.mutations:AssistanceMutations",
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.assistance:load_assistance",
)
