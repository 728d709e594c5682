"""Throwaway PostgreSQL clusters and API processes for reliability tests (and anyone else who needs to stop,
crash or starve a database, or kill a server, without touching the shared server on 5432).

    with throwaway_cluster() as cluster:                  # initdb + pg_ctl on a free port of PORTS
        with api_server(cluster.url("app")) as server:    # `civicledger serve` as a subprocess
            cluster.stop("immediate"); cluster.start()
            server.kill9(); server.start()

Everything is removed on exit, also when the test fails: the server's whole process group is killed, the
cluster stopped (immediately) and its directory deleted. Ports come from `CIVICLEDGER_TEST_CLUSTER_PORTS`
(e.g. `5550-5569`, the default); API ports from `CIVICLEDGER_TEST_API_PORTS` (default `18100-18139`). Run as
root, PostgreSQL's binaries are run as the `postgres` user (initdb refuses root)."""

from __future__ import annotations

import base64
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import psycopg

from civicledger.core.db import ConnectionParams

MASTER_KEY = bytes(range(32))
JWT_SECRET = "test-secret-not-for-production-0123456789"  # the same as tests/conftest.py


def _port_range(variable: str, default: str) -> range:
    first, _, last = os.environ.get(variable, default).partition("-")
    return range(int(first), int(last or first) + 1)


CLUSTER_PORTS = _port_range("CIVICLEDGER_TEST_CLUSTER_PORTS", "5550-5569")
API_PORTS = _port_range("CIVICLEDGER_TEST_API_PORTS", "18100-18139")


def free_port(ports: Sequence[int]) -> int:
    """The first port of `ports` nobody listens on (PostgreSQL's unix-socket lock files count too)."""
    for port in ports:
        if Path(f"/tmp/.s.PGSQL.{port}.lock").exists():
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports[0]}-{ports[-1]}")


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are: `PG_BINDIR`, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("initdb not found: set PG_BINDIR")


class Cluster:
    """One PostgreSQL cluster of our own: start, stop (any mode), hold it in recovery, promote, destroy."""

    def __init__(self, root: Path, port: int, settings: dict[str, Any]) -> None:
        self.root = root
        self.pgdata = root / "pgdata"
        self.logfile = root / "postgres.log"
        self.port = port
        self.bindir = postgres_bindir()
        self.settings = settings
        self._as_postgres = os.geteuid() == 0

    # -- running PostgreSQL's tools -------------------------------------------------------------------------

    def _run(self, tool: str, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
                               f"\n{self.log_tail()}")
        return result

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def init(self) -> Cluster:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-instructions", "--locale=C.UTF-8")
        conf = {"port": self.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{self.root}'",
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "shared_buffers": "'32MB'",
                "max_wal_senders": 0, "max_connections": 40, **self.settings}
        with (self.pgdata / "postgresql.conf").open("a") as f:
            f.writelines(f"{key} = {value}\n" for key, value in conf.items())
        return self

    # -- life cycle -----------------------------------------------------------------------------------------

    def start(self, *, wait: bool = True) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.logfile), "-t", "60",
                  "-w" if wait else "-W", "start")

    def stop(self, mode: str = "fast") -> None:
        """`mode`: smart, fast or immediate (a crash: no checkpoint, every backend killed at once)."""
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-t", "60", "-w", "stop")

    def restart(self, mode: str = "immediate") -> None:
        self.stop(mode)
        self.start()

    def start_recovering(self) -> None:
        """Start as a standby that will not accept connections (hot_standby off, no primary): every client gets
        SQLSTATE 57P03, "the database system is not accepting connections", until `promote`. The long form
        of the few seconds a crashed server spends in recovery."""
        (self.pgdata / "standby.signal").touch()
        if self._as_postgres:
            shutil.chown(self.pgdata / "standby.signal", "postgres", "postgres")
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.logfile), "-o", "-c hot_standby=off", "-W",
                  "start")
        deadline = time.monotonic() + 30
        while not self.refuses_connections():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not come up in recovery\n{self.log_tail()}")
            time.sleep(0.05)

    def promote(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-t", "60", "-w", "promote")

    def refuses_connections(self) -> bool:
        """True while the postmaster runs but answers 57P03 (starting up, in recovery, shutting down)."""
        try:
            psycopg.connect(self.url(), connect_timeout=2).close()
        except psycopg.OperationalError as exc:
            message = str(exc)
            return any(m in message for m in ("not accepting connections", "not yet accepting", "starting up",
                                              "shutting down"))
        return False

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            if (self.pgdata / "postmaster.pid").exists():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- connecting -----------------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def params(self, dbname: str = "postgres") -> ConnectionParams:
        return ConnectionParams.from_url(self.url(dbname))

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    @contextlib.contextmanager
    def every_connection_slot_taken(self, dbname: str = "postgres") -> Iterator[int]:
        """Open connections until the server says "too many clients" (53300); yield how many; close them."""
        held: list[psycopg.Connection[Any]] = []
        try:
            while len(held) < 1000:
                try:
                    held.append(psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5))
                except psycopg.OperationalError as exc:
                    if "too many" not in str(exc) and "reserved" not in str(exc):
                        raise
                    break
            yield len(held)
        finally:
            for conn in held:
                with contextlib.suppress(Exception):
                    conn.close()


