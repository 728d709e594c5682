"""Three-society linkage (三社联动): needs, advantage-led referrals, tasks, meetings, SLAs."""

from __future__ import annotations

from civicledger.domains.linkage import timeline
from civicledger.domains.linkage.services import LinkageService
from civicledger.processes.linkage_programs import LinkageProgramsProcess
from civicledger.processes.linkage_sla import EscalationSweep, sweep_command
from civicledger.projections.linkage_meetings import LinkageMeetingsProjection
from civicledger.projections.linkage_needs import LinkageNeedsProjection
from civicledger.projections.linkage_organisations import LinkageOrganisationsProjection
from civicledger.projections.linkage_referrals import LinkageReferralsProjection
from civicledger.projections.linkage_routing import LinkageRoutingProjection
from civicledger.projections.linkage_tasks import LinkageTasksProjection
from civicledger.slice import ProgramSlice

SLICE = ProgramSlice(
    name="linkage",
    description="three-society linkage: community committees, social organisations and social-work stations",
    service=lambda w: LinkageService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(LinkageOrganisationsProjection, LinkageNeedsProjection, LinkageReferralsProjection,
                 LinkageTasksProjection, LinkageMeetingsProjection, LinkageRoutingProjection),
    processes=(LinkageProgramsProcess,),
    jobs=(EscalationSweep,),
    query="civicledger.graphql.linkage.queries:LinkageQueries",
    mutation="civicledger.graphql.linkage.mutations:LinkageMutations",
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.linkage:load_linkage",
    cli=(sweep_command,),
)
