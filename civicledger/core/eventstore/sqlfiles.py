"""The recorder's SQL, shipped as `.sql` files in `core/eventstore/sql/`: templates for `psycopg.sql.SQL.format`
(a name in braces is filled in, doubled braces are literal braces; a line `-- @include FILE` is replaced by
that file)."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

from psycopg.sql import SQL, Composed

_INCLUDE = re.compile(r"^-- @include (\S+)$", re.M)


@cache
def text(name: str) -> str:
    body = (files("civicledger.core.eventstore") / "sql" / name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: text(m.group(1)), body)


def statement(name: str, **fmt: Any) -> Composed:
    return SQL(text(name)).format(**fmt)  # type: ignore[arg-type]
