"""Logs as operators expect them: one JSON access line per request, expected errors not logged as server errors,
an unexpected one logged once with its correlation id — and never a resident's personal data anywhere."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from graphql import GraphQLError

from civicledger.graphql.errors import format_error
from tests.api.helpers import REGISTER
from tests.conftest import CASEWORKER_TIANHE, GQL, leaked_personal_values, new_id_number, personal


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "civicledger.access"]


async def test_requests_with_personal_data_leave_none_of_it_in_the_logs(gql: GQL, caplog: pytest.LogCaptureFixture
                                                                        ) -> None:
    name, phone, id_number, bad_id = personal("欧阳秘密"), personal("13912345678"), new_id_number(), "44010519750501010Y"
    personal(bad_id)
    resident = {"name": name, "idNumber": id_number, "district": "HAIZHU", "street": "江海街", "community": "红卫社区",
                "phone": phone}
    caplog.set_level(logging.DEBUG)

    await gql(REGISTER, {"input": resident})                                          # valid
    await gql(REGISTER, {"input": resident})                                          # CONFLICT: the number is taken
    await gql(REGISTER, {"input": {**resident, "idNumber": bad_id}})                  # INVALID_INPUT
    await gql(REGISTER, {"input": {**resident, "phone": 13912345678}})                # BAD_USER_INPUT
    await gql(REGISTER, {"input": resident}, as_=CASEWORKER_TIANHE)                   # FORBIDDEN
    await gql(f'{{ residents(filter: {{name: "{name}", idNumber: "{id_number}"}}) '
              '{ edges { node { name idNumber phone } } } }')                          # a search that reveals them
    await gql(f'{{ residents(filter: {{name: "{name}"}}) {{ edges {{ node {{ shoeSize }} }} }} }}')  # validation error
    await gql(f'{{ residents(filter: {{name: "{name}" ')                              # syntax error

    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert not leaked_personal_values([text], {name, phone, id_number, bad_id})
    assert name not in text and id_number not in text and bad_id not in text and phone not in text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    lines = access_lines(caplog)
    assert len(lines) == 8
    assert [line["errorCodes"] for line in lines] == [
        [], ["CONFLICT"], ["INVALID_INPUT"], ["BAD_USER_INPUT"], ["FORBIDDEN"], [], ["GRAPHQL_VALIDATION_FAILED"],
        ["GRAPHQL_PARSE_FAILED"]]


async def test_one_access_line_per_request_with_who_what_and_how_it_went(gql: GQL, caplog: pytest.LogCaptureFixture
                                                                         ) -> None:
    caplog.set_level(logging.INFO, logger="civicledger.access")

    await gql("query WhoAmI { viewer { role } }", headers={"X-Correlation-Id": "trace-7f3a.1"})
    await gql("mutation Nothing { registerResident(input: {}) { residentId } }")

    first, second = access_lines(caplog)
    assert first["correlationId"] == "trace-7f3a.1"
    assert (first["operationName"], first["operationType"], first["status"]) == ("WhoAmI", "query", 200)
    assert (first["principal"], first["role"], first["transport"]) == ("cw-li", "caseworker", "http")
    assert first["answeredBy"] == "compiled" and first["errorCodes"] == [] and first["latencyMs"] >= 0
    assert second["status"] == 400 and set(second["errorCodes"]) == {"GRAPHQL_VALIDATION_FAILED"}
    assert second["operationType"] is None  # refused while the document was prepared


async def test_an_unauthenticated_request_is_an_access_line_without_a_principal(gql: GQL,
                                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="civicledger.access")

    await gql("{ viewer { role } }", as_="not-a-token")

    [line] = access_lines(caplog)
    assert (line["status"], line["principal"], line["errorCodes"]) == (401, None, ["UNAUTHENTICATED"])


def test_an_unexpected_error_is_logged_once_with_its_correlation_id_and_without_its_message(
        caplog: pytest.LogCaptureFixture) -> None:
    id_number = new_id_number()
    try:
        raise ValueError(f"cannot parse {id_number} of {personal('司马隐私')}")
    except ValueError as exc:
        error = GraphQLError("boom", path=["resident"], original_error=exc)
    caplog.set_level(logging.DEBUG)

    out = format_error(error, correlation_id="corr-42", production=True, operation="R")

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "corr-42" in errors[0].getMessage() and "ValueError" in errors[0].getMessage()
    assert id_number not in caplog.text and "司马隐私" not in caplog.text
    assert out == {"message": "internal server error", "path": ["resident"],
                   "extensions": {"code": "INTERNAL_SERVER_ERROR", "correlationId": "corr-42"}}


def test_the_session_check_finds_a_leak() -> None:
    number = "44010519750501010X"

    found = leaked_personal_values([f"resident {number} read", "王芳 moved", "nothing here 440105197505010100"],
                                   {number, "王芳"})

    assert [value for value, _ in found] == [number, "王芳"]
