"""A request's document, prepared before anything runs: parsed, validated with the schema's rules and limits,
its operation selected by `operationName`, its type read from the parsed operation — never from the text —
and its variables coerced. Every failure is a `RequestError` with a stable code; the compiled/planned path and
the executor receive the same prepared request, so they answer bad input identically.

Codes: `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED` (including the depth, alias and token limits),
`OPERATION_NOT_FOUND` (unknown `operationName`), `OPERATION_NAME_REQUIRED` (several operations, no name),
`METHOD_NOT_ALLOWED` (a mutation over GET, 405), `OPERATION_NOT_SUPPORTED` (a subscription over HTTP),
`BAD_USER_INPUT` (a variable: with `variable` and `path`)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    is_non_null_type,
    parse,
    print_ast,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.values import (
    VariableValues,
    VariableValueSource,
    get_variable_values,
    input_is_nested_too_deeply,
)
from graphql.pyutils import Undefined
from graphql.utilities.coerce_input_value import coerce_input_value
from graphql.utilities.validate_input_value import validate_input_value
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from civicledger.graphql.wire import RequestError

_TYPES = {OperationType.QUERY: "query", OperationType.MUTATION: "mutation",
          OperationType.SUBSCRIPTION: "subscription"}


@dataclass(frozen=True)
class Prepared:
    """A parsed, validated document with its selected operation."""

    document: DocumentNode
    operation: OperationDefinitionNode
    key: tuple[str, str | None]  # (sha256 of the text, operationName): what the compiled/planned caches use
    text: str = field(default="", compare=False)  # the query text it was prepared from
    # The operation's variables with their signatures (name, type) looked up once, and whether each has a default
    variables: tuple[tuple[Any, bool], ...] | None = field(default=None, compare=False)

    @property
    def operation_type(self) -> str:
        return _TYPES[self.operation.operation]

    @property
    def operation_name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


def _located(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


class Documents:
    """Prepared documents by (digest, operationName), bounded LRU; the schema's own limits apply.

    A document is parsed and validated once per (digest, operationName) for this schema — the depth, alias and
    token limits are among the validation rules and the parse options, so they are checked on that one miss
    and never make a later request of the same text parse again. The executor receives the prepared document
    (`PreparedDocument`), so it neither parses nor validates. `hits` / `misses` count lookups."""

    def __init__(self, schema: Any, capacity: int = 1000, max_cached_chars: int = 100_000) -> None:
        self.schema = schema
        self.capacity = capacity
        self.max_cached_chars = max_cached_chars
        rules: list[Any] = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule]
        self.max_tokens: int | None = None
        for extension in schema.get_extensions():
            if isinstance(extension, AddValidationRules):
                rules.extend(extension.validation_rules)
            elif isinstance(extension, MaxTokensLimiter):
                self.max_tokens = extension.max_token_count
        self.rules = tuple(rules)
        self._items: OrderedDict[tuple[str, str | None], Prepared] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def prepare(self, query: str, digest: str | None, operation_name: Any, method: str) -> Prepared:
        """`method`: the HTTP method, or "WS" for graphql-transport-ws (where subscriptions belong)."""
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError(400, "operationName must be a string", "BAD_REQUEST")
        key = (digest or hashlib.sha256(query.encode()).hexdigest(), operation_name or None)
        prepared = self._items.get(key)
        if prepared is None:
            self.misses += 1
            prepared = self._prepare(query, key)
            if len(query) <= self.max_cached_chars:
                self._items[key] = prepared
                if len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        else:
            self.hits += 1
            self._items.move_to_end(key)
        kind = prepared.operation.operation
        if kind is OperationType.MUTATION and method == "GET":
            raise RequestError(405, "mutations are not allowed over GET: use POST", "METHOD_NOT_ALLOWED",
                               {"Allow": "POST"})
        if kind is OperationType.SUBSCRIPTION and method != "WS":
            raise RequestError(400, "subscriptions are served over WebSocket (graphql-transport-ws), not HTTP",
                               "OPERATION_NOT_SUPPORTED", graphql=True)
        return prepared

    def _prepare(self, query: str, key: tuple[str, str | None]) -> Prepared:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLSyntaxError as exc:
            raise RequestError(400, exc.message, "GRAPHQL_PARSE_FAILED", graphql=True,
                               errors=[{**_located(exc), "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]) from None
        except RecursionError:
            raise RequestError(400, "the document is nested too deeply", "GRAPHQL_PARSE_FAILED",
                               graphql=True) from None
        errors = validate(self.schema._schema, document, self.rules)
        if errors:
            raise RequestError(400, errors[0].message, "GRAPHQL_VALIDATION_FAILED", graphql=True, errors=[
                {**_located(e), "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for e in errors])
        operation_name = key[1]
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            if len(operations) != 1:
                raise RequestError(400, "the document has several operations: say which with operationName",
                                   "OPERATION_NAME_REQUIRED", graphql=True)
            return Prepared(document, operations[0], key, query, self._variables_of(operations[0]))
        for operation in operations:
            if operation.name and operation.name.value == operation_name:
                return Prepared(document, operation, key, query, self._variables_of(operation))
        raise RequestError(400, f"the document has no operation named {operation_name!r}", "OPERATION_NOT_FOUND",
                           graphql=True)

    def _variables_of(self, operation: OperationDefinitionNode) -> tuple[tuple[Any, bool], ...] | None:
        out = []
        for definition in operation.variable_definitions or ():
            signature = get_variable_signature(self.schema._schema, definition)
            if isinstance(signature, GraphQLError):
                return None
            out.append((signature, definition.default_value is not None))
        return tuple(out)

    def coerce_variables(self, prepared: Prepared, variables: Mapping[str, Any] | None) -> Any:
        """Check every variable of the operation against its type, the way execution coerces it; refuse the
        request with each variable's name and the path inside its value. Returns graphql-core's coerced
        `VariableValues`, which a planned query uses instead of coercing them again.

        graphql-core's `get_variable_values` looks every variable's signature (its type) up in the schema for
        each request; they are looked up once per document (`Prepared.variables`) and the values coerced as
        graphql-core does (`_coerce_quickly`). A value it does not accept, or a variable left to its default, goes
        graphql-core's whole way below, which also says precisely what is wrong."""
        quick = _coerce_quickly(prepared.variables, variables or {}) if prepared.variables is not None else None
        if quick is not None:
            return quick
        schema = self.schema._schema
        try:
            coerced = get_variable_values(schema, prepared.operation.variable_definitions or (), dict(variables or {}))
        except Exception:  # nested too deeply, a scalar that raises: said precisely below
            coerced = None
        if coerced is not None and not isinstance(coerced, list):
            return coerced
        errors = coerce_errors(schema, prepared.operation, variables or {}) or [
            {"message": e.message, "extensions": {"code": "BAD_USER_INPUT"}} for e in coerced or ()]
        if not errors:  # pragma: no cover - graphql-core raised where our check sees nothing wrong
            errors = [{"message": "the variables cannot be coerced", "extensions": {"code": "BAD_USER_INPUT"}}]
        raise RequestError(400, errors[0]["message"], "BAD_USER_INPUT", graphql=True, errors=errors)


