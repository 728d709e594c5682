"""A role × field matrix generated from the schema (issue 10 item 4): every root query of the schema, selecting
every field it can reach (three levels deep, every page 3 long, interfaces through each of their types), is
asked by every role that must not see a Haizhu resident's personal data — and the answer must not hold it.
A field added tomorrow is in the matrix without editing this file. The Haizhu caseworker is the control: the
same documents must reveal the data to them, or the matrix is not reaching the fields."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.pyutils import Undefined

from civicledger.graphql.schema import build_schema
from civicledger.settings import Settings
from tests.api.helpers import register
from tests.conftest import (
    ADMIN,
    CASEWORKER_HAIZHU,
    CASEWORKER_TIANHE,
    GQL,
    INSPECTOR,
    INTEGRATOR_READ_ONLY,
    error_codes,
    new_id_number,
    personal,
    token,
)

WATCHERS = {"caseworker of another district": CASEWORKER_TIANHE, "integrator without `personal`": INTEGRATOR_READ_ONLY,
            "admin": ADMIN, "inspector without a purpose": INSPECTOR}
DEPTH = 3
PAGE = 3


class Generator:
    def __init__(self, schema: GraphQLSchema, ids: dict[str, str]) -> None:
        self.schema, self.ids = schema, ids

    def arguments(self, field: GraphQLField, returns: str, *, root: bool) -> str | None:
        """The field's arguments: pages of 3, required ones filled from what the test wrote; None when a
        required argument cannot be filled (an input object: a preview, say)."""
        given = []
        for name, arg in field.args.items():
            named = get_named_type(arg.type)
            if name == "first":
                given.append(f"{name}: {PAGE}")
                continue
            if root and isinstance(named, GraphQLInputObjectType) and "name" in named.fields:
                # a search (`residents`) narrowed to the test's resident: on a shared database the first page of
                # the district is somebody else's
                given.append(f'{name}: {{name: "{self.ids["name"]}"}}')
                continue
            if not is_non_null_type(arg.type) or arg.default_value is not Undefined:
                continue
            value = self.value(name, named, returns, root=root)
            if value is None:
                return None
            given.append(f"{name}: {value}")
        return f"({', '.join(given)})" if given else ""

    def value(self, name: str, named: Any, returns: str, *, root: bool) -> str | None:
        if isinstance(named, GraphQLInputObjectType):
            return None
        if isinstance(named, GraphQLEnumType):
            return next(iter(named.values))
        scalar = named.name
        if scalar == "ID":
            # `id`: an object of the type the field returns, where the test wrote one (a marriage, an agenda
            # item ...) — a resident's id would only be NOT_FOUND and reach nothing; any other id: the resident
            key = "household" if returns == "Household" and name == "id" else "resident"
            if name == "id" and returns in self.ids:
                key = returns
            return f'"{self.ids[key]}"'
        if scalar == "DateTime":
            return f'"{dt.datetime.now(dt.UTC).isoformat()}"'
        if scalar == "Date":
            return f'"{dt.date.today().isoformat()}"'
        if scalar == "Int":
            return str(PAGE)
        if scalar == "Boolean":
            return "false"
        if scalar == "String":
            return '"HAIZHU"'
        if scalar == "UUID":
            return f'"{self.ids["resident_uuid"]}"'
        return None

    def selection(self, named: Any, depth: int) -> str | None:
        if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
            return "{ __typename }"  # nested: each possible type is a root of its own (`node`) where it matters
        if not isinstance(named, GraphQLObjectType):
            return None
        parts = []
        for name, field in named.fields.items():
            sub = get_named_type(field.type)
            args = self.arguments(field, sub.name, root=False)
            if args is None:
                continue
            label = name
            if is_leaf_type(sub):
                parts.append(label + args)
            elif depth > 0:
                inner = self.selection(sub, depth - 1)
                if inner:
                    parts.append(f"{label}{args} {inner}")
        return "{ " + " ".join(parts) + " }" if parts else None

    def documents(self) -> dict[str, list[str]]:
        """Each root query field → its documents, deepest first (a shallower one where the deep one is over
        the request budget)."""
        out: dict[str, list[str]] = {}
        assert self.schema.query_type is not None
        for name, field in self.schema.query_type.fields.items():
            returns = get_named_type(field.type)
            args = self.arguments(field, returns.name, root=True)
            if args is None:
                continue
            if is_leaf_type(returns):
                out[name] = [f"{{ {name}{args} }}"]
                continue
            if isinstance(returns, GraphQLUnionType | GraphQLInterfaceType):  # `node`: one document per type
                for kind in self.schema.get_possible_types(returns):
                    args = self.arguments(field, kind.name, root=True) or args
                    out[f"{name} on {kind.name}"] = [
                        f"{{ {name}{args} {{ __typename ... on {kind.name} {inner} }} }}"
                        for depth in range(DEPTH, -1, -1) if (inner := self.selection(kind, depth))]
                continue
            out[name] = [f"{{ {name}{args} {inner} }}" for depth in range(DEPTH, -1, -1)
                         if (inner := self.selection(returns, depth))]
        return out


PURPOSE = {"X-Access-Purpose": "role-field matrix control"}


async def answer(gql: GQL, documents: list[str], bearer: str, headers: dict[str, str] | None = None) -> str:
    """The first of the documents the role's budget admits, answered; its text."""
    text = ""
    for document in documents:
        response = await gql.client.post("/graphql", json={"query": document},
                                       headers={"Authorization": f"Bearer {bearer}", **(headers or {})})
        assert response.status_code < 500, (document, response.text)
        body = response.json()
        assert "INTERNAL_SERVER_ERROR" not in error_codes(body), (document, body)
        assert "GRAPHQL_VALIDATION_FAILED" not in error_codes(body), (document, body)
        text = response.text
        if "QUERY_TOO_COSTLY" not in error_codes(body):
            return text
    return text


