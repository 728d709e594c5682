"""A loopback Patroni cluster for the failover drill: one etcd member and Patroni nodes, each managing its
own PostgreSQL in `synchronous_mode_strict` (docs/OPERATIONS.md, "High availability").

What the settings are for (measured on this machine, /work/shared/reference/patroni-on-this-machine.md):
synchronous_mode + synchronous_mode_strict so that no acknowledged commit exists only on the node that dies;
primary_start_timeout 0 so that a killed primary fails over instead of being restarted in place for 300 s;
ttl 10 / loop_wait 2 / retry_timeout 3 for a leader race of seconds. Patroni runs as `postgres` (PostgreSQL
refuses root); the postmasters it starts outlive it, so `close` stops them from their postmaster.pid."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import psycopg
import yaml

from civicledger.core.db import ConnectionParams
from civicledger.ops.cluster import pg_bin, run_pg
from civicledger.ops.processes import Service, as_postgres, give_to_postgres, http_status, wait_until

SCOPE = "civicledger-drill"


def require_tools() -> None:
    missing = [tool for tool in ("etcd", "patroni") if shutil.which(tool) is None]
    if missing:
        raise FileNotFoundError(
            f"{' and '.join(missing)} not installed: `apt-get install -y patroni etcd-server etcd-client "
            "python3-etcd python3-psycopg2` (.ci/run does this)")


@dataclass
class Node:
    name: str
    directory: Path
    pg_port: int
    rest_port: int
    service: Service | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def params(self, dbname: str = "postgres") -> ConnectionParams:
        return ConnectionParams(dbname=dbname, host="127.0.0.1", port=self.pg_port, user="postgres", password="",
                                connect_timeout=3)

    def role(self) -> str | None:
        """'primary', 'replica' (Patroni's REST API), or None when the node does not answer."""
        # Generous timeouts: on a loaded machine Patroni's REST API can take seconds to answer.
        if http_status(f"http://127.0.0.1:{self.rest_port}/primary", timeout=5) == 200:
            return "primary"
        if http_status(f"http://127.0.0.1:{self.rest_port}/replica", timeout=5) == 200:
            return "replica"
        return None

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        return None

    def config(self, etcd_port: int) -> dict[str, object]:
        auth = {"username": "postgres", "password": "drill-superuser"}
        return {
            "scope": SCOPE, "namespace": "/civicledger/", "name": self.name,
            "restapi": {"listen": f"127.0.0.1:{self.rest_port}", "connect_address": f"127.0.0.1:{self.rest_port}"},
            "etcd3": {"hosts": f"127.0.0.1:{etcd_port}"},
            "log": {"dir": str(self.directory / "log"), "level": "INFO"},
            "bootstrap": {
                "dcs": {"ttl": 10, "loop_wait": 2, "retry_timeout": 3, "maximum_lag_on_failover": 1048576,
                        "synchronous_mode": True, "synchronous_mode_strict": True, "primary_start_timeout": 0,
                        "postgresql": {"use_pg_rewind": True, "parameters": {
                            "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                            "max_wal_senders": 5, "max_replication_slots": 5, "max_connections": 60}}},
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}],
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication replicator 127.0.0.1/32 trust"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}", "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": str(self.data_dir), "bin_dir": str(Path(pg_bin("pg_ctl")).parent),
                "pgpass": str(self.directory / "pgpass"),
                "authentication": {"superuser": auth, "rewind": auth,
                                   "replication": {"username": "replicator", "password": "drill-replicator"}},
                "parameters": {"unix_socket_directories": str(self.directory), "shared_buffers": "32MB"},
            },
            "tags": {"nofailover": False, "noloadbalance": False},
        }


@dataclass
class PatroniCluster:
    """etcd plus Patroni nodes on loopback, in `directory`; `close()` leaves nothing running or on disk."""

    directory: Path
    nodes: list[Node]
    etcd_port: int
    etcd_peer_port: int
    etcd: Service | None = None
    started: float = field(default_factory=time.monotonic)

    def start(self, timeout: float = 90) -> PatroniCluster:
        require_tools()
        etcd_dir = self.directory / "etcd"
        etcd_dir.mkdir(parents=True, exist_ok=True)
        client, peer = f"http://127.0.0.1:{self.etcd_port}", f"http://127.0.0.1:{self.etcd_peer_port}"
        self.etcd = Service("etcd", ["etcd", "--name", "drill", "--data-dir", str(etcd_dir / "data"),
                                     "--listen-client-urls", client, "--advertise-client-urls", client,
                                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                                     "--initial-cluster", f"drill={peer}", "--initial-cluster-state", "new"],
                            log_dir=self.directory)
        wait_until(lambda: http_status(f"{client}/health") == 200, timeout=30, what="etcd")
        for node in self.nodes:
            (node.directory / "log").mkdir(parents=True, exist_ok=True)
            (node.directory / "patroni.yml").write_text(yaml.safe_dump(node.config(self.etcd_port)))
        give_to_postgres(self.directory)
        first, *others = self.nodes
        self._start_node(first)
        wait_until(lambda: first.role() == "primary", timeout=timeout, what=f"{first.name} to lead")
        for node in others:
            self._start_node(node)
        self.wait_sync_standby(timeout)
        return self

    def _start_node(self, node: Node) -> None:
        env = {**os.environ, "PATH": f"{node.config(self.etcd_port)['postgresql']['bin_dir']}:/usr/bin:/bin"}  # type: ignore[index]
        node.service = Service(f"patroni-{node.name}", as_postgres(["patroni", str(node.directory / "patroni.yml")]),
                               env=env, log_dir=self.directory)

    def primary(self) -> Node | None:
        return next((n for n in self.nodes if n.role() == "primary"), None)

    def sync_standby(self) -> str | None:
        """The application name of the primary's synchronous, streaming standby, if there is one."""
        leader = self.primary()
        if leader is None:
            return None
        with contextlib.suppress(psycopg.Error), psycopg.connect(**leader.params().psycopg_kwargs()) as conn:  # type: ignore[arg-type]
            # Patroni names each standby's connection after its node (a base backup's is `pg_basebackup`).
            row = conn.execute("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'"
                               " AND sync_state = 'sync' AND application_name = ANY(%s) LIMIT 1",
                               ([n.name for n in self.nodes if n is not leader],)).fetchone()
            return row[0] if row else None
        return None

    def wait_sync_standby(self, timeout: float = 90) -> str:
        return wait_until(self.sync_standby, timeout=timeout, interval=0.5,  # type: ignore[no-any-return]
                          what="a synchronous standby")

    def url(self, dbname: str) -> str:
        """The multi-host URL CivicLedger is given: every node; the one that takes writes is the primary."""
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.nodes)
        return f"postgresql://postgres@{hosts}/{dbname}?target_session_attrs=read-write&connect_timeout=3"

    def kill_postmaster(self, node: Node) -> int:
        """SIGKILL the node's postmaster (a crash of PostgreSQL, Patroni left running)."""
        pid = node.postmaster_pid()
        if pid is None:
            raise RuntimeError(f"{node.name} has no postmaster")
        os.kill(pid, signal.SIGKILL)
        return pid

    def crash_node(self, node: Node) -> int:
        """SIGKILL the node's Patroni and its PostgreSQL: the primary's machine dies. Its Patroni cannot restart
        PostgreSQL in place (which it may do on a loaded machine after a postmaster-only kill, before the standby
        is judged healthy), so the leader key expires (ttl) and the synchronous standby takes over."""
        if node.service is not None and node.service.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.service.process.pid, signal.SIGKILL)
            node.service.process.wait(10)
        return self.kill_postmaster(node)

    def restart_node(self, node: Node) -> None:
        """The crashed machine comes back: its Patroni rejoins as a standby (pg_rewind), and strict synchronous
        mode lets the new primary take writes again once it streams."""
        if node.service is not None:
            node.service.stop()  # already dead: closes its log
        self._start_node(node)

    def members(self) -> list[dict[str, object]]:
        """What Patroni says about each node (for the drill's report)."""
        out = []
        for node in self.nodes:
            with contextlib.suppress(Exception):
                import urllib.request

                with urllib.request.urlopen(f"http://127.0.0.1:{node.rest_port}/patroni", timeout=1) as r:
                    state = orjson.loads(r.read())
                    out.append({"name": node.name, "role": state.get("role"), "state": state.get("state"),
                                "timeline": state.get("timeline")})
        return out

    def log_tails(self, lines: int = 25) -> str:
        """The end of each node's Patroni log (and etcd's), for a drill that went wrong."""
        out = []
        for node in self.nodes:
            for log_file in sorted((node.directory / "log").glob("*.log")):
                text = log_file.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {node.name} {log_file.name}\n" + "\n".join(text))
            if node.service is not None:
                out.append(f"--- {node.name} stdout\n{node.service.log_tail(lines)}")
        return "\n".join(out)

    def close(self) -> None:
        for node in self.nodes:
            if node.service is not None:
                node.service.stop(timeout=15)
        for node in self.nodes:  # postmasters outlive Patroni
            if node.postmaster_pid() is not None:
                run_pg(["pg_ctl", "-D", str(node.data_dir), "-m", "immediate", "-w", "-t", "30", "stop"],
                       check=False)
            pid = node.postmaster_pid()
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            self.etcd.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def loopback_cluster(directory: Path, *, pg_ports: tuple[int, int], rest_ports: tuple[int, int], etcd_port: int,
                     etcd_peer_port: int) -> PatroniCluster:
    nodes = [Node(f"node{i}", directory / f"node{i}", pg, rest) for i, (pg, rest) in
             enumerate(zip(pg_ports, rest_ports, strict=True))]
    return PatroniCluster(directory, nodes, etcd_port, etcd_peer_port)