def _coerce_quickly(signatures: tuple[tuple[Any, bool], ...], inputs: Mapping[str, Any]) -> VariableValues | None:
    """graphql-core's `coerce_variable_values` (graphql/execution/values.py) over signatures looked up once, for
    values it accepts as given; None for anything else (a default to apply, a value refused), which the caller
    then sends graphql-core's way."""
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    for signature, has_default in signatures:
        name, var_type = signature.name, signature.type
        value = inputs.get(name, Undefined)
        if value is Undefined:
            if has_default or is_non_null_type(var_type):
                return None
            sources[name] = VariableValueSource(signature)  # a nullable variable not given: omitted
            continue
        sources[name] = VariableValueSource(signature, value)
        try:
            if input_is_nested_too_deeply(value, var_type):
                return None
            coerced_value = coerce_input_value(value, var_type)
        except Exception:  # a scalar that refuses its input by raising
            return None
        if coerced_value is Undefined:
            return None
        coerced[name] = coerced_value
    return VariableValues(sources, coerced)


# How often the executor was handed a prepared document (`reused`) and how often it had to parse and validate a
# text itself (`parsed`: only a caller that went around `Documents`, e.g. `schema.execute` in a script).
EXECUTOR_DOCUMENTS = {"reused": 0, "parsed": 0}


class PreparedDocument(SchemaExtension):
    """Give strawberry's executor the document the transport prepared (`Context.document`, set by HTTP and
    WebSocket after `Documents.prepare`): no second parse, no second `validate()` — it was validated with the
    same rules and limits, once per document hash. A context without a prepared document, or with one of
    another text, is parsed and validated the ordinary way (every limiter still applies)."""

    def __init__(self) -> None:
        self.reused = False

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        prepared = getattr(ec.context, "document", None) if ec.context is not None else None
        if isinstance(prepared, Prepared) and ec.graphql_document is None and prepared.text == ec.query:
            ec.graphql_document = prepared.document
            self.reused = True
            EXECUTOR_DOCUMENTS["reused"] += 1
        else:
            EXECUTOR_DOCUMENTS["parsed"] += 1
        yield

    def on_validate(self) -> Iterator[None]:
        if self.reused:
            self.execution_context.pre_execution_errors = []  # validated when prepared: strawberry skips it
        yield


def coerce_errors(schema: Any, operation: OperationDefinitionNode, inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        value = inputs.get(name, Undefined)

        def report(message: str, path: list[Any], name: str = name, definition: Any = definition) -> None:
            where = name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            at = definition.loc.source.get_location(definition.loc.start) if definition.loc else None
            errors.append({"message": f"Variable '${name}' has an invalid value at '{where}': {message}",
                           "locations": [{"line": at.line, "column": at.column}] if at is not None else [],
                           "extensions": {"code": "BAD_USER_INPUT", "variable": name, "path": [name, *path]}})

        if value is Undefined:
            if definition.default_value is None and is_non_null_type(var_type):
                report(f"a value of type '{print_ast(definition.type)}' is required", [])
            continue
        try:
            coerced = coerce_input_value(value, var_type)
        except RecursionError:
            report("the value is nested too deeply", [])
            continue
        except Exception:  # a scalar that refuses its input by raising
            coerced = Undefined
        if coerced is not Undefined:
            continue
        before = len(errors)
        try:
            validate_input_value(value, var_type, lambda error, path: report(error.message, list(path)))
        except Exception:
            pass
        if len(errors) == before:
            report(f"not a valid '{print_ast(definition.type)}'", [])
    return errors
