"""The meal service's application service: get, decide, save; return what was recorded.

`MealService` composes the handlers by concept — canteens and the rule table (`canteen_handlers.py`),
elders (`elder_handlers.py`), meals (`meal_handlers.py`), traceability and recalls (`trace_handlers.py`),
settlement (`settlement_handlers.py`); what they share is in `service_base.py`."""

from __future__ import annotations

from civicledger.domains.meals.canteen_handlers import CanteenHandlers
from civicledger.domains.meals.elder_handlers import ElderHandlers
from civicledger.domains.meals.meal_handlers import MealHandlers
from civicledger.domains.meals.settlement_handlers import SettlementHandlers
from civicledger.domains.meals.trace_handlers import TraceHandlers


class MealService(CanteenHandlers, ElderHandlers, MealHandlers, TraceHandlers, SettlementHandlers):
    pass
