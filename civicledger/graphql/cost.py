"""The cost of a request, estimated before anything runs (DESIGN §3 "Every request is bounded").

A document within the depth, alias and token limits can still ask for millions of rows (30 aliases × 100
residents × their household's members × 200 timeline entries each). The estimate is the number of objects
the answer may hold: every field costs 1, times the number of times its parent is repeated; a field with a
page-size argument (`first`, `last`, `limit`) repeats what it selects that many times (the literal, the
variable's value, or the argument's default); a list field without one is assumed to hold `LIST_FANOUT`
items (a household's members, a case's verification cells); the `edges`/`nodes` of a connection are the page
its field already counted. Fragments and inline fragments are followed; `@skip`/`@include` are ignored (the
estimate is an upper bound).

A request over its principal's budget is refused before execution with `QUERY_TOO_COSTLY` (HTTP 400, or the
GraphQL-over-HTTP 200 for `application/json` clients), its extensions naming the estimate and the budget.
Budgets are per role (`CIVICLEDGER_QUERY_BUDGET`, `CIVICLEDGER_QUERY_BUDGETS=inspector=200000,...`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from civicledger.graphql.documents import Prepared
from civicledger.graphql.wire import RequestError

PAGE_ARGUMENTS = ("first", "last", "limit")
LIST_FANOUT = 10  # assumed length of a list without a page size
DEFAULT_PAGE = 20  # a page argument with neither a value nor a default
PAGE_CAP = 10_000  # a larger page is refused by its resolver anyway; keep the estimate finite
DEFAULT_BUDGET = 25_000


class CostModel:
    """Estimates a prepared operation's cost and refuses it over the role's budget."""

    def __init__(self, schema: GraphQLSchema, *, budget: int = DEFAULT_BUDGET,
                 budgets: Mapping[str, int] | None = None) -> None:
        self.schema = schema
        self.budget = budget
        self.budgets = dict(budgets or {})
        # Per prepared document: the variables its estimate reads (fixed by the document) and the estimates by
        # their values — the walk runs once per document and page size, not per request.
        self._estimates: OrderedDict[Any, tuple[tuple[str, ...], dict[tuple[Any, ...], int]]] = OrderedDict()

    def budget_for(self, role: str) -> int:
        return self.budgets.get(role, self.budget)

    def check(self, prepared: Prepared, variables: Mapping[str, Any] | None, role: str) -> int:
        cost = self.estimate(prepared, variables)
        budget = self.budget_for(role)
        if cost > budget:
            message = (f"the query may return about {cost:,} objects, over the budget of {budget:,} for the role "
                       f"{role}: ask for smaller pages or fewer nested lists")
            raise RequestError(400, message, "QUERY_TOO_COSTLY", graphql=True, errors=[
                {"message": message, "extensions": {"code": "QUERY_TOO_COSTLY", "cost": cost, "budget": budget}}])
        return cost

    def estimate(self, prepared: Prepared, variables: Mapping[str, Any] | None) -> int:
        variables = variables or {}
        known = self._estimates.get(prepared.key)
        if known is None:  # the first request of this document: walk it, and learn which variables it reads
            walk = self._walk(prepared, variables)
            known = self._estimates[prepared.key] = (tuple(sorted(walk.read)), {})
            if len(self._estimates) > 2000:
                self._estimates.popitem(last=False)
            cost: int | None = walk.cost
        else:
            cost = None
        names, by_values = known
        values = tuple((type(v), v) for v in (variables.get(name) for name in names))
        if not all(t in (type(None), int, str, float, bool) for t, _ in values):
            return cost if cost is not None else self._walk(prepared, variables).cost  # not a key: never kept
        if cost is None:
            cost = by_values.get(values)
        if cost is None:
            cost = self._walk(prepared, variables).cost
        if values not in by_values:
            by_values[values] = cost
            if len(by_values) > 64:
                by_values.pop(next(iter(by_values)))
        return cost

    def _walk(self, prepared: Prepared, variables: Mapping[str, Any]) -> _Walk:
        operation = prepared.operation
        root = {"query": self.schema.query_type, "mutation": self.schema.mutation_type,
                "subscription": self.schema.subscription_type}[prepared.operation_type]
        fragments = {d.name.value: d for d in prepared.document.definitions if isinstance(d, FragmentDefinitionNode)}
        walk = _Walk(self.schema, fragments, variables)
        walk.cost = walk.selections(root, operation.selection_set, frozenset(), in_connection=False)
        return walk


class _Walk:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any]) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.read: set[str] = set()  # the variables the estimate read
        self.cost = 0

    def selections(self, parent: Any, selection_set: SelectionSetNode | None, seen: frozenset[str], *,
                   in_connection: bool) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, seen, in_connection=in_connection)
            elif isinstance(selection, InlineFragmentNode):
                target = self.schema.get_type(selection.type_condition.name.value) \
                    if selection.type_condition else parent
                total += self.selections(target, selection.selection_set, seen, in_connection=in_connection)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # validation refuses cycles; stay finite regardless
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selections(target, fragment.selection_set, seen | {name}, in_connection=in_connection)
        return total

    def field(self, parent: Any, node: FieldNode, seen: frozenset[str], *, in_connection: bool) -> int:
        definition = _field(parent, node.name.value)
        if definition is None:  # __typename, or a field of an abstract parent: costs one, selects nothing
            return 1
        returns = get_nullable_type(definition.type)
        named = get_named_type(definition.type)
        page = self.page(definition, node)
        if page is not None:
            repeat = page
        elif is_list_type(returns):
            repeat = 1 if in_connection and node.name.value in ("edges", "nodes") else LIST_FANOUT
        else:
            repeat = 1
        is_connection = named.name.endswith("Connection")
        children = self.selections(named, node.selection_set, seen, in_connection=is_connection)
        return 1 + repeat * children

    def page(self, definition: GraphQLField, node: FieldNode) -> int | None:
        for name in PAGE_ARGUMENTS:
            if name not in definition.args:
                continue
            value: Any = None
            for argument in node.arguments or ():
                if argument.name.value != name:
                    continue
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    self.read.add(argument.value.name.value)
                    value = self.variables.get(argument.value.name.value)
            if value is None:
                default = definition.args[name].default_value
                value = default if isinstance(default, int) else DEFAULT_PAGE
            if isinstance(value, bool) or not isinstance(value, int):
                value = DEFAULT_PAGE
            return max(0, min(value, PAGE_CAP))
        return None


def _field(parent: Any, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType) or hasattr(parent, "fields"):
        try:
            return parent.fields.get(name)
        except AttributeError:
            return None
    return None
