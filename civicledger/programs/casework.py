"""Social-work casework (专业社会工作服务): stations and their social workers, special projects, and residents'
cases from intake to closure, with session notes only the holding station (and inspectors with a purpose) read."""

from __future__ import annotations

from civicledger.domains.casework import timeline
from civicledger.domains.casework.services import CaseworkService
from civicledger.projections.casework_cases import CaseworkCasesProjection
from civicledger.projections.casework_history import CaseworkHistoryProjection
from civicledger.projections.casework_records import CaseworkRecordsProjection
from civicledger.projections.casework_stations import CaseworkStationsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="casework",
    description="social-work casework: 188 stations, 15 special projects, cases from intake to closure",
    service=lambda w: CaseworkService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(CaseworkStationsProjection, CaseworkCasesProjection, CaseworkRecordsProjection,
                 CaseworkHistoryProjection),
    query="civicledger.graphql.casework.queries:CaseworkQueries",
    mutation="civicledger.graphql.casework.mutations:CaseworkMutations",
    types=(
        "civicledger.graphql.casework.types:StationType",
        "civicledger.graphql.casework.case_types:CaseworkCaseType",
    ),
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.casework:load_casework",
)
