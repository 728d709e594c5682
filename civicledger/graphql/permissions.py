"""Who may see and do what (DESIGN §3 Access), checked on every root field and mutation, and the masking
of personal fields by role."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from civicledger.core.auth import Principal, Role, Scope
from civicledger.core.errors import ForbiddenError


class _Requires(BasePermission):
    scope: Scope

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal: Principal = info.context.principal
        if not principal.has(self.scope):
            raise ForbiddenError(f"role {principal.role.value} lacks the {self.scope.value} scope",
                                 scope=self.scope.value)
        return True


class CanRead(_Requires):
    scope = Scope.READ


class CanCommand(_Requires):
    scope = Scope.COMMAND


class CanAudit(_Requires):
    scope = Scope.AUDIT


def sees_personal_data(principal: Principal, resident_district: str | None, purpose: str | None) -> bool:
    """Unmasked personal fields: caseworkers and supervisors of the resident's district; integrators granted
    the `personal` scope; inspectors only with a stated purpose (which is logged). Never admins."""
    role = principal.role
    if role in (Role.CASEWORKER, Role.SUPERVISOR):
        return principal.district is not None and principal.district == resident_district
    if role is Role.INTEGRATOR:
        return principal.has(Scope.PERSONAL)
    if role is Role.INSPECTOR:
        return bool(purpose and purpose.strip())
    return False


def sees_no_personal_data(principal: Principal, purpose: str | None) -> bool:
    """True when `sees_personal_data` is False for every district: this reader sees every resident's personal
    fields masked, whoever the resident (the query planner then masks them in SQL and records no read)."""
    role = principal.role
    if role in (Role.CASEWORKER, Role.SUPERVISOR):
        return principal.district is None
    if role is Role.INTEGRATOR:
        return not principal.has(Scope.PERSONAL)
    if role is Role.INSPECTOR:
        return not (purpose and purpose.strip())
    return True


def sees_held_records(principal: Principal, holders: frozenset[Any], holder: Any, district: str | None,
                      purpose: str | None) -> bool:
    """The most sensitive records (casework session notes, review summaries): only the staff of the unit that
    holds the record *now* (`holder`, e.g. the station holding the case — not one that held it before; `holders`:
    the units the reader works for), within that unit's district, and inspectors with a stated purpose (which
    is logged). Nobody else — not the district's other caseworkers or supervisors, integrators or admins,
    whatever their scope."""
    role = principal.role
    if role is Role.INSPECTOR:
        return bool(purpose and purpose.strip())
    if role in (Role.CASEWORKER, Role.SUPERVISOR):
        return holder in holders and principal.district is not None and principal.district == district
    return False


def reveal_resident(ctx: Any, row: Any, field_name: str) -> bool:
    """Whether this request sees `field_name` of the resident in `row` (a `residents` row) unmasked — never once
    erased; when it does, the read is recorded for the access log."""
    if row["erased"]:
        return False
    if sees_personal_data(ctx.principal, row["district"], ctx.purpose):
        ctx.record_read(row["id"], row["district"], field_name)
        return True
    return False


def mask_id_number(value: str | None) -> str | None:
    return None if value is None else f"{value[:3]}***********{value[-4:]}"


def mask_phone(value: str | None) -> str | None:
    if value is None:
        return None
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 7 else "****"


MASKED_TEXT = "***"
