"""A validly signed token is read only when every claim has the right type and value; anything else is a
clear `UNAUTHENTICATED`, never a crash."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from civicledger.core.auth import ISSUER, Role, Scope, issue_token, verify_token
from civicledger.core.errors import UnauthenticatedError

SECRET = "unit-test-secret-0123456789abcdef0123"


def signed(**overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": ISSUER, "sub": "cw-li", "role": "caseworker", "iat": now, "exp": now + 600,
                              "scope": "read command", "district": "HAIZHU", "office": "HAIZHU-JIANGHAI-STATION"}
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, SECRET, algorithm="HS256")


def test_a_well_formed_token_names_its_principal() -> None:
    principal = verify_token(SECRET, signed())

    assert (principal.subject, principal.role, principal.district) == ("cw-li", Role.CASEWORKER, "HAIZHU")
    assert principal.scopes == {Scope.READ, Scope.COMMAND}


@pytest.mark.parametrize(("claims", "says"), [
    ({"district": ["HAIZHU"]}, "district"),
    ({"district": "SHENZHEN"}, "district"),
    ({"district": None}, "district"),  # a caseworker without a district
    ({"scope": ["read"]}, "scope"),
    ({"scope": "read sudo"}, "scope"),
    ({"role": "god"}, "role"),
    ({"role": ["admin"]}, "role"),
    ({"sub": None}, "sub"),
    ({"sub": 42}, "ub"),
    ({"sub": ""}, "sub"),
    ({"sub": "x" * 129}, "sub"),
    ({"sub": "cw-li\x00"}, "sub"),
    ({"office": {"code": "X"}}, "office"),
    ({"office": "O" * 81}, "office"),
    ({"exp": "tomorrow"}, "exp"),
], ids=["district list", "district unknown", "district missing", "scope list", "scope unknown", "role unknown",
        "role list", "sub missing", "sub number", "sub empty", "sub too long", "sub nul", "office object",
        "office too long", "exp text"])
def test_a_signed_token_with_a_claim_of_the_wrong_shape_is_unauthenticated(claims: dict[str, Any],
                                                                           says: str) -> None:
    with pytest.raises(UnauthenticatedError) as error:
        verify_token(SECRET, signed(**claims))

    assert says in error.value.message


@pytest.mark.parametrize("token", [None, 42, "", "x" * 10_000])
def test_a_token_that_is_not_a_short_string_is_unauthenticated(token: Any) -> None:
    with pytest.raises(UnauthenticatedError):
        verify_token(SECRET, token)


def test_issued_tokens_name_the_district_by_its_code() -> None:
    token = issue_token(SECRET, subject="sup-chen", role=Role.SUPERVISOR, district="海珠区")

    assert verify_token(SECRET, token).district == "HAIZHU"
