from __future__ import annotations

from typing import Any

from tests.conftest import GQL, new_id_number, personal

REGISTER = """
mutation Register($input: RegisterResidentInput!) {
  registerResident(input: $input) { residentId version position replayed
    resident { id name idNumber version } }
}"""


async def register(gql: GQL, *, as_: str, name: str = "王芳", district: str = "HAIZHU", street: str = "江海街",
                   id_number: str | None = None, **extra: Any) -> dict[str, Any]:
    body = await gql(REGISTER, {"input": {"name": personal(name), "idNumber": id_number or new_id_number(),
                                          "district": district, "street": street, "community": "红卫社区",
                                          "phone": personal("13800138000"), **extra}}, as_=as_)
    assert "errors" not in body, body
    return body["data"]["registerResident"]  # type: ignore[no-any-return]
