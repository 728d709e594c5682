"""The elder meal service (长者"大配餐"): canteens, enrolled elders, four-party meal settlement, traceability."""

from __future__ import annotations

import argparse

from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.meals import timeline
from civicledger.domains.meals.services import MealService
from civicledger.processes.meals_recall import RecallNotices
from civicledger.projections.meals_canteens import MealCanteensProjection
from civicledger.projections.meals_elders import MealEldersProjection
from civicledger.projections.meals_rules import MealRulesProjection
from civicledger.projections.meals_served import MealsServedProjection
from civicledger.projections.meals_settlement import MealSettlementProjection
from civicledger.projections.meals_traceability import MealTraceabilityProjection
from civicledger.slice import CliCommand, ProcessWiring, ProgramSlice

ADMIN = Actor(id="civicledger-cli", role="admin", office="CIVIL-AFFAIRS-BUREAU")


async def _seed_rule(wiring: ProcessWiring, args: argparse.Namespace) -> int:
    """Publish Guangzhou's 2020 meal subsidy rule into an empty rule table (a new deployment's first step)."""
    recorded = await wiring.run(wiring.services.meals.seed_guangzhou_rule,
                                CommandContext(actor=ADMIN, reason="Guangzhou 2020 rule", origin="civicledger cli"))
    print("the 2020 Guangzhou rule is published" if recorded else "the rule table already has revisions")
    return 0


SLICE = ProgramSlice(
    name="meals",
    description="the elder meal service: canteens, four-party meal settlement and food-safety traceability",
    service=lambda w: MealService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(MealCanteensProjection, MealEldersProjection, MealsServedProjection, MealTraceabilityProjection,
                 MealSettlementProjection, MealRulesProjection),
    processes=(RecallNotices,),
    query="civicledger.graphql.meals.queries:MealQueries",
    mutation="civicledger.graphql.meals.mutations:MealMutations",
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.meals:load_meals",
    cli=(CliCommand(name="meals-seed-rule", help="publish the 2020 Guangzhou meal subsidy rule into an empty rule "
                    "table", action=_seed_rule),),
)
