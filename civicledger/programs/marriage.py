"""City-wide marriage registration (婚姻登记全城通办): appointments, marriages, divorces after the cooling-off
period, corrections and statistics at the 11 district offices."""

from __future__ import annotations

from civicledger.domains.marriage import timeline
from civicledger.domains.marriage.services import MarriageService
from civicledger.processes.marriage_deaths import MarriageDeaths
from civicledger.projections.marriage_applications import MarriageApplicationsProjection
from civicledger.projections.marriage_appointments import MarriageAppointmentsProjection
from civicledger.projections.marriage_registrations import MarriageRegistrationsProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="marriage",
    description="city-wide marriage registration: appointments, marriages, divorces, corrections, statistics",
    service=lambda w: MarriageService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(MarriageRegistrationsProjection, MarriageApplicationsProjection, MarriageAppointmentsProjection),
    processes=(MarriageDeaths,),
    query="civicledger.graphql.marriage.queries:MarriageQueries",
    mutation="civicledger.graphql.marriage.mutations:MarriageMutations",
    types=(
        "civicledger.graphql.marriage.types:MarriageType",
        "civicledger.graphql.marriage.types:MarriageAppointmentType",
    ),
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.marriage:load_marriage",
)
