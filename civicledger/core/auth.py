"""Roles, scopes and bearer tokens (DESIGN §3 Access).

caseworker  scoped to a district and an office; acts on cases there
supervisor  approvals and decisions in a district
integrator  an API client; `read` and/or `command` scopes, `personal` to see unmasked personal fields
inspector   reads everything including audit; changes nothing; unmasked personal data needs a stated purpose
admin       standards, offices, routing tables
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum

import jwt

from civicledger.core.errors import ForbiddenError, UnauthenticatedError
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
        claims["district"] = district
    if office:
        claims["office"] = office
    return jwt.encode(claims, secret, algorithm="HS256")


_verified: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()
_VERIFIED_MAX = 10_000


def verify_token(secret: str, token: str) -> Principal:
    """Check signature, issuer and expiry. A token seen before is not re-verified until it expires (HMAC
    verification and claim parsing cost more than the rest of a cached read)."""
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
        raise UnauthenticatedError(f"invalid token: {exc.__class__.__name__}") from None
    try:
        role = Role(claims.get("role"))
    except ValueError:
        raise UnauthenticatedError("token has an unknown role") from None
    try:
        scopes = frozenset(Scope(s) for s in str(claims.get("scope", "")).split() if s)
    except ValueError:
        raise UnauthenticatedError("token has an unknown scope") from None
    if role is Role.INSPECTOR:
        scopes = scopes - {Scope.COMMAND}  # inspectors change nothing, whatever a token claims
    principal = Principal(
        subject=str(claims["sub"]),
        role=role,
        district=claims.get("district"),
        office=claims.get("office"),
        scopes=scopes,
    )
    return principal, float(claims["exp"])