STATEMENT = personal("矩阵证言" + secrets.token_hex(4))  # a resident's statement in deliberation: personal data


async def _ok(gql: GQL, document: str, variables: dict[str, Any], as_: str = CASEWORKER_HAIZHU) -> Any:
    body = await gql(document, variables, as_=as_)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def programs_of(gql: GQL, resident: str, resident_uuid: str, *, male: bool) -> dict[str, str]:
    """The resident in the newer programs, so that their roots that take an object's id get a real one: married
    (marriage), a participant with a statement (deliberation), hours banked (time bank)."""
    spouse = await register(gql, as_=CASEWORKER_HAIZHU, name=personal("配偶" + secrets.token_hex(2)),
                            id_number=new_id_number(born=dt.date(1962, 3, 4), male=not male))
    married = await _ok(gql, "mutation($i: RegisterMarriageInput!) { registerMarriage(input: $i) "
                             "{ marriage { id } } }", {"i": {"partyA": resident, "partyB": spouse["resident"]["id"]}})
    item = (await _ok(gql, "mutation($i: ProposeDeliberationItemInput!) { proposeDeliberationItem(input: $i) "
                           "{ item { id } } }", {"i": {"district": "HAIZHU", "street": "江海街",
                                                      "community": f"矩阵社区{secrets.token_hex(3)}",
                                                      "title": "加装电梯", "description": "七层步梯楼"}}))["item"]["id"]
    later = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    for document, fields in [
            ("prepareDeliberationItem(input: $i)", {"plan": "征求意见", "meetingOn": later}),
            ("addDeliberationParticipant(input: $i)", {"kind": "REGISTERED_RESIDENT", "residentId": resident}),
            ("openDeliberationConsultation(input: $i)", {}),
            ("stateDeliberationPosition(input: $i)", {"participant": 1, "stance": "SUPPORT", "statement": STATEMENT})]:
        kind = document.split("(")[0]
        await _ok(gql, f"mutation($i: {kind[0].upper()}{kind[1:]}Input!) {{ {document} {{ item {{ id }} }} }}",
                  {"i": {"itemId": item, **fields}})
    office = f"SOCIAL-ORG-{secrets.token_hex(4).upper()}"
    record = await _ok(gql, "mutation($i: RecordVolunteerServiceInput!) { recordVolunteerService(input: $i) "
                            "{ record { id } } }", {"i": {
                                "residentId": resident_uuid, "organiserOffice": office, "hours": "2",
                                "organiserName": "启智社工", "category": "ELDER_CARE", "servedOn": "2026-01-10",
                                "description": "陪伴长者"}})
    await _ok(gql, "mutation($i: DecideVolunteerServiceInput!) { verifyVolunteerService(input: $i) "
                   "{ record { status } } }", {"i": {"recordId": record["record"]["id"]}},
              as_=token("caseworker", district="HAIZHU", office=office, subject=f"staff-{office}"))
    return {"Marriage": married["marriage"]["id"], "DeliberationItem": item}


