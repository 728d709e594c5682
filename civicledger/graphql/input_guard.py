"""Every string and instant a request sends is checked once, before anything runs, over HTTP and WebSocket
alike (DESIGN §3, Every request is bounded).

- No string may hold a NUL (PostgreSQL cannot store one: a NUL in a filter or a reason used to be an
  `INTERNAL_SERVER_ERROR`, a NUL in a community stopped a projection) or a lone surrogate (UTF-8 cannot encode
  one; the WebSocket transport's JSON parser lets them through), and none may be longer than `STRING_MAX`,
  which is above every field's own limit (`core/text.py`) — a 10 MB filter is refused before it reaches the
  database. The fields' own rules then say more precisely what is wrong with a value.
- A `DateTime` must lie within `INSTANTS` and a `Date` within `DATES` (`BoundedDateTime`, `BoundedDate`): year
  1 or 9999 with a far time zone cannot even be turned into UTC, let alone be sent to PostgreSQL, and no
  business date of this bureau (a birth, a standard's effective month, a payroll month) lies outside them.

Refusals are `INVALID_INPUT` naming the variable or argument (`field`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import dateutil.parser
from graphql import ArgumentNode, DocumentNode, ObjectFieldNode, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from civicledger.core.errors import InvalidInputError

STRING_MAX = 10_000
INSTANTS = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
DATES = (date(1900, 1, 1), date(2200, 1, 1))

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _check(field: str, value: str) -> None:
    if len(value) > STRING_MAX:
        raise InvalidInputError(f"{field}: longer than {STRING_MAX} characters", field=field, maxLength=STRING_MAX)
    if _UNSTORABLE.search(value):
        raise InvalidInputError(f"{field}: contains a NUL character or a lone surrogate", field=field)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.append(node.name.value)

    def leave_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.pop()

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found.append((".".join(self.names) or "query", node.value))


def check_inputs(variables: Mapping[str, Any] | None, document: DocumentNode | None = None) -> None:
    """Refuse (`InvalidInputError`) a request whose variables or literal strings break the rules above."""
    found = list(_strings(dict(variables), "$")) if variables else []
    source = document.loc.source.body if document is not None and document.loc is not None else None
    if document is not None and (source is None or '"' in source):  # most documents have no string literal
        literals = _Literals()
        visit(document, literals)
        found += literals.found
    for path, value in found:
        _check(path.removeprefix("$."), value)


def inputs_are_clean(variables: Mapping[str, Any] | None, document: DocumentNode | None = None) -> bool:
    try:
        check_inputs(variables, document)
    except InvalidInputError:
        return False
    return True


class InputGuard(SchemaExtension):
    """`check_inputs` before every operation is executed (queries, mutations, subscriptions; any transport)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        check_inputs(context.variables, context.graphql_document)
        yield


def _parse_instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise InvalidInputError("a DateTime is an ISO 8601 string", field="DateTime")
    try:
        instant = dateutil.parser.isoparse(value)  # ASCII only: it refuses every other script's digits
    except (ValueError, OverflowError):
        raise InvalidInputError(f"not an ISO 8601 instant: {value[:40]!r}", field="DateTime") from None
    low, high = INSTANTS
    probe = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    if not low <= probe < high:
        raise InvalidInputError(f"instants lie between {low:%Y} and {high:%Y}", field="DateTime",
                                minimum=low.isoformat(), maximum=high.isoformat())
    return instant


# The schema's DateTime, bounded; same name and description, so the published schema does not change.
BoundedDateTime = ScalarDefinition(
    name=DateTimeDefinition.name, description=DateTimeDefinition.description, specified_by_url=None,
    serialize=DateTimeDefinition.serialize, parse_value=_parse_instant, parse_literal=None, origin=datetime,
)


def _parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise InvalidInputError("a Date is an ISO 8601 string", field="Date")
    try:
        day = date.fromisoformat(value)  # ASCII only: it refuses every other script's digits
    except ValueError:
        raise InvalidInputError(f"not an ISO 8601 date: {value[:40]!r}", field="Date") from None
    low, high = DATES
    if not low <= day < high:
        raise InvalidInputError(f"dates lie between {low:%Y} and {high:%Y}", field="Date",
                                minimum=low.isoformat(), maximum=high.isoformat())
    return day


BoundedDate = ScalarDefinition(
    name=DateDefinition.name, description=DateDefinition.description, specified_by_url=None,
    serialize=DateDefinition.serialize, parse_value=_parse_date, parse_literal=None, origin=date,
)
