"""A small synchronous client for API processes started by `cluster.py` (GraphQL over HTTP, `/readyz`)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import new_id_number

REGISTER = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) {
  residentId position replayed resident { id name idNumber } } }"""
RESIDENT = "query($id: ID!) { resident(id: $id) { name idNumber phone erased } }"
ERASE = """mutation($i: EraseResidentPersonalDataInput!) { eraseResidentPersonalData(input: $i) {
  residentId position resident { idNumber erased } } }"""


def graphql(base_url: str, query: str, variables: dict[str, Any] | None = None, *, token: str,
            timeout: float = 30, extensions: dict[str, Any] | None = None) -> dict[str, Any]:
    """One request on a connection of its own (so that several API processes behind one port all get some)."""
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    if extensions:
        body["extensions"] = extensions
    response = httpx.post(f"{base_url}/graphql", json=body, timeout=timeout,
                          headers={"Authorization": f"Bearer {token}", "Connection": "close"})
    return response.json()  # type: ignore[no-any-return]


def readyz(base_url: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{base_url}/readyz", timeout=10, headers={"Connection": "close"})
    return response.status_code, response.json()


def resident_input(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街",
            "community": "红卫社区", "phone": "13800138000", **extra}


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
