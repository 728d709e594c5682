"""Where the database is: `DATABASE_URL` when set, otherwise an embedded PostgreSQL from `pgserver` in the
data directory — one code path, real PostgreSQL everywhere (DESIGN §5)."""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import asyncpg
import eventsourcing.persistence
import psycopg

log = logging.getLogger(__name__)

# What both drivers (and the event store, wrapping psycopg) raise for a value the database cannot take: SQLSTATE
# class 22 — a NUL in a text, a number out of range, a malformed value — and the drivers' own encoding checks.
DATA_ERRORS: tuple[type[Exception], ...] = (asyncpg.DataError, psycopg.DataError, eventsourcing.persistence.DataError)

EMBEDDED_DBNAME = "civicledger"


@dataclass(frozen=True)
class ConnectionParams:
    """Both drivers (psycopg for the write side, asyncpg for reads) connect with these."""

    dbname: str
    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> ConnectionParams:
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        host = parsed.hostname or (query.get("host") or ["127.0.0.1"])[0]
        return cls(
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
            host=host,
            port=parsed.port or int((query.get("port") or ["5432"])[0]),
            user=parsed.username or "postgres",
            password=parsed.password or "",
        )

    def with_dbname(self, dbname: str) -> ConnectionParams:
        return ConnectionParams(dbname, self.host, self.port, self.user, self.password)

    @property
    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{self.dbname}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}"

    def psycopg_kwargs(self) -> dict[str, object]:
        return {"dbname": self.dbname, "host": self.host, "port": self.port, "user": self.user,
                "password": self.password}


class EmbeddedPostgres:
    """A PostgreSQL server owned by this process tree, started from the `pgserver` wheel."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pgdata"
        self._server: object | None = None

    def start(self) -> ConnectionParams:
        import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        self._server = server
        params = ConnectionParams.from_url(server.get_uri())
        ensure_database(params.with_dbname("postgres"), EMBEDDED_DBNAME)
        log.info("embedded PostgreSQL running in %s", self.pgdata)
        return params.with_dbname(EMBEDDED_DBNAME)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(Exception):
                server.cleanup()  # type: ignore[attr-defined]


def ensure_database(admin: ConnectionParams, dbname: str) -> None:
    with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{dbname}"')


def drop_database(admin: ConnectionParams, dbname: str) -> None:
    with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@contextlib.contextmanager
def resolve_database(database_url: str | None, data_dir: Path):  # type: ignore[no-untyped-def]
    """Yield connection parameters; start (and afterwards stop) the embedded server when no URL is set."""
    if database_url:
        yield ConnectionParams.from_url(database_url)
        return
    embedded = EmbeddedPostgres(data_dir)
    try:
        yield embedded.start()
    finally:
        embedded.stop()
