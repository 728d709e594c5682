"""Who may act where (DESIGN §3 Access), decided by the services on the write model, once per command.

The API checks only what a bearer token says about the transport (the `command` scope); every rule about
roles, districts and offices lives here and in the programs' services, so a process manager, the demo and a
GraphQL mutation meet the same rules.

- Caseworkers and supervisors act in their own district; integrators and admins anywhere; the system's own
  processes anywhere; inspectors never change anything.
- A command that links two records (a household member, a referral, a match, a marriage) checks the caller's
  right over *both* districts (`may_act_in(actor, a, b)`)."""

from __future__ import annotations

from civicledger.core.errors import ForbiddenError
from civicledger.core.metadata import Actor

CASEWORKER, SUPERVISOR, INTEGRATOR, INSPECTOR, ADMIN, SYSTEM = (
    "caseworker", "supervisor", "integrator", "inspector", "admin", "system")
DISTRICT_BOUND = frozenset({CASEWORKER, SUPERVISOR})
STAFF = (CASEWORKER, SUPERVISOR)


def may_act_in(actor: Actor, *districts: str | None) -> None:
    """The actor may change records of every one of these districts (None: a record of no district)."""
    if actor.role == INSPECTOR:
        raise ForbiddenError("this role may not change anything", role=actor.role)
    if actor.role not in DISTRICT_BOUND:
        return
    for district in districts:
        if district is not None and district != actor.district:
            raise ForbiddenError("outside your district", district=district, yourDistrict=actor.district)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles and actor.role != SYSTEM:
        raise ForbiddenError(f"role {actor.role} may not do this", allowed=list(roles))
