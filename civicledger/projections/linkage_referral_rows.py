"""The tables of the `linkage_referrals` read model and how a referral's first row and history details are
made (kept apart from the projection's event handling so each stays short)."""

from __future__ import annotations

from typing import Any

from civicledger.core.eventstore import codec
from civicledger.domains.linkage.referral import Referral, ReferralStatus
from civicledger.projections.base import Envelope

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "need_id": "uuid", "resident_id": "uuid",
    "community_id": "uuid", "district": "text", "street": "text", "category": "text", "sub_item": "text",
    "urgency": "text", "organisation_id": "uuid", "organisation_name": "text", "lead_party": "text",
    "proposed_lead_party": "text", "deviation_reason": "text", "routing_version": "bigint", "status": "text",
    "assignment": "int", "declines": "int", "last_decline_reason": "text", "referred_at": "timestamptz",
    "first_accepted_at": "timestamptz", "accepted_at": "timestamptz", "completed_at": "timestamptz",
    "closed_at": "timestamptz", "accept_due": "timestamptz", "complete_due": "timestamptz", "escalations": "jsonb",
    "last_escalated_at": "timestamptz", "sharing_basis": "text", "shared_organisation_id": "uuid",
    "shared_description": "text", "shared_contact_phone": "text", "shared_at": "timestamptz",
    "override_reason": "text", "outcome": "text",
    "satisfaction": "int", "feedback_comment": "text", "feedback_at": "timestamptz", "program": "text",
    "program_scheme": "text", "program_household_id": "uuid", "program_requested_at": "timestamptz",
    "program_application_id": "uuid", "program_outcome": "text", "program_decided_at": "timestamptz",
    "updated_at": "timestamptz", "position": "bigint", "erased": "boolean",
}

# escalations: ["ACCEPT:1", "COMPLETE:2", ...] — each deadline of each assignment escalates once.
_DDL_COLUMNS = ", ".join(f"{name} {kind}" + (" PRIMARY KEY" if name == "id" else "") for name, kind in COLUMNS.items())

DDL = (
    f"CREATE TABLE IF NOT EXISTS linkage_referrals ({_DDL_COLUMNS})",
    "CREATE UNIQUE INDEX IF NOT EXISTS linkage_referrals_seq_idx ON linkage_referrals (seq)",
    "CREATE INDEX IF NOT EXISTS linkage_referrals_community_idx ON linkage_referrals (community_id, seq)",
    "CREATE INDEX IF NOT EXISTS linkage_referrals_organisation_idx ON linkage_referrals (organisation_id, status)",
    "CREATE INDEX IF NOT EXISTS linkage_referrals_resident_idx ON linkage_referrals (resident_id)",
    "CREATE INDEX IF NOT EXISTS linkage_referrals_open_idx ON linkage_referrals (status, accept_due, complete_due)"
    " WHERE status IN ('REFERRED', 'DECLINED', 'ACCEPTED', 'IN_PROGRESS')",
    "CREATE TABLE IF NOT EXISTS linkage_referral_history ("
    " referral_id uuid NOT NULL, position bigint NOT NULL, version bigint NOT NULL, kind text NOT NULL,"
    " details jsonb NOT NULL, actor_id text, actor_role text, actor_office text, reason text,"
    " occurred_at timestamptz NOT NULL, PRIMARY KEY (referral_id, position))",
    "CREATE TABLE IF NOT EXISTS linkage_data_sharing ("
    " referral_id uuid NOT NULL, position bigint NOT NULL, resident_id uuid NOT NULL, organisation_id uuid NOT NULL,"
    " basis text NOT NULL, override_reason text, shared_by text NOT NULL, shared_at timestamptz NOT NULL,"
    " correlation_id text, PRIMARY KEY (referral_id, position))",
    "CREATE INDEX IF NOT EXISTS linkage_data_sharing_basis_idx ON linkage_data_sharing (basis, position)",
)


def new_row(env: Envelope, e: Referral.Referred) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        id=env.stream_id, seq=env.position, need_id=e.need_id, resident_id=e.resident_id,
        community_id=e.community_id, district=e.district, street=e.street, category=e.category.value,
        sub_item=e.sub_item, urgency=e.urgency.value, organisation_id=e.organisation_id,
        organisation_name=e.organisation_name, lead_party=e.lead_party.value,
        proposed_lead_party=e.proposed_lead_party.value, deviation_reason=e.deviation_reason,
        routing_version=e.routing_version, status=ReferralStatus.REFERRED.value, assignment=1, declines=0,
        referred_at=e.timestamp, accept_due=e.accept_due, escalations=[], erased=False,
    )
    return row


_NOT_DETAILS = {"originator_id", "originator_version", "originator_topic", "timestamp", "resident_id"}


def history_details(e: Any) -> str:
    """The event's fields that are not personal data, as a JSON document."""
    personal = set(getattr(type(e), "personal_data", None) or {})
    kept = {k: v for k, v in vars(e).items() if k not in _NOT_DETAILS and k not in personal}
    return codec.dumps(kept).decode()
