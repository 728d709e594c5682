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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    OperationType,
    located_error,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.extensions.field_extension import build_field_extension_resolvers
from strawberry.permission import PermissionExtension
from strawberry.types import ExecutionResult
from strawberry.types.field import StrawberryField

from civicledger.graphql.documents import Prepared, PreparedDocument
from civicledger.graphql.input_guard import InputGuard, check_inputs
from civicledger.graphql.plan_values import (
    Convert,
    Errors,
    NotPlanned,
    Running,
    Step,
    collect,
    completer,
    converter,
    no_directives,
)

BACKREF = "strawberry-definition"
# Schema extensions whose hooks do nothing at execution that the plan does not do itself: the limits are
# validation rules and parse options (applied when the document was prepared), `PreparedDocument` hands the
# executor that document, `InputGuard` is run by the plan. Any other extension sends mutations to the executor.
KNOWN_EXTENSIONS = (InputGuard, AddValidationRules, MaxTokensLimiter, PreparedDocument)


@dataclass
class _RootStep:
    step: Step
    field: StrawberryField
    arguments: list[tuple[str, str, Convert]]  # graphql name, python name, converter
    chain: list[Any]  # the field extensions' async resolvers, in strawberry's order


@dataclass
class MutationPlan:
    root_type: GraphQLObjectType
    roots: list[_RootStep | Step]
    fragments: dict[str, FragmentDefinitionNode]


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
        no_directives(operation)
        collected: OrderedDict[str, list[FieldNode]] = OrderedDict()
        collect(root_type, operation.selection_set, fragments, collected)
        roots: list[_RootStep | Step] = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append(Step(key, name, nodes, None, None))
                continue
            field_def = root_type.fields.get(name)
            field = field_def.extensions.get(BACKREF) if field_def is not None else None
            if field_def is None or not isinstance(field, StrawberryField) or field.base_resolver is None:
                return None
            if not all(type(e) is PermissionExtension for e in field.extensions):
                return None
            arguments = [(config.name_converter.from_argument(a), a.python_name,
                          converter(a.type, registry, config)) for a in field.arguments]
            step = Step(key, name, nodes, field_def, completer(field_def.type, nodes, fragments))
            roots.append(_RootStep(step, field, arguments, build_field_extension_resolvers(field)))
    except NotPlanned:
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
    errors = Errors()
    data: dict[str, Any] | None = {}
    root_type = plan.root_type
    for item in plan.roots:
        assert data is not None
        if isinstance(item, Step):  # __typename
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
            data[step.key] = step.complete(value, Running(step, root_type.name, errors), path)
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
