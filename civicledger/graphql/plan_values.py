"""How a planned operation's values cross the executor's boundary, decided once per document: arguments in (what
strawberry's `convert_argument` does, with every annotation resolved when planned) and results out (what
graphql-core's `complete_value` does: leaf coercion, lists, objects of fields without resolvers, `__typename`,
the same error messages, located errors and null propagation). Used by `mutation_plan.py`; anything these do not
cover raises `NotPlanned` while planning, and the executor answers instead."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    is_leaf_type,
    located_error,
)
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.pyutils import inspect as graphql_inspect
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import _is_leaf_type, _is_optional_leaf_type, convert_argument
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.types.unset import UNSET

Convert = Callable[[Any, Any, tuple[Any, ...]], Any]  # (value, info, path) -> Python value
Complete = Callable[[Any, "Running", Path], Any]  # (value, the field running, its path) -> completed value


class NotPlanned(Exception):
    """The document needs something the plan does not do: the executor answers it."""


# -- arguments ------------------------------------------------------------------------------------------------


def converter(type_: Any, registry: Any, config: Any) -> Convert:
    """What strawberry's `convert_argument` does for values of `type_`, decided once: the type's annotation is
    resolved here, not on every request. Cases not specialised here call `convert_argument` itself."""

    def generic(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
        return convert_argument(value, type_, registry, config, info, path=path)

    if isinstance(type_, StrawberryMaybe):
        return generic
    if isinstance(type_, StrawberryOptional):
        return converter(type_.of_type, registry, config)
    if isinstance(type_, StrawberryList):
        if (_is_leaf_type(type_.of_type, registry, skip_classes=(GlobalID,))
                or _is_optional_leaf_type(type_.of_type, registry, skip_classes=(GlobalID,))):
            def copy(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
                return value if value is None or value is UNSET else list(value)
            return copy
        item = converter(type_.of_type, registry, config)

        def items(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
            if value is None or value is UNSET:
                return value
            return [item(x, info, (*path, index)) for index, x in enumerate(value)]
        return items
    if (type_ is not GlobalID and _is_leaf_type(type_, registry)) or has_enum_definition(type_):
        return same_value  # (None and UNSET stay as they are, like every other value of these types)
    if has_object_definition(type_):
        definition = type_.__strawberry_definition__
        if not definition.is_input or definition.from_input is not None:
            return generic
        defaults = {f.python_name: None for f in definition.fields
                    if f.default_value is MISSING and f.default_factory is MISSING}
        fields = [(config.name_converter.from_field(f), f.python_name,
                   converter(f.resolve_type(type_definition=definition), registry, config))
                  for f in definition.fields]
        cls = type_

        def build(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
            if value is None or value is UNSET:
                return value
            kwargs = dict(defaults)
            for graphql_name, python_name, convert in fields:
                if graphql_name in value:
                    kwargs[python_name] = convert(value[graphql_name], info, (*path, graphql_name))
            return cls(**kwargs)
        return build
    return generic


def same_value(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
    return value


# -- results --------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One field of a selection: how its value is got and completed."""

    key: str  # the response key (alias or name)
    name: str
    nodes: list[FieldNode]
    field_def: GraphQLField | None  # None for __typename
    complete: Complete | None


def no_directives(node: Any) -> None:
    if getattr(node, "directives", None):
        raise NotPlanned("a directive")


