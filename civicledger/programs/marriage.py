"""City-wide marriage registration (婚姻登记全城通办): appointments, marriages, divorces after the cooling-off
period, corrections and statistics at the 11 district offices."""

from __future__ import annotations

from civicledger.domains.marriage import timeline
from civicledger.domains.marriage.services import MarriageService
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="marriage",
    description="city-wide marriage registration: appointments, marriages, divorces, corrections, statistics",
    service=lambda w: MarriageService(w.ledger, residents=w.services.residents, clock=w.clock),
    timeline=timeline.CONTRIBUTION,
)
