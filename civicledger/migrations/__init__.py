"""Versioned migrations of the tables that cannot be rebuilt from the log (alembic, plain-SQL revisions in
`versions/`). Read models are not here: each projection creates its tables and declares a `schema_version`;
`read_model_versions` (revision 0002) records the version each read model was built with, and one whose declared
version changed is dropped and rebuilt from the log on start (`ProjectionRunner.create_tables`).

`upgrade(params)` brings a database to the newest revision: every process does it on start (`Ledger`), under a
transaction-level advisory lock, so that processes starting at once take turns and the later ones find nothing
to do. A database made before versioned migrations (no `alembic_version` table) is adopted by the baseline, whose
statements are all idempotent. `civicledger migrate [--status]` does the same from the command line."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config

    from civicledger.core.db import ConnectionParams

HERE = Path(__file__).parent
_IN_PROCESS = threading.Lock()
VERSION_TABLE = "alembic_version"
# One key for every process of every release that migrates: they serialise on it.
# alembic narrates every step at INFO (its plugins, its context): the callers say what was applied.
logging.getLogger("alembic").setLevel(logging.WARNING)
LOCK_KEY = int.from_bytes(hashlib.sha256(b"civicledger-migrations").digest()[:8], "big", signed=True)


def config(params: ConnectionParams | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["params"] = params
    return cfg


def engine(params: ConnectionParams) -> Any:
    """A one-connection SQLAlchemy engine on psycopg, connected with the same arguments as the ledger (every
    host of a multi-host URL, find the primary)."""
    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    kwargs = {**params.psycopg_kwargs(), **params.libpq_options()}
    return create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(**kwargs), poolclass=NullPool)


@cache
def _script() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def head() -> str:
    return str(_script().get_current_head())


def revisions() -> list[tuple[str, str]]:
    """(revision, first line of its description), oldest first."""
    return [(r.revision, (r.doc or "").splitlines()[0] if r.doc else "")
            for r in reversed(list(_script().walk_revisions()))]


def upgrade(params: ConnectionParams, target: str = "head") -> None:
    """Apply every pending revision (one transaction, under the migration lock). alembic's `context` is one
    global of the process: threads of one process take turns here (processes, under the database's lock)."""
    from alembic import command

    with _IN_PROCESS:
        command.upgrade(config(params), target)


@dataclass(frozen=True)
class Status:
    current: str | None
    head: str
    pending: tuple[str, ...]
    adopted: bool  # False: a database made before versioned migrations (or an empty one)

    def render(self) -> str:
        lines = [f"current revision: {self.current or '(none)'}", f"newest revision:  {self.head}"]
        if not self.adopted:
            lines.append("this database has no migration history yet: `civicledger migrate` adopts it (baseline 0001)")
        docs = dict(revisions())
        lines.append("pending: " + (", ".join(f"{r} ({docs.get(r, '')})" for r in self.pending) or "none"))
        return "\n".join(lines)


def status(params: ConnectionParams) -> Status:
    from alembic.runtime.migration import MigrationContext

    with engine(params).connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        adopted = conn.exec_driver_sql("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).scalar()
        current = context.get_current_revision()
    script = _script()
    pending = [r.revision for r in script.iterate_revisions("head", current or "base")]
    return Status(current=current, head=head(), pending=tuple(reversed(pending)), adopted=bool(adopted))


def run_sql_file(op: Any, name: str) -> None:
    """Run a revision's `.sql` file as it is (several statements, PL/pgSQL bodies): straight to the driver,
    inside the migration's transaction, without SQLAlchemy's parameter parsing."""
    body = (HERE / "versions" / name).read_text(encoding="utf-8")
    dbapi = op.get_bind().connection.dbapi_connection
    with dbapi.cursor() as cursor:
        cursor.execute(body, prepare=False)
