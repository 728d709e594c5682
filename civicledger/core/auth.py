"""Roles, scopes and bearer tokens (DESIGN §3 Access).

caseworker  scoped to a district and an office; acts on cases there
supervisor  approvals and decisions in a district
integrator  an API client; `read` and/or `command` scopes, `personal` to see unmasked personal fields
inspector   reads everything including audit; changes nothing; unmasked personal data needs a stated purpose
admin       standards, offices, routing tables
"""

from __future__ import annotations

import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, cast

import jwt

from civicledger.core.errors import ForbiddenError, UnauthenticatedError
from civicledger.core.guangzhou import District, parse_district
from civicledger.core.metadata import Actor


class Role(str, Enum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    INTEGRATOR = "integrator"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class Scope(str, Enum):
    READ = "read"
    COMMAND = "command"
    PERSONAL = "personal"
    AUDIT = "audit"


DEFAULT_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.CASEWORKER: frozenset({Scope.READ, Scope.COMMAND, Scope.PERSONAL}),
    Role.SUPERVISOR: frozenset({Scope.READ, Scope.COMMAND, Scope.PERSONAL}),
    Role.INTEGRATOR: frozenset({Scope.READ}),
    Role.INSPECTOR: frozenset({Scope.READ, Scope.AUDIT}),
    Role.ADMIN: frozenset({Scope.READ, Scope.COMMAND}),
}

ISSUER = "civicledger"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    district: str | None = None
    office: str | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject, role=self.role.value, office=self.office, district=self.district)

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise ForbiddenError(f"role {self.role.value} lacks the {scope.value} scope", scope=scope.value)

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise ForbiddenError(
                f"role {self.role.value} may not do this", allowed=[r.value for r in roles]
            )


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    district: str | None = None,
    office: str | None = None,
    scopes: frozenset[Scope] | None = None,
    ttl_seconds: int = 12 * 3600,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": now + ttl_seconds,
        "scope": " ".join(sorted(s.value for s in (scopes if scopes is not None else DEFAULT_SCOPES[role]))),
    }
    if district:
        claims["district"] = parse_district(district).value
    if office:
        claims["office"] = office
    return jwt.encode(claims, secret, algorithm="HS256")


_verified: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()
_VERIFIED_MAX = 10_000
TOKEN_MAX = 8192


def verify_token(secret: str, token: str) -> Principal:
    """Check signature, issuer and expiry. A token seen before is not re-verified until it expires (HMAC
    verification and claim parsing cost more than the rest of a cached read)."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise UnauthenticatedError("a bearer token is required")
    key = (secret, token)
    cached = _verified.get(key)
    if cached is not None:
        principal, expires = cached
        if time.time() < expires:
            return principal
        _verified.pop(key, None)
    principal, expires = _verify(secret, token)
    _verified[key] = (principal, expires)
    if len(_verified) > _VERIFIED_MAX:
        _verified.popitem(last=False)
    return principal


def _verify(secret: str, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub", "iss"]}
        )
    except jwt.ExpiredSignatureError:
        raise UnauthenticatedError("token expired") from None
    except jwt.PyJWTError as exc:
        raise UnauthenticatedError(f"invalid token: {str(exc)[:200] or exc.__class__.__name__}") from None
    return principal_of(claims), float(claims["exp"])


SUBJECT_MAX = 128
OFFICE_MAX = 80
DISTRICT_CODES = frozenset(d.value for d in District)


def _claim_text(claims: dict[str, Any], name: str, max_length: int, *, required: bool) -> str | None:
    """A text claim: a string of 1..max_length characters without control or invisible characters (it becomes
    the actor of every event the bearer writes); absent (or null) only when not required."""
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_length \
            or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in value) or value != value.strip():
        raise UnauthenticatedError(f"token claim '{name}' must be text of 1 to {max_length} printable characters")
    return value


def principal_of(claims: dict[str, Any]) -> Principal:
    """The principal a verified token names, every claim checked for type and value: a signed token with a
    claim of the wrong shape is refused (401), never half-read."""
    subject = _claim_text(claims, "sub", SUBJECT_MAX, required=True)
    try:
        role = Role(claims.get("role")) if isinstance(claims.get("role"), str) else None
    except ValueError:
        role = None
    if role is None:
        raise UnauthenticatedError("token has an unknown role")
    scope_claim = claims.get("scope", "")
    if not isinstance(scope_claim, str):
        raise UnauthenticatedError("token claim 'scope' must be a space-separated string")
    try:
        scopes = frozenset(Scope(s) for s in scope_claim.split(" ") if s)
    except ValueError:
        raise UnauthenticatedError("token has an unknown scope") from None
    district = claims.get("district")
    if district is not None and (not isinstance(district, str) or district not in DISTRICT_CODES):
        raise UnauthenticatedError("token claim 'district' must be one of Guangzhou's district codes")
    if district is None and role in (Role.CASEWORKER, Role.SUPERVISOR):
        raise UnauthenticatedError(f"a {role.value} token must name its district")
    office = _claim_text(claims, "office", OFFICE_MAX, required=False)
    if role is Role.INSPECTOR:
        scopes = scopes - {Scope.COMMAND}  # inspectors change nothing, whatever a token claims
    return Principal(subject=cast(str, subject), role=role, district=district, office=office, scopes=scopes)
