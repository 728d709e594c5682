"""Where the database is: `DATABASE_URL` when set, otherwise an embedded PostgreSQL from `pgserver` in the
data directory — one code path, real PostgreSQL everywhere (DESIGN §5)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import psycopg

log = logging.getLogger(__name__)

EMBEDDED_DBNAME = "civicledger"


# libpq options both drivers understand and that this module carries from a URL to either driver.
TARGET_SESSION_ATTRS = ("any", "read-write", "read-only", "primary", "standby", "prefer-standby")
DEFAULT_CONNECT_TIMEOUT_S = 10
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3}


@dataclass(frozen=True)
class ConnectionParams:
    """Both drivers (psycopg for the write side, asyncpg for reads) connect with these.

    A URL may list several hosts, as libpq does: `postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=
    read-write&connect_timeout=5`. Both drivers then try the hosts in order and keep the first that accepts
    the session attributes (after a failover: the new primary). `host`/`port` are the first host's."""

    dbname: str
    host: str
    port: int
    user: str
    password: str
    extra_hosts: tuple[tuple[str, int], ...] = ()
    target_session_attrs: str | None = None
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT_S

    @classmethod
    def from_url(cls, url: str) -> ConnectionParams:
        parsed = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        userinfo, _, hostlist = parsed.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        hosts = [_host_port(item) for item in hostlist.split(",") if item] if hostlist else []
        if not hosts:
            qhosts = (query.get("host") or "127.0.0.1").split(",")
            qports = (query.get("port") or "5432").split(",")
            hosts = [(h, int(qports[i] if i < len(qports) else qports[-1])) for i, h in enumerate(qhosts)]
        attrs = query.get("target_session_attrs")
        if attrs is not None and attrs not in TARGET_SESSION_ATTRS:
            raise ValueError(f"target_session_attrs must be one of {', '.join(TARGET_SESSION_ATTRS)}")
        (host, port), *extra = hosts
        return cls(
            dbname=unquote(parsed.path.lstrip("/")) or "postgres",
            host=host,
            port=port,
            user=unquote(user) or "postgres",
            password=unquote(password),
            extra_hosts=tuple(extra),
            target_session_attrs=attrs,
            connect_timeout=int(float(query.get("connect_timeout") or DEFAULT_CONNECT_TIMEOUT_S)),
        )

    @property
    def hosts(self) -> tuple[tuple[str, int], ...]:
        return ((self.host, self.port), *self.extra_hosts)

    def with_dbname(self, dbname: str) -> ConnectionParams:
        return dataclasses.replace(self, dbname=dbname)

    @property
    def url(self) -> str:
        """The libpq URL (every host, target_session_attrs; no connect_timeout, which asyncpg would take for
        a server setting: it gets `connect_kwargs()` instead)."""
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        options = {"target_session_attrs": self.target_session_attrs} if self.target_session_attrs else {}
        if any(h.startswith("/") for h, _ in self.hosts):
            options = {"host": ",".join(h for h, _ in self.hosts), "port": ",".join(str(p) for _, p in self.hosts),
                       **options}
            return f"postgresql://{auth}@/{quote(self.dbname)}?{urlencode(options, safe='/,')}"
        netloc = ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.hosts)
        tail = f"?{urlencode(options)}" if options else ""
        return f"postgresql://{auth}@{netloc}/{quote(self.dbname)}{tail}"

    def psycopg_kwargs(self) -> dict[str, object]:
        """For `psycopg.connect` (and the library's `PostgresDatastore`, which takes these names)."""
        return {
            "dbname": self.dbname, "host": ",".join(h for h, _ in self.hosts),
            "port": ",".join(str(p) for _, p in self.hosts) if self.extra_hosts else self.port,
            "user": self.user, "password": self.password, "connect_timeout": self.connect_timeout,
        }

    def libpq_options(self) -> dict[str, object]:
        """What a long-lived psycopg pool adds: find the primary among the hosts, and notice a server that
        vanished without closing its connections (a crashed host, a cut network) within ~20 s, not after the
        kernel's two hours."""
        options: dict[str, object] = {}
        if self.target_session_attrs:
            options["target_session_attrs"] = self.target_session_attrs
        if not any(h.startswith("/") for h, _ in self.hosts):
            options.update(KEEPALIVES)
        return options

    def asyncpg_kwargs(self) -> dict[str, object]:
        """For `asyncpg.connect`/`create_pool` beside `url`: the client-side connect timeout."""
        return {"timeout": float(self.connect_timeout)}


def _host_port(item: str) -> tuple[str, int]:
    if item.startswith("["):  # [IPv6]:port
        host, _, rest = item[1:].partition("]")
        return host, int(rest.lstrip(":") or 5432)
    host, _, port = item.partition(":")
    return unquote(host), int(port or 5432)


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