async def test_no_role_without_the_right_sees_personal_data_through_any_field(gql: GQL) -> None:
    id_number = new_id_number(born=dt.date(1961, 7, 23))
    phone = personal("1390" + id_number[-8:-1])
    name = personal("矩阵" + "".join(chr(0x4E00 + secrets.randbelow(0x5000)) for _ in range(3)))  # one of its kind
    resident = await register(gql, as_=CASEWORKER_HAIZHU, name=name, id_number=id_number, phone=phone)
    household = await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) "
                          "{ household { id } } }", {"i": {"headId": resident["resident"]["id"]}}, as_=CASEWORKER_HAIZHU)
    ids = {"name": name, "resident": resident["resident"]["id"], "resident_uuid": resident["residentId"],
           "household": household["data"]["establishHousehold"]["household"]["id"]}
    ids |= await programs_of(gql, resident["resident"]["id"], resident["residentId"],
                             male=int(id_number[16]) % 2 == 1)
    hidden = {"ID number": id_number, "phone": phone, "birth date": "1961-07-23", "statement": STATEMENT}
    schema = build_schema(Settings())._schema
    documents = Generator(schema, ids).documents()
    for kind in ("DeliberationItem", "Marriage"):  # the inspectors' stream roots on the newer programs' streams
        of_kind = Generator(schema, {**ids, "resident": ids[kind], "resident_uuid": ids[kind]}).documents()
        documents |= {f"{root} of {kind}": of_kind[root] for root in ("streamHistory", "streamAt", "streamDiff")}
    assert {"resident", "household", "residents", "streamAt", "auditLog", "marriage", "deliberationItem",
            "timeBankAccount", "node on Marriage", "node on DeliberationItem"} <= documents.keys()
    assert ids["Marriage"] in documents["marriage"][0] and ids["DeliberationItem"] in documents["deliberationItem"][0]

    revealed_to_control = set()
    for root, docs in documents.items():
        text = await answer(gql, docs, CASEWORKER_HAIZHU)
        revealed_to_control |= {root for secret in hidden.values() if secret in text}
    leaks = []
    for role, bearer in WATCHERS.items():
        for root, docs in documents.items():
            text = await answer(gql, docs, bearer)
            leaks += [(role, root, what) for what, secret in hidden.items() if secret in text]

    assert leaks == []
    # the stream documents reach the statement (the 5th event: a page of 10): an inspector with a purpose sees it,
    # and the watchers do not
    whole = [d.replace("first: 3", "first: 10", 1) for d in documents["streamHistory of DeliberationItem"]]
    assert STATEMENT in await answer(gql, whole, INSPECTOR, PURPOSE)
    assert not [role for role, bearer in WATCHERS.items() if STATEMENT in await answer(gql, whole, bearer)]
    assert {"resident", "household", "residents", "node on Resident", "marriage", "deliberationItem",
            "timeBankAccount", "node on Marriage", "node on DeliberationItem"} <= revealed_to_control, \
        revealed_to_control


def test_the_matrix_reaches_new_fields_without_editing_this_file() -> None:
    ids = {"name": "某某", "resident": "UmVzaWRlbnQ6MQ==", "household": "SG91c2Vob2xkOjE=", "resident_uuid": "0" * 32}
    documents = Generator(build_schema(Settings())._schema, ids).documents()
    resident = documents["resident"][0]
    assert "idNumber" in resident and "phone" in resident and "timeline(first: 3)" in resident
