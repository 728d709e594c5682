"""Per-request loaders of the linkage read models, and who sees a resident's words unmasked.

The usual rule holds (`sees_personal_data`: caseworkers and supervisors of the case's district, integrators
with the personal scope, inspectors with a stated purpose), with one more for the staff of a social
organisation or social-work station: they see a need's details only through the referral, and only when the
details were shared with their own organisation (consent, or an urgent-safety override). Every unmasked read
is logged (`record_read`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from civicledger.graphql.permissions import sees_personal_data
from civicledger.projections.linkage_meetings import meetings_by_ids
from civicledger.projections.linkage_needs import needs_by_ids
from civicledger.projections.linkage_organisations import memberships, organisations_by_ids
from civicledger.projections.linkage_referrals import referrals_by_ids
from civicledger.projections.linkage_tasks import tasks_by_ids

COMMITTEE = "COMMUNITY_COMMITTEE"


def organisations(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("linkage_organisations", organisations_by_ids)


def needs(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("linkage_needs", needs_by_ids)


def referrals(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("linkage_referrals", referrals_by_ids)


def tasks(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("linkage_tasks", tasks_by_ids)


def meetings(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("linkage_meetings", meetings_by_ids)


async def _providers_of(conn: Any, keys: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    out = []
    for subject, office in keys:
        rows = await memberships(conn, subject, office)
        out.append({"id": (subject, office), "providers": frozenset(r["id"] for r in rows if r["kind"] != COMMITTEE)})
    return out


async def provider_organisations(info: Info) -> frozenset[UUID]:
    """The social organisations and stations the reader works for (none for most readers)."""
    principal = info.context.principal
    found = await info.context.loader("linkage_providers_of", _providers_of).load(
        (principal.subject, principal.office))
    return found["providers"]


async def reveal(info: Info, *, resident_id: UUID, district: str | None, erased: bool, field: str,
                 shared_with: UUID | None = None, through_referral: bool = False) -> bool:
    """May this reader see `field` (about `resident_id`, in a case of `district`) unmasked? Logs the read
    when yes."""
    ctx = info.context
    if erased or not sees_personal_data(ctx.principal, district, ctx.purpose):
        return False
    providers = await provider_organisations(info)
    if providers and not (through_referral and shared_with in providers):
        return False
    ctx.record_read(resident_id, district, field)
    return True
