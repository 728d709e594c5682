"""The casework program's application service: stations and their social workers, and cases from intake to
closure. Each command is one `@handles` method (load, authorize, decide, save), grouped by concept."""

from __future__ import annotations

from civicledger.domains.casework.case_handlers import CaseHandlers
from civicledger.domains.casework.holding_handlers import HoldingHandlers
from civicledger.domains.casework.station_handlers import StationHandlers


class CaseworkService(StationHandlers, CaseHandlers, HoldingHandlers):
    """`CaseworkService(ledger, residents=<the resident registry>, clock=...)`."""
