"""The hand-compiled hot operations are gone: every read-only document the declarations cover is planned
(`civicledger/graphql/planner/`). This module stays as the thin entry point older code imports."""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, OperationDefinitionNode, parse, validate

from civicledger.graphql.planner import PlannedOperation, plan_operation

CompiledOperation = PlannedOperation


def compile_operation(schema: Any, query: str, operation_name: str | None, *, max_tokens: int = 4000,
                      **_limits: Any) -> PlannedOperation | None:
    """Parse, validate and plan a document (the HTTP endpoint plans its prepared documents directly); None if
    it is invalid or not (entirely) plannable."""
    try:
        document: DocumentNode = parse(query, max_tokens=max_tokens)
    except Exception:
        return None
    if validate(schema._schema, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
    if len(operations) != 1:
        return None
    return plan_operation(schema._schema, document, operations[0])
