"""Commands and their handlers, each declared once.

A program's service handles each of its commands in one method, marked with `@handles`:

    class ResidentRegistry(CivicApplication):
        @handles
        def change_address(self, cmd: ChangeAddress, ctx: CommandContext) -> Recorded:
            resident = self._get(Resident, cmd.resident_id, expected_version=cmd.expected_version)
            may_act_in(ctx.actor, resident.district)
            resident.change_address(*address(cmd.district, cmd.street, cmd.community))
            return self._save(resident, ctx=ctx, command=cmd)

The decorator runs the body through the service's `_execute` (an idempotency key seen before returns the first
result and writes nothing; decisions use the service's clock) and records which command type the method
handles, read from the annotation of its `cmd` parameter. `CommandBus` maps every command type of every
program to its handler: the API, the process managers and the demo send a command without knowing which
service handles it — one path for every program.

A handler that manages idempotency itself (a batch that keys each case, like a month's payroll) is marked
`@handles(batch=True)`: it is dispatched the same way but not wrapped."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from civicledger.core.metadata import CommandContext

F = TypeVar("F", bound=Callable[..., Any])
HANDLES = "__civic_handles__"


def _command_type(method: Callable[..., Any]) -> type:
    hints = typing.get_type_hints(method)
    parameters = list(inspect.signature(method).parameters)
    if len(parameters) < 3 or parameters[1] not in hints:
        raise TypeError(f"{method.__qualname__}: a handler is (self, cmd: <Command>, ctx: CommandContext)")
    command_type = hints[parameters[1]]
    if not isinstance(command_type, type):
        raise TypeError(f"{method.__qualname__}: the command annotation must be a class")
    return command_type


@overload
def handles(method: F) -> F: ...


@overload
def handles(*, batch: bool = False) -> Callable[[F], F]: ...


def handles(method: Any = None, *, batch: bool = False) -> Any:
    """Mark a service method as the handler of the command type its `cmd` parameter is annotated with."""

    def mark(fn: F) -> F:
        if batch:
            wrapper: Any = fn
        else:
            @functools.wraps(fn)
            def wrapper(self: Any, cmd: Any, ctx: CommandContext) -> Any:
                return self._execute(ctx, cmd, lambda: fn(self, cmd, ctx))

        # Resolved lazily: the command classes are in the module's globals only once it has been imported.
        setattr(wrapper, HANDLES, lambda: _command_type(fn))
        return wrapper  # type: ignore[no-any-return]

    return mark(method) if method is not None else mark


class UnknownCommandError(LookupError):
    pass


class CommandBus:
    """Every program's command handlers, by command type."""

    def __init__(self, services: Iterable[object]) -> None:
        self._handlers: dict[type, Callable[[Any, CommandContext], Any]] = {}
        for service in services:
            for name, member in inspect.getmembers(type(service)):
                resolve = getattr(member, HANDLES, None)
                if resolve is None:
                    continue
                command_type = resolve()
                if command_type in self._handlers:
                    raise TypeError(f"two handlers for {command_type.__qualname__}")
                self._handlers[command_type] = getattr(service, name)

    def handler_for(self, command_type: type) -> Callable[[Any, CommandContext], Any]:
        try:
            return self._handlers[command_type]
        except KeyError:
            raise UnknownCommandError(f"no handler for {command_type.__qualname__}") from None

    def execute(self, command: object, ctx: CommandContext) -> Any:
        """Handle a command now, on this thread (the service layer is synchronous)."""
        return self.handler_for(type(command))(command, ctx)
