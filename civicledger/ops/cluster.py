"""Throwaway PostgreSQL clusters of our own (initdb/pg_ctl), for backups, restores and failover drills.

Never the machine's own server: a cluster lives in a directory we own, listens on 127.0.0.1 at a port we were
given, keeps its socket in its own directory, and is stopped (`pg_ctl -m immediate`) and removed on close —
also when the caller failed."""

from __future__ import annotations

import contextlib
import glob
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg

from civicledger.core.db import ConnectionParams
from civicledger.ops.processes import as_postgres, give_to_postgres


def pg_bin(name: str) -> str:
    """A PostgreSQL server program (initdb, pg_ctl, pg_basebackup ...): the newest installed major version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise FileNotFoundError(f"{name} not found: install the PostgreSQL server package (postgresql)")


def run_pg(command: Sequence[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as `postgres` (when root); its output is kept for the error message."""
    done = subprocess.run(as_postgres([pg_bin(command[0]), *command[1:]]), capture_output=True, text=True,
                          timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return done


class LocalCluster:
    """One PostgreSQL cluster in `directory`, listening on 127.0.0.1:`port`."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.pgdata = directory / "data"
        self.socket_dir = directory / "sock"
        self.port = port

    def params(self, dbname: str = "postgres") -> ConnectionParams:
        return ConnectionParams(dbname=dbname, host="127.0.0.1", port=self.port, user="postgres", password="")

    def init(self, *, archive_to: Path | None = None, settings: dict[str, str] | None = None) -> LocalCluster:
        """initdb with trust on loopback; WAL archived (by `cp`) into `archive_to` when given."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if archive_to is not None:
            archive_to.mkdir(parents=True, exist_ok=True)
        give_to_postgres(self.directory)
        if archive_to is not None:
            give_to_postgres(archive_to)
        run_pg(["initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8"])
        conf = {"wal_level": "replica", "max_wal_senders": "4", "fsync": "on", "shared_buffers": "32MB",
                "max_connections": "60", **(settings or {})}
        if archive_to is not None:
            conf.update(archive_mode="on", archive_command=f"test ! -f {archive_to}/%f && cp %p {archive_to}/%f",
                        archive_timeout="60")
        self.configure(conf)
        return self

    def configure(self, settings: dict[str, str]) -> None:
        """Append settings to postgresql.conf (the last one wins), always with our port and socket."""
        values = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                  "unix_socket_directories": f"'{self.socket_dir}'"}
        values.update({k: v if v.replace(".", "").isdigit() or v in ("on", "off") else f"'{v}'"
                       for k, v in settings.items()})
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\n# civicledger ops\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))

    def start(self, *, wait_ready: bool = True) -> LocalCluster:
        run_pg(["pg_ctl", "-D", str(self.pgdata), "-l", str(self.directory / "server.log"), "-w", "-t", "120",
                "start"])
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 120, *, standby: bool = False) -> None:
        """Until the server accepts connections and is out of recovery (a restore has finished) — or, for a
        standby, in it."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.Error), psycopg.connect(
                    **self.params().psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row is not None and bool(row[0]) == standby:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"cluster on port {self.port} not ready: {self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.directory / "server.log").read_text(errors="replace").splitlines()[-lines:])
        return ""

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        with psycopg.connect(**self.params(dbname).psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str) -> ConnectionParams:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.params(name)

    def stop(self, mode: str = "fast") -> None:
        if (self.pgdata / "postmaster.pid").exists():
            run_pg(["pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop"], check=False)

    def close(self) -> None:
        """Stop (immediately) and remove everything, whatever state it is in."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def base_backup(cluster: LocalCluster, target: Path) -> None:
    """A base backup (plain format, the WAL it needs streamed with it, a checkpoint taken at once)."""
    give_to_postgres(target.parent)
    run_pg(["pg_basebackup", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-D", str(target),
            "-X", "stream", "-c", "fast", "--no-password"])


def restore_to_point(backup: Path, archive: Path, directory: Path, port: int, *, target_name: str) -> LocalCluster:
    """A new cluster from a base backup, replaying archived WAL up to the named restore point, then promoted."""
    cluster = LocalCluster(directory, port)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copytree(backup, cluster.pgdata)
    cluster.socket_dir.mkdir(parents=True, exist_ok=True)
    (cluster.pgdata / "postmaster.pid").unlink(missing_ok=True)
    cluster.configure({"restore_command": f"cp {archive}/%f %p", "recovery_target_name": target_name,
                       "recovery_target_action": "promote", "archive_mode": "off"})
    (cluster.pgdata / "recovery.signal").touch()
    give_to_postgres(directory)
    (cluster.pgdata).chmod(0o700)
    return cluster.start()


def standby_of(primary: LocalCluster, directory: Path, port: int, *, apply_delay_ms: int = 0) -> LocalCluster:
    """A hot standby streaming from `primary` (a read replica), replaying `apply_delay_ms` behind it."""
    standby = LocalCluster(directory, port)
    give_to_postgres(directory)
    run_pg(["pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(standby.pgdata),
            "-X", "stream", "-c", "fast", "-R", "--no-password"])
    standby.socket_dir.mkdir(parents=True, exist_ok=True)
    give_to_postgres(directory)
    standby.configure({"hot_standby": "on", "recovery_min_apply_delay": f"{apply_delay_ms}ms"})
    run_pg(["pg_ctl", "-D", str(standby.pgdata), "-l", str(directory / "server.log"), "-w", "-t", "120", "start"])
    standby.wait_ready(standby=True)
    return standby
