"""The published schema does not drift silently, and the layers keep their boundaries."""

from __future__ import annotations

import ast
from pathlib import Path

from civicledger.graphql.schema import build_schema
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_exported_schema_matches_the_code() -> None:
    exported = (ROOT / "schema.graphql").read_text()

    assert build_schema(make_settings()).as_str().strip() == exported.strip(), (
        "schema.graphql is out of date: run `civicledger schema > schema.graphql` and review the diff"
    )


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_code_imports_nothing_from_the_database_or_graphql_layers() -> None:
    forbidden = ("civicledger.graphql", "civicledger.projections", "asyncpg", "psycopg", "strawberry", "starlette",
                 "civicledger.runtime", "civicledger.app", "civicledger.core.eventstore.recorder")
    offenders = {
        str(path.relative_to(ROOT)): sorted(i for i in imports_of(path) if i.startswith(forbidden))
        for path in (ROOT / "civicledger" / "domains").rglob("*.py")
    }

    assert {k: v for k, v in offenders.items() if v} == {}


def test_graphql_code_never_touches_the_event_store() -> None:
    forbidden = ("civicledger.core.eventstore.recorder", "eventsourcing", "psycopg")
    offenders = {
        str(path.relative_to(ROOT)): sorted(i for i in imports_of(path) if i.startswith(forbidden))
        for path in (ROOT / "civicledger" / "graphql").rglob("*.py")
    }

    assert {k: v for k, v in offenders.items() if v} == {}


def test_there_is_no_top_level_graphql_package() -> None:
    assert not (ROOT / "graphql").exists()
