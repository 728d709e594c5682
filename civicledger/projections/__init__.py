"""Read models: one module per read model (projection + its tables)."""

from __future__ import annotations

from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.projections.base import Projection


def all_projections(mapper: CivicMapper) -> list[Projection]:
    from civicledger.projections.assistance_cases import AssistanceCasesProjection
    from civicledger.projections.assistance_means import AssistanceMeansProjection
    from civicledger.projections.assistance_payroll import AssistancePayrollProjection
    from civicledger.projections.assistance_standards import AssistanceStandardsProjection
    from civicledger.projections.audit_log import AuditLogProjection
    from civicledger.projections.client_timeline import ClientTimelineProjection
    from civicledger.projections.households import HouseholdsProjection
    from civicledger.projections.linkage_meetings import LinkageMeetingsProjection
    from civicledger.projections.linkage_needs import LinkageNeedsProjection
    from civicledger.projections.linkage_organisations import LinkageOrganisationsProjection
    from civicledger.projections.linkage_referrals import LinkageReferralsProjection
    from civicledger.projections.linkage_routing import LinkageRoutingProjection
    from civicledger.projections.linkage_tasks import LinkageTasksProjection
    from civicledger.projections.residents import ResidentsProjection

    return [
        ResidentsProjection(mapper), HouseholdsProjection(mapper), ClientTimelineProjection(mapper),
        AuditLogProjection(mapper),
        AssistanceCasesProjection(mapper), AssistanceMeansProjection(mapper), AssistancePayrollProjection(mapper),
        AssistanceStandardsProjection(mapper),
        LinkageOrganisationsProjection(mapper), LinkageNeedsProjection(mapper), LinkageReferralsProjection(mapper),
        LinkageTasksProjection(mapper), LinkageMeetingsProjection(mapper), LinkageRoutingProjection(mapper),
    ]
