"""The failover drill (`civicledger failover-drill`): a Patroni primary and synchronous standby on loopback,
CivicLedger's API on the multi-host URL, a load of idempotent registrations with retries, and the primary's
postmaster killed with SIGKILL mid-load. Then: every acknowledged command is in the log exactly once (the
in-doubt ones settled by their retries), `civicledger verify` is clean, and the same API process — never
restarted — answers a command and a read-your-writes query on the new primary. The report gives the write
outage in seconds: from the kill to the first command acknowledged after it."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from civicledger.core.auth import Role, issue_token
from civicledger.core.db import ConnectionParams
from civicledger.core.resident_id import make_resident_id
from civicledger.ops.drill_load import Command, RegistrationLoad
from civicledger.ops.patroni import PatroniCluster, loopback_cluster
from civicledger.ops.processes import Service, free_port, http_status, post_json, wait_until, work_directory

READ = """query($id: ID!) { resident(id: $id) { id name } }"""


@dataclass
class DrillReport:
    acknowledged: int = 0
    in_doubt: int = 0  # commands with at least one attempt whose answer was lost
    replayed: int = 0  # acknowledged as a replay of their own earlier, in-doubt attempt
    unsettled: int = 0  # never acknowledged (gave up)
    lost: list[str] = field(default_factory=list)  # acknowledged, not in the log
    doubled: list[str] = field(default_factory=list)  # in the log more than once
    unexpected: list[str] = field(default_factory=list)  # errors other than "the database is unavailable"
    events_per_command: list[int] = field(default_factory=list)
    outage_s: float | None = None
    new_leader_s: float | None = None
    verify_exit: int | None = None
    verify_text: str = ""
    answered_after: bool = False
    old_primary: str = ""
    new_primary: str = ""
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return (self.acknowledged > 0 and not self.lost and not self.doubled and not self.unexpected
                and self.unsettled == 0 and self.verify_exit == 0 and self.answered_after
                and self.outage_s is not None and self.new_primary not in ("", self.old_primary))

    def render(self) -> str:
        lines = [
            f"failover drill: {'OK' if self.ok else 'FAILED'} ({self.elapsed_s:.0f} s)",
            f"  primary {self.old_primary} killed (SIGKILL of its Patroni and postmaster); "
            f"new primary {self.new_primary or '-'}"
            f" after {self.new_leader_s if self.new_leader_s is not None else float('nan'):.1f} s",
            f"  write outage: {self.outage_s if self.outage_s is not None else float('nan'):.1f} s (kill to the "
            "first command acknowledged after it)",
            f"  acknowledged commands: {self.acknowledged}, each in the log once: "
            f"{'yes' if not self.lost and not self.doubled else 'NO'}"
            f" (lost {len(self.lost)}, doubled {len(self.doubled)})",
            f"  in doubt (an answer lost, settled by a retry with the same key): {self.in_doubt},"
            f" acknowledged as replays: {self.replayed}; never settled: {self.unsettled}",
            f"  unexpected errors: {len(self.unexpected)}" + (f" e.g. {self.unexpected[0][:200]}" if self.unexpected
                                                             else ""),
            f"  civicledger verify on the new primary: exit {self.verify_exit}",
            "  same API process after the failover: "
            + ("answered a command and a query" if self.answered_after else "NO"),
        ]
        return "\n".join(lines)


@dataclass
class DrillPorts:
    pg: tuple[int, int] = (5522, 5523)
    rest: tuple[int, int] = (18008, 18009)
    etcd: int = 23790
    etcd_peer: int = 23800
    api: tuple[int, int] = (18020, 18039)


def run_drill(*, warmup_acks: int = 40, after_acks: int = 40, workers: int = 4, ports: DrillPorts | None = None,
              log: Callable[[str], None] = print) -> DrillReport:
    ports = ports or DrillPorts()
    report = DrillReport()
    started = time.monotonic()
    with work_directory("civicledger-drill") as directory:
        cluster = loopback_cluster(directory / "cluster", pg_ports=ports.pg, rest_ports=ports.rest,
                                   etcd_port=ports.etcd, etcd_peer_port=ports.etcd_peer)
        api: Service | None = None
        try:
            log("starting etcd and two Patroni nodes (synchronous_mode_strict) ...")
            cluster.start()
            leader = cluster.primary()
            assert leader is not None
            with psycopg.connect(**leader.params().psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
                conn.execute("CREATE DATABASE civicledger")
            env, jwt_secret = _api_env(cluster, directory)
            port = free_port(*ports.api)
            log(f"primary {leader.name}, sync standby {cluster.sync_standby()}; API on {cluster.url('civicledger')}")
            api = Service("api", [sys.executable, "-m", "civicledger.cli", "serve", "--port", str(port)], env=env,
                          log_dir=directory)
            wait_until(lambda: http_status(f"http://127.0.0.1:{port}/health") == 200, timeout=90, what="the API")
            token = issue_token(jwt_secret, subject="drill-integrator", role=Role.CASEWORKER, district="HAIZHU",
                                office="HAIZHU-JIANGHAI-STATION")
            url = f"http://127.0.0.1:{port}/graphql"
            load = RegistrationLoad(url, token, workers=workers).start()
            wait_until(lambda: len(load.acked()) >= warmup_acks, timeout=120, what="the warm-up load")
            report.old_primary = leader.name
            killed_at = time.monotonic()
            pid = cluster.crash_node(leader)
            log(f"SIGKILL to {leader.name}'s Patroni and postmaster (pid {pid}) after {len(load.acked())} "
                "acknowledged commands")
            new = wait_until(lambda: next((n for n in cluster.nodes if n is not leader and n.role() == "primary"),
                                          None), timeout=120, interval=0.1, what="a new primary")
            report.new_leader_s = time.monotonic() - killed_at
            report.new_primary = new.name
            log(f"new primary {new.name} after {report.new_leader_s:.1f} s; {leader.name} comes back as its "
                "standby (strict synchronous mode takes writes again once it streams); load goes on ...")
            cluster.restart_node(leader)
            wait_until(lambda: len(load.acked(after=killed_at)) >= after_acks, timeout=180, interval=0.2,
                       what="commands acknowledged after the failover")
            load.stop()
            # Commands sent after the kill cannot commit before writes are possible again (acks just after the
            # kill may be of commits made just before it).
            first_after = min((c.acked_at for c in load.acked(after=killed_at) if c.sent_at > killed_at), default=None)
            report.outage_s = None if first_after is None else first_after - killed_at
            _check_log(report, load, ConnectionParams.from_url(cluster.url("civicledger")))
            report.answered_after = _answers(url, token, log)
            verify = subprocess.run([sys.executable, "-m", "civicledger.cli", "verify"], env=env, capture_output=True,
                                    text=True, timeout=300)
            report.verify_exit, report.verify_text = verify.returncode, verify.stdout + verify.stderr
            if not report.ok and api is not None:
                log("API log (last lines):\n" + api.log_tail(60))
        except BaseException:
            log("Patroni (last lines):\n" + cluster.log_tails())
            if api is not None:
                log("API log (last lines):\n" + api.log_tail(40))
            raise
        finally:
            if api is not None:
                api.stop()
            cluster.close()
    report.elapsed_s = time.monotonic() - started
    return report


def _api_env(cluster: PatroniCluster, directory: Path) -> tuple[dict[str, str], str]:
    jwt_secret = secrets.token_urlsafe(36)
    env = {**os.environ, "DATABASE_URL": cluster.url("civicledger"), "CIVICLEDGER_ENV": "production",
           "CIVICLEDGER_JWT_SECRET": jwt_secret, "CIVICLEDGER_DATA_DIR": str(directory / "data"),
           "CIVICLEDGER_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "CIVICLEDGER_CHECKPOINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "CIVICLEDGER_CHAIN_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    return env, jwt_secret


def _check_log(report: DrillReport, load: RegistrationLoad, params: ConnectionParams) -> None:
    """Each acknowledged key: one stream, as many events as any other registration; no key twice."""
    with psycopg.connect(**params.psycopg_kwargs(), **params.libpq_options()) as conn:  # type: ignore[arg-type]
        rows = conn.execute("SELECT idempotency_key, count(DISTINCT originator_id), count(*) FROM events"
                            " WHERE idempotency_key LIKE %s GROUP BY 1", (f"{load.prefix}-%",)).fetchall()
        recorded = {key: (streams, events) for key, streams, events in rows}
    for command in load.commands:
        if command.in_doubt:
            report.in_doubt += 1
        report.unexpected += command.unexpected
        if command.acked_at is None:
            report.unsettled += 1
            continue
        report.acknowledged += 1
        report.replayed += command.replayed
        streams, _ = recorded.get(command.key, (0, 0))
        if streams == 0:
            report.lost.append(command.key)
        elif streams > 1:
            report.doubled.append(command.key)
    report.events_per_command = sorted({events for _, events in recorded.values()})
    if len(report.events_per_command) > 1:
        report.doubled += [k for k, (_, e) in recorded.items() if e != min(report.events_per_command)]


def _answers(url: str, token: str, log: Callable[[str], None]) -> bool:
    """A new command, then a query that must see it (read-your-writes): the projections run again too."""
    probe = RegistrationLoad(url, token, workers=0, prefix="drill-after")
    command = Command(1, "drill-after-1", make_resident_id("440106", date(1949, 12, 31), 333), time.monotonic())
    probe.settle(command)
    if command.acked_at is None or command.unexpected:
        log(f"no answer to a command after the failover: {command.unexpected}")
        return False
    status, body = 0, {}
    with contextlib.suppress(OSError):
        status, body = post_json(url, {"query": READ, "variables": {"id": command.resident_id},
                                       "extensions": {"minPosition": command.position}},
                                 {"Authorization": f"Bearer {token}"}, timeout=30)
    if status == 200 and not body.get("errors") and (body.get("data") or {}).get("resident"):
        return True
    log(f"the query after the failover answered {status}: {body}")
    return False