def _owned_dir(prefix: str) -> Path:
    """A temporary directory that names its owner (this process), so a later run can clean up after a run that
    was killed before it could (see `reap_orphans`)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    (root / "owner").write_text(str(os.getpid()))
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> None:
    """Stop and delete what a killed earlier run left behind: its process groups and its clusters."""
    tmp = Path(tempfile.gettempdir())
    for root in [*tmp.glob("civicledger-cluster-*"), *tmp.glob("civicledger-api-*"), *tmp.glob("civicledger-proc-*")]:
        with contextlib.suppress(OSError, ValueError):
            if _alive(int((root / "owner").read_text())):
                continue
            with contextlib.suppress(OSError, ValueError):
                os.killpg(int((root / "pgid").read_text()), signal.SIGKILL)
            if (root / "pgdata").exists():
                Cluster(root, 0, {}).destroy()
            shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(ports: Sequence[int] = CLUSTER_PORTS, **settings: Any) -> Iterator[Cluster]:
    """An initialised, running cluster on a free port of `ports`; `settings` go to postgresql.conf
    (e.g. max_connections=20). Always stopped and deleted afterwards."""
    reap_orphans()
    root = _owned_dir("civicledger-cluster-")
    cluster = Cluster(root, free_port(ports), settings)
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.destroy()


# -- API processes ------------------------------------------------------------------------------------------


def server_environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """What `civicledger serve`/`worker` need: the database, the test keys, small pools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICLEDGER_")}
    env.update({
        "DATABASE_URL": database_url,
        "CIVICLEDGER_DATA_DIR": str(data_dir),
        "CIVICLEDGER_ENV": "test",
        "CIVICLEDGER_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(),
        "CIVICLEDGER_JWT_SECRET": JWT_SECRET,
        "CIVICLEDGER_DB_POOL_SIZE": "3",
        "CIVICLEDGER_READ_POOL_SIZE": "3",
        # Generous on a loaded machine: a read model that has stopped never gets there, however long we wait.
        "CIVICLEDGER_CONSISTENCY_TIMEOUT_S": "20",
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


class Process:
    """A `civicledger` command as a subprocess in a process group of its own (so that `serve --workers N`
    and its worker processes are stopped or killed together). Output goes to a log file."""

    def __init__(self, args: Sequence[str], env: dict[str, str], logfile: Path) -> None:
        self.args = list(args)
        self.env = env
        self.logfile = logfile
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Process:
        self.starts += 1
        with self.logfile.open("ab") as log:
            log.write(f"\n---- start #{self.starts}: civicledger {' '.join(self.args)}\n".encode())
            self.proc = subprocess.Popen([sys.executable, "-m", "civicledger.cli", *self.args], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        (self.logfile.parent / "pgid").write_text(str(self.proc.pid))  # for `reap_orphans`
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal_group(self, sig: int) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill9(self) -> None:
        """kill -9 the whole process group, and reap it."""
        self._signal_group(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def pause(self) -> None:
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it is still there."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGCONT)
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)  # leftovers of the group (workers) too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        return ""


class ApiServer(Process):
    """`civicledger serve` on a port of API_PORTS."""

    def __init__(self, env: dict[str, str], logfile: Path, *, port: int, workers: int = 1,
                 extra_args: Sequence[str] = ()) -> None:
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                          *extra_args], env, logfile)
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"

    def wait_until_up(self, timeout: float = 60, path: str = "/livez") -> None:
        """Until `path` answers (any status): the process is up and serving."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the server exited ({self.proc and self.proc.returncode})\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.base_url + path, timeout=2)
                return
            time.sleep(0.2)
        raise TimeoutError(f"the server did not come up in {timeout}s\n{self.log_tail()}")


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Poll `condition` until it returns something truthy (returned); TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except Exception as exc:  # the condition may fail while the system recovers
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise TimeoutError(f"{what}: not reached within {timeout}s (last: {last!r})")


@contextlib.contextmanager
def api_server(database_url: str, *, workers: int = 1, extra_args: Sequence[str] = (),
               ports: Sequence[int] = API_PORTS, **env: str) -> Iterator[ApiServer]:
    """`civicledger serve` against `database_url`, started and up; always stopped (its whole process group)."""
    root = _owned_dir("civicledger-api-")
    server = ApiServer(server_environment(database_url, root, **env), root / "serve.log", port=free_port(ports),
                       workers=workers, extra_args=extra_args)
    try:
        server.start().wait_until_up()
        yield server
    except BaseException:
        print(f"---- the server's log (last lines):\n{server.log_tail(80)}")  # shown with the failure
        raise
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def civicledger_process(args: Sequence[str], database_url: str, **env: str) -> Iterator[Process]:
    """Any other `civicledger` command (e.g. `worker`) as a subprocess; always stopped."""
    root = _owned_dir("civicledger-proc-")
    process = Process(args, server_environment(database_url, root, **env), root / "process.log")
    try:
        yield process
    except BaseException:
        print(f"---- civicledger {' '.join(args)}: log (last lines):\n{process.log_tail(80)}")
        raise
    finally:
        process.stop()
        shutil.rmtree(root, ignore_errors=True)
