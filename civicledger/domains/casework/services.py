"""The casework application service: get, decide, save; return what was recorded.

`CaseworkService` composes its command handlers by concept — stations and their social workers
(`service_stations.py`), a case's own work from intake to reviews (`service_cases.py`), and who holds a case and
how it ends (`service_holding.py`); what they share (loads, who may act, the one open case per service) is in
`service_base.py`."""

from __future__ import annotations

from civicledger.domains.casework.service_cases import CaseworkCases
from civicledger.domains.casework.service_holding import CaseworkHolding
from civicledger.domains.casework.service_stations import CaseworkStations


class CaseworkService(CaseworkStations, CaseworkCases, CaseworkHolding):
    """`CaseworkService(ledger, residents=<the resident registry>, clock=...)`."""
