"""Mutations planned once per document, like queries (issue 12): the executor's steps for a mutation, decided
once per prepared document instead of on every request.

A command over HTTP spent about a third of its server time in strawberry's execution of the mutation document
(the extension runner, a second coercion of the variables, argument conversion that resolves every input
field's annotation again, the per-field executor). A mutation operation whose root fields are strawberry
resolvers guarded only by permission classes, and whose selections under them are plain data (fields without a
resolver, `__typename`, fragments on the same type, no directives), is planned here once per document hash and
operation: which root fields, their argument converters (built from the same strawberry type definitions,
doing what `convert_argument` does), the permission extensions to run, and how each selected value is
completed. Executing the plan runs the same steps in the same order as strawberry and graphql-core do —
`InputGuard`'s check, graphql-core's argument coercion, conversion, the field's extensions (permissions), the
resolver itself, completion with graphql-core's messages, located errors and null propagation, root fields one
after another — so the response and its errors are the executor's, byte for byte. Anything else (a payload
field with a resolver, an abstract type, a directive, an exception handler, another schema extension) is not
planned: the executor answers it, as before. Every program's mutations take this path; nothing here knows a
program, a field or a command."""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass
from functools import partial, reduce
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
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.pyutils import inspect as graphql_inspect
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.extensions.field_extension import build_field_extension_resolvers
from strawberry.permission import PermissionExtension
from strawberry.relay.types import GlobalID
from strawberry.types import ExecutionResult
from strawberry.types.arguments import _is_leaf_type, _is_optional_leaf_type, convert_argument
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional, has_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from civicledger.graphql.documents import Prepared, PreparedDocument
from civicledger.graphql.input_guard import InputGuard, check_inputs

BACKREF = "strawberry-definition"
# Schema extensions whose hooks do nothing at execution that the plan does not do itself: the limits are
# validation rules and parse options (applied when the document was prepared), `PreparedDocument` hands the
# executor that document, `InputGuard` is run by the plan. Any other extension sends mutations to the executor.
KNOWN_EXTENSIONS = (InputGuard, AddValidationRules, MaxTokensLimiter, PreparedDocument)

Convert = Callable[[Any, Any, tuple[Any, ...]], Any]  # (value, info, path) -> Python value
Complete = Callable[[Any, "_Field", Path], Any]  # (value, the field running, its path) -> completed value


class _NotPlanned(Exception):
    """The document needs something the plan does not do: the executor answers it."""


# -- arguments ------------------------------------------------------------------------------------------------