def collect(gtype: GraphQLObjectType, selection_set: SelectionSetNode,
             fragments: dict[str, FragmentDefinitionNode], out: OrderedDict[str, list[FieldNode]],
             seen: frozenset[str] = frozenset()) -> None:
    """graphql-core's field collection for one object type, where no directive applies."""
    for selection in selection_set.selections:
        no_directives(selection)
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            out.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if selection.type_condition is not None and selection.type_condition.name.value != gtype.name:
                raise NotPlanned("a fragment on another type")
            collect(gtype, selection.selection_set, fragments, out, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen or fragment.type_condition.name.value != gtype.name:
                raise NotPlanned("a fragment on another type")
            no_directives(fragment)
            collect(gtype, fragment.selection_set, fragments, out, seen | {name})
        else:  # pragma: no cover - no other selection kinds exist
            raise NotPlanned("an unknown selection")


def subfields(gtype: GraphQLObjectType, nodes: list[FieldNode],
               fragments: dict[str, FragmentDefinitionNode]) -> list[Step]:
    collected: OrderedDict[str, list[FieldNode]] = OrderedDict()
    for node in nodes:
        if node.selection_set is not None:
            collect(gtype, node.selection_set, fragments, collected)
    steps = []
    for key, field_nodes in collected.items():
        name = field_nodes[0].name.value
        if name == "__typename":
            steps.append(Step(key, name, field_nodes, None, None))
            continue
        field_def = gtype.fields.get(name)
        if field_def is None or not getattr(field_def.resolve, "_is_default", False):
            raise NotPlanned("a field with a resolver")  # reads (a payload's object) go to the executor
        steps.append(Step(key, name, field_nodes, field_def, completer(field_def.type, field_nodes, fragments)))
    return steps


def completer(gtype: Any, nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]) -> Complete:
    """graphql-core's `complete_value` for values of `gtype`, its sub-selections planned."""
    if isinstance(gtype, GraphQLNonNull):
        inner = completer(gtype.of_type, nodes, fragments)

        def non_null(value: Any, step: Running, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            completed = inner(value, step, path)
            if completed is None:
                raise TypeError(f"Cannot return null for non-nullable field {step.parent}.{step.name}.")
            return completed
        return non_null
    if isinstance(gtype, GraphQLList):
        item_type = gtype.of_type
        item = completer(item_type, nodes, fragments)
        item_non_null = isinstance(item_type, GraphQLNonNull)

        def list_value(value: Any, step: Running, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None:
                return None
            if not is_iterable(value):  # (an async iterable: a payload's lists are data, never streams)
                raise GraphQLError("Expected Iterable, but did not find one for field"
                                   f" '{step.parent}.{step.name}'.")
            out = []
            for index, x in enumerate(value):
                item_path = path.add_key(index, None)
                try:
                    out.append(item(x, step, item_path))
                except Exception as raw:
                    error = located_error(raw, step.nodes, item_path.as_list())
                    if item_non_null:
                        raise error from None
                    step.errors.add(error, item_path)
                    out.append(None)
            return out
        return list_value
    if is_leaf_type(gtype):
        def leaf(value: Any, step: Running, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None:
                return None
            coerced = gtype.coerce_output_value(value)
            if coerced is None or coerced is Undefined:
                raise TypeError(f"Expected `{graphql_inspect(gtype)}.coerce_output_value({graphql_inspect(value)})`"
                                f" to return non-nullable value, returned: {graphql_inspect(coerced)}")
            return coerced
        return leaf
    if isinstance(gtype, GraphQLObjectType):
        if gtype.is_type_of is not None and "_get_is_type_of" not in getattr(gtype.is_type_of, "__qualname__", ""):
            raise NotPlanned("an is_type_of of its own")
        steps = subfields(gtype, nodes, fragments)
        is_type_of = gtype.is_type_of

        def object_value(value: Any, step: Running, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None:
                return None
            if is_type_of is not None and not is_type_of(value, None):
                raise GraphQLError(f"Expected value of type '{gtype}' but got: {graphql_inspect(value)}.",
                                   step.nodes)
            return execute_fields(gtype, value, steps, path, step.errors)
        return object_value
    raise NotPlanned("an abstract type")


class Errors:
    """graphql-core's `CollectedErrors`: an error below a position already nulled is not added."""

    def __init__(self) -> None:
        self.errors: list[GraphQLError] = []
        self._positions: set[Path | None] = set()

    def add(self, error: GraphQLError, path: Path | None) -> None:
        position = path
        while position is not None:
            if position in self._positions:
                return
            position = position.prev
        if None in self._positions:
            return
        self._positions.add(path)
        self.errors.append(error)


class Running:
    """A step as it runs: where it is and where its errors go (the completers' `step` argument)."""

    __slots__ = ("errors", "name", "nodes", "parent")

    def __init__(self, step: Step, parent: str, errors: Errors) -> None:
        self.name, self.nodes, self.parent, self.errors = step.name, step.nodes, parent, errors


def execute_fields(gtype: GraphQLObjectType, source: Any, steps: list[Step], path: Path | None,
                    errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in steps:
        field_path = Path(path, step.key, gtype.name)
        if step.field_def is None:
            out[step.key] = gtype.name
            continue
        running = Running(step, gtype.name, errors)
        try:
            value = step.field_def.resolve(source, None)  # a field without a resolver: the attribute
            out[step.key] = step.complete(value, running, field_path)  # type: ignore[misc]
        except Exception as raw:
            error = located_error(raw, step.nodes, field_path.as_list())
            if isinstance(step.field_def.type, GraphQLNonNull):
                raise error from None
            errors.add(error, field_path)
            out[step.key] = None
    return out