def _converter(type_: Any, registry: Any, config: Any) -> Convert:
    """What strawberry's `convert_argument` does for values of `type_`, decided once: the type's annotation is
    resolved here, not on every request. Cases not specialised here call `convert_argument` itself."""

    def generic(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
        return convert_argument(value, type_, registry, config, info, path=path)

    if isinstance(type_, StrawberryMaybe):
        return generic
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, registry, config)
    if isinstance(type_, StrawberryList):
        if (_is_leaf_type(type_.of_type, registry, skip_classes=(GlobalID,))
                or _is_optional_leaf_type(type_.of_type, registry, skip_classes=(GlobalID,))):
            def copy(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
                return value if value is None or value is UNSET else list(value)
            return copy
        item = _converter(type_.of_type, registry, config)

        def items(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
            if value is None or value is UNSET:
                return value
            return [item(x, info, (*path, index)) for index, x in enumerate(value)]
        return items
    if (type_ is not GlobalID and _is_leaf_type(type_, registry)) or has_enum_definition(type_):
        return _same  # (None and UNSET stay as they are, like every other value of these types)
    if has_object_definition(type_):
        definition = type_.__strawberry_definition__
        if not definition.is_input or definition.from_input is not None:
            return generic
        defaults = {f.python_name: None for f in definition.fields
                    if f.default_value is MISSING and f.default_factory is MISSING}
        fields = [(config.name_converter.from_field(f), f.python_name,
                   _converter(f.resolve_type(type_definition=definition), registry, config))
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


def _same(value: Any, info: Any, path: tuple[Any, ...]) -> Any:
    return value


# -- the plan -----------------------------------------------------------------------------------------------


@dataclass
class _Step:
    """One field of a selection: how its value is got and completed."""

    key: str  # the response key (alias or name)
    name: str
    nodes: list[FieldNode]
    field_def: GraphQLField | None  # None for __typename
    complete: Complete | None


@dataclass
class _RootStep:
    step: _Step
    field: StrawberryField
    arguments: list[tuple[str, str, Convert]]  # graphql name, python name, converter
    chain: list[Any]  # the field extensions' async resolvers, in strawberry's order


@dataclass
class MutationPlan:
    root_type: GraphQLObjectType
    roots: list[_RootStep | _Step]
    fragments: dict[str, FragmentDefinitionNode]


def _no_directives(node: Any) -> None:
    if getattr(node, "directives", None):
        raise _NotPlanned("a directive")


def _collect(gtype: GraphQLObjectType, selection_set: SelectionSetNode,
             fragments: dict[str, FragmentDefinitionNode], out: OrderedDict[str, list[FieldNode]],
             seen: frozenset[str] = frozenset()) -> None:
    """graphql-core's field collection for one object type, where no directive applies."""
    for selection in selection_set.selections:
        _no_directives(selection)
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            out.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if selection.type_condition is not None and selection.type_condition.name.value != gtype.name:
                raise _NotPlanned("a fragment on another type")
            _collect(gtype, selection.selection_set, fragments, out, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen or fragment.type_condition.name.value != gtype.name:
                raise _NotPlanned("a fragment on another type")
            _no_directives(fragment)
            _collect(gtype, fragment.selection_set, fragments, out, seen | {name})
        else:  # pragma: no cover - no other selection kinds exist
            raise _NotPlanned("an unknown selection")


def _subfields(gtype: GraphQLObjectType, nodes: list[FieldNode],
               fragments: dict[str, FragmentDefinitionNode]) -> list[_Step]:
    collected: OrderedDict[str, list[FieldNode]] = OrderedDict()
    for node in nodes:
        if node.selection_set is not None:
            _collect(gtype, node.selection_set, fragments, collected)
    steps = []
    for key, field_nodes in collected.items():
        name = field_nodes[0].name.value
        if name == "__typename":
            steps.append(_Step(key, name, field_nodes, None, None))
            continue
        field_def = gtype.fields.get(name)
        if field_def is None or not getattr(field_def.resolve, "_is_default", False):
            raise _NotPlanned("a field with a resolver")  # reads (a payload's object) go to the executor
        steps.append(_Step(key, name, field_nodes, field_def, _completer(field_def.type, field_nodes, fragments)))
    return steps


def _completer(gtype: Any, nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]) -> Complete:
    """graphql-core's `complete_value` for values of `gtype`, its sub-selections planned."""
    if isinstance(gtype, GraphQLNonNull):
        inner = _completer(gtype.of_type, nodes, fragments)

        def non_null(value: Any, step: _Field, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            completed = inner(value, step, path)
            if completed is None:
                raise TypeError(f"Cannot return null for non-nullable field {step.parent}.{step.name}.")
            return completed
        return non_null
    if isinstance(gtype, GraphQLList):
        item_type = gtype.of_type
        item = _completer(item_type, nodes, fragments)
        item_non_null = isinstance(item_type, GraphQLNonNull)

        def list_value(value: Any, step: _Field, path: Path) -> Any:
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
        def leaf(value: Any, step: _Field, path: Path) -> Any:
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
            raise _NotPlanned("an is_type_of of its own")
        steps = _subfields(gtype, nodes, fragments)
        is_type_of = gtype.is_type_of

        def object_value(value: Any, step: _Field, path: Path) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None:
                return None
            if is_type_of is not None and not is_type_of(value, None):
                raise GraphQLError(f"Expected value of type '{gtype}' but got: {graphql_inspect(value)}.",
                                   step.nodes)
            return _execute_fields(gtype, value, steps, path, step.errors)
        return object_value
    raise _NotPlanned("an abstract type")


class _Errors:
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


class _Field:
    """A step as it runs: where it is and where its errors go (the completers' `step` argument)."""

    __slots__ = ("errors", "name", "nodes", "parent")

    def __init__(self, step: _Step, parent: str, errors: _Errors) -> None:
        self.name, self.nodes, self.parent, self.errors = step.name, step.nodes, parent, errors


def _execute_fields(gtype: GraphQLObjectType, source: Any, steps: list[_Step], path: Path | None,
                    errors: _Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in steps:
        field_path = Path(path, step.key, gtype.name)
        if step.field_def is None:
            out[step.key] = gtype.name
            continue
        running = _Field(step, gtype.name, errors)
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


def plan_mutation(schema: Any, prepared: Prepared) -> MutationPlan | None:
    """The plan of this prepared mutation, or None when the executor must run it."""
    operation = prepared.operation
    gschema = schema._schema
    if operation.operation is not OperationType.MUTATION or gschema.mutation_type is None:
        return None
    if schema.schema_converter._exception_handler_specs:
        return None
    if not all(isinstance(e, KNOWN_EXTENSIONS) for e in schema.get_extensions()):
        return None
    fragments = {d.name.value: d for d in prepared.document.definitions if isinstance(d, FragmentDefinitionNode)}
    root_type: GraphQLObjectType = gschema.mutation_type
    registry, config = schema.schema_converter.scalar_registry, schema.config
    try:
        _no_directives(operation)
        collected: OrderedDict[str, list[FieldNode]] = OrderedDict()
        _collect(root_type, operation.selection_set, fragments, collected)
        roots: list[_RootStep | _Step] = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append(_Step(key, name, nodes, None, None))
                continue
            field_def = root_type.fields.get(name)
            field = field_def.extensions.get(BACKREF) if field_def is not None else None
            if field_def is None or not isinstance(field, StrawberryField) or field.base_resolver is None:
                return None
            if not all(type(e) is PermissionExtension for e in field.extensions):
                return None
            arguments = [(config.name_converter.from_argument(a), a.python_name,
                          _converter(a.type, registry, config)) for a in field.arguments]
            step = _Step(key, name, nodes, field_def, _completer(field_def.type, nodes, fragments))
            roots.append(_RootStep(step, field, arguments, build_field_extension_resolvers(field)))
    except _NotPlanned:
        return None
    return MutationPlan(root_type, roots, fragments)


# -- running a plan ----------------------------------------------------------------------------------------


async def _resolve(root: _RootStep, info: Any, args: dict[str, Any]) -> Any:
    """strawberry's resolver of a field with extensions (`from_resolver`: `extension_resolver`, `get_arguments`,
    `_get_result`), with the converters planned above."""
    field = root.field
    kwargs: dict[str, Any] = {}
    for graphql_name, python_name, convert in root.arguments:
        if graphql_name in args:
            kwargs[python_name] = convert(args[graphql_name], info, (graphql_name,))
    for extension in field.extensions:
        kwargs = extension.map_arguments(kwargs)
    field_args: list[Any] = []
    resolver = field.base_resolver
    assert resolver is not None
    if resolver.self_parameter:
        field_args.append(None)
    if (parent := resolver.parent_parameter):
        kwargs[parent.name] = None
    if (root_parameter := resolver.root_parameter):
        kwargs[root_parameter.name] = None
    if (info_parameter := resolver.info_parameter):
        kwargs[info_parameter.name] = info
    requested_info = "info" in kwargs
    if requested_info:
        kwargs.pop("info")

    def get_result(_source: Any, info: Any, **kw: Any) -> Any:
        if requested_info:
            kw["info"] = info
        return field.get_result(_source, info=info, args=field_args, kwargs=kw)

    result = reduce(lambda chained, next_fn: partial(next_fn, chained), root.chain, get_result)(None, info, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


async def execute_plan(schema: Any, plan: MutationPlan, prepared: Prepared, context: Any,
                       variables: dict[str, Any] | None) -> ExecutionResult:
    """The plan run as strawberry's `Schema.execute` runs the operation (see the module docstring)."""
    try:
        check_inputs(variables, prepared.document)  # InputGuard.on_execute
    except Exception as exc:
        return ExecutionResult(data=None, errors=[GraphQLError(str(exc), original_error=exc)])
    gschema = schema._schema
    info_class = schema.config.info_class
    coerced = context.variables
    errors = _Errors()
    data: dict[str, Any] | None = {}
    root_type = plan.root_type
    for item in plan.roots:
        assert data is not None
        if isinstance(item, _Step):  # __typename
            data[item.key] = root_type.name
            continue
        step = item.step
        path = Path(None, step.key, root_type.name)
        field_def = step.field_def
        assert field_def is not None and step.complete is not None
        raw_info = GraphQLResolveInfo(step.nodes[0].name.value, step.nodes, field_def.type, root_type, path,
                                      gschema, plan.fragments, None, prepared.operation, coerced, context,
                                      inspect.isawaitable, None, None)
        try:
            args = (get_argument_values(field_def, step.nodes[0], coerced)
                    if field_def.args or step.nodes[0].arguments else {})
            value = await _resolve(item, info_class(_raw_info=raw_info, _field=item.field), args)
            data[step.key] = step.complete(value, _Field(step, root_type.name, errors), path)
        except Exception as raw:
            error = located_error(raw, step.nodes, path.as_list())
            if isinstance(field_def.type, GraphQLNonNull):
                errors.add(error, None)  # the whole response is null; later mutations are not run
                data = None
                break
            errors.add(error, path)
            data[step.key] = None
    return ExecutionResult(data=data, errors=errors.errors or None)


class MutationPlans:
    """Plans by prepared document key (bounded LRU); `stats`: requests answered by a plan / by the executor;
    `enabled` False sends every mutation to the executor (tests compare the two)."""

    def __init__(self, schema: Any, capacity: int = 1000) -> None:
        self.schema = schema
        self.capacity = capacity
        self.enabled = True
        self._plans: OrderedDict[tuple[str, str | None], MutationPlan | None] = OrderedDict()
        self.stats = {"planned": 0, "executor": 0}

    def plan(self, prepared: Prepared) -> MutationPlan | None:
        key = prepared.key
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        plan = plan_mutation(self.schema, prepared)
        self._plans[key] = plan
        if len(self._plans) > self.capacity:
            self._plans.popitem(last=False)
        return plan

    async def execute(self, prepared: Prepared, context: Any, variables: dict[str, Any] | None
                      ) -> ExecutionResult | None:
        """The planned answer of a mutation, or None (the executor answers; nothing has run)."""
        plan = self.plan(prepared) if self.enabled else None
        if plan is None:
            self.stats["executor"] += 1
            return None
        self.stats["planned"] += 1
        return await execute_plan(self.schema, plan, prepared, context, variables)


__all__: Sequence[str] = ("MutationPlan", "MutationPlans", "execute_plan", "plan_mutation")
