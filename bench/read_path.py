"""Read-path figures over real HTTP to real servers, measured by the same load generator process:

- `timeline_flatness`: p50 of a 50-entry timeline page for a resident with 100,000 events ÷ one with 100,
  requests alternating A B A B on one keep-alive connection to our API (response caches off).
- `graphql_vs_raw`: our GraphQL timeline-page requests/s ÷ the same rows from one asyncpg query behind a
  plain Starlette endpoint; `graphql_vs_postgraphile`: ÷ PostGraphile 5 on the same tables. Same process
  count, same pool size, response caches off, workload spread over thousands of residents, closed loop with
  the same concurrency, interleaved rounds (rotation), medians of per-round ratios.
- `graphql_cache_gain`: our API with its response caches on ÷ off (when this build has them).

Before measuring, every side is asked for the same residents and must return the same positions."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import servers
from bench.procinfo import cpu_seconds, machine_busy, tree_cpu_seconds
from bench.serve_app import RESPONSE_CACHE_ENV
from bench.stats import paired_ratio, summary
from civicledger.core.auth import Role, Scope, issue_token
from civicledger.core.db import ConnectionParams

TIMELINE_QUERY = (
    "query Timeline($id: ID!) { resident(id: $id) { timeline(first: 50) "
    "{ edges { node { occurredAt program kind summary position } } } } }"
)
PGL_QUERY_TEMPLATE = (
    "query Timeline($id: UUID!) { {root}({arg}: $id) { clientTimelinesByResidentId(first: 50, orderBy: {order}) "
    "{ edges { node { occurredAt program kind summary position } } } } }"
)
APQ_HASH = hashlib.sha256(TIMELINE_QUERY.encode()).hexdigest()


@dataclass
class Side:
    """One thing measured: a server plus how a request to it looks."""

    name: str
    server: servers.Server
    bodies: list[str]
    fallback_bodies: list[str] | None = None
    expect: str = '"edges"'
    headers: dict[str, str] = field(default_factory=dict)


def _body(query: str | None, resident_id: str, *, apq: bool = False) -> str:
    body: dict[str, Any] = {"variables": {"id": resident_id}}
    if query is not None:
        body["query"] = query
    if apq:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": APQ_HASH}}
    return json.dumps(body, separators=(",", ":"))


def positions_of(side: str, body: Any) -> list[int] | None:
    try:
        if side == "postgraphile":
            resident = next(iter(body["data"].values()))
            edges = resident["clientTimelinesByResidentId"]["edges"]
        else:
            edges = body["data"]["resident"]["timeline"]["edges"]
        return [int(e["node"]["position"]) for e in edges]
    except (KeyError, TypeError, ValueError):
        return None


def run_loadgen(spec: dict[str, Any], name: str) -> dict[str, Any]:
    path = servers.WORK_DIR / f"loadgen-{name}.json"
    path.write_text(json.dumps(spec))
    done = subprocess.run([sys.executable, "-m", "bench.loadgen", str(path)], cwd=servers.REPO_ROOT,
                          capture_output=True, text=True, timeout=float(spec.get("duration", 10)) + 300,
                          env=_env_with_repo())
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed for {name}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env_with_repo() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(servers.REPO_ROOT)}


class DatabaseCPU:
    """CPU seconds of the PostgreSQL backends connected to the bench's database (Linux /proc, same machine): a
    side's answer costs its server process and these. An accounting aid: None when they cannot be read."""

    def __init__(self, params: ConnectionParams) -> None:
        self.conn: Any = None
        try:
            import psycopg

            self.conn = psycopg.connect(params.url, autocommit=True)
        except Exception:  # never a reason to fail the run
            self.conn = None

    def seconds(self) -> dict[int, float] | None:
        """CPU seconds by backend."""
        if self.conn is None:
            return None
        try:
            pids = [r[0] for r in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        except Exception:
            return None
        return {pid: cpu_seconds([pid]) for pid in pids}

    @staticmethod
    def spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
        """Between two readings (a backend started in between counts whole)."""
        if before is None or after is None:
            return None
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class ReadPath:
    def __init__(self, params: ConnectionParams, *, jwt_secret: str, master_key_b64: str, processes: int,
                 read_pool_size: int, log: Callable[[str], None]) -> None:
        self.params = params
        self.jwt_secret = jwt_secret
        self.processes = processes
        self.read_pool_size = read_pool_size
        self.log = log
        self.token = issue_token(jwt_secret, subject="bench-integrator", role=Role.INTEGRATOR,
                                 office="DISTRICT-PLATFORM", scopes=frozenset({Scope.READ}), ttl_seconds=6 * 3600)
        self.auth = {"Authorization": f"Bearer {self.token}"}
        self.env = {
            "DATABASE_URL": params.url, "CIVICLEDGER_JWT_SECRET": jwt_secret,
            "CIVICLEDGER_MASTER_KEY": master_key_b64, "CIVICLEDGER_ENV": "production",
            # A throwaway signing key: the servers under test seal no checkpoints, production requires one.
            "CIVICLEDGER_CHECKPOINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CIVICLEDGER_CHAIN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CIVICLEDGER_WITNESS": f"file:{servers.WORK_DIR / 'witness.jsonl'}",
            "CIVICLEDGER_READ_POOL_SIZE": str(read_pool_size), "CIVICLEDGER_DB_POOL_SIZE": "2",
        }
        self.started: list[servers.Server] = []
        self.notes: list[str] = []

    def close(self) -> None:
        for server in self.started:
            server.stop()

    # -- servers --------------------------------------------------------------------------------------

    def start(self, *, postgraphile: bool, sample_id: str) -> dict[str, servers.Server]:
        out: dict[str, servers.Server] = {}
        out["ours"] = servers.uvicorn_server("ours", "bench.serve_app:create_app", workers=self.processes,
                                             env={**self.env, RESPONSE_CACHE_ENV: "off"}, path="/graphql")
        self.started.append(out["ours"])
        out["ours_cached"] = servers.uvicorn_server(
            "ours_cached", "bench.serve_app:create_app", workers=self.processes,
            env={**self.env, RESPONSE_CACHE_ENV: "on"}, path="/graphql")
        self.started.append(out["ours_cached"])
        out["raw"] = servers.uvicorn_server("raw", "bench.serve_app:create_raw_app", workers=self.processes,
                                            env=self.env, path="/raw")
        self.started.append(out["raw"])
        if postgraphile:
            out["postgraphile"] = servers.postgraphile_server(
                self.params, processes=self.processes, jwt_secret=self.jwt_secret, pool_size=self.read_pool_size + 2)
            self.started.append(out["postgraphile"])
        probe_ours = json.loads(_body(TIMELINE_QUERY, sample_id))
        for name, server in list(out.items()):
            if name == "postgraphile":
                try:
                    servers.wait_ready(server, {"query": "{ __typename }"}, self.auth)
                except RuntimeError as exc:  # the peer failing must not cost the other figures
                    self.drop_postgraphile(out, f"PostGraphile did not start: {exc}")
                continue
            probe = json.loads(_body(None, sample_id)) if name == "raw" else probe_ours
            servers.wait_ready(server, probe, self.auth)
        self.log("servers up: " + ", ".join(f"{n} (port {s.port})" for n, s in out.items()))
        return out

    def drop_postgraphile(self, started: dict[str, servers.Server], why: str) -> None:
        server = started.pop("postgraphile", None)
        if server is not None:
            server.stop()
        self.notes.append(f"graphql_vs_postgraphile is null: {why[:600]}")
        self.log(why[:600])

    def postgraphile_query(self, server: servers.Server) -> str:
        """The equivalent PostGraphile query, with the names its inflection gave (amber preset: the table's
        `id` column may be exposed as `rowId`, the root field as `residentByRowId`)."""
        status, body = servers.post(server.port, "/graphql", {"query": (
            '{ o: __type(name: "ClientTimelinesOrderBy") { enumValues { name } } '
            'r: __type(name: "Resident") { fields { name } } '
            'q: __type(name: "Query") { fields { name args { name } } } }')}, self.auth)
        if status != 200 or not isinstance(body, dict) or not body.get("data"):
            raise RuntimeError(f"PostGraphile introspection failed: {status} {body!r}"[:500])
        values = {v["name"] for v in (body["data"]["o"] or {}).get("enumValues", [])}
        fields = {f["name"] for f in (body["data"]["r"] or {}).get("fields", [])}
        roots = {f["name"]: [a["name"] for a in f["args"]] for f in (body["data"]["q"] or {}).get("fields", [])}
        if "clientTimelinesByResidentId" not in fields:
            raise RuntimeError(f"PostGraphile has no Resident.clientTimelinesByResidentId (fields: {sorted(fields)})")
        root = next((n for n in ("residentByRowId", "residentById") if n in roots), None)
        if root is None or len(roots[root]) != 1:
            raise RuntimeError(f"PostGraphile has no resident-by-primary-key root field (fields: {sorted(roots)})")
        order = "POSITION_DESC" if "POSITION_DESC" in values else "PRIMARY_KEY_DESC"
        return (PGL_QUERY_TEMPLATE.replace("{order}", order).replace("{root}", root)
                .replace("{arg}", roots[root][0]))

    def sides(self, started: dict[str, servers.Server], ids: list[str]) -> dict[str, Side]:
        sides = {
            "graphql": Side("graphql", started["ours"], [_body(None, i, apq=True) for i in ids],
                            [_body(TIMELINE_QUERY, i, apq=True) for i in ids]),
            "graphql_text": Side("graphql_text", started["ours"], [_body(TIMELINE_QUERY, i) for i in ids]),
            "raw": Side("raw", started["raw"], [_body(None, i) for i in ids]),
        }
        if "ours_cached" in started:
            sides["graphql_cached"] = Side("graphql_cached", started["ours_cached"],
                                           [_body(None, i, apq=True) for i in ids],
                                           [_body(TIMELINE_QUERY, i, apq=True) for i in ids])
        if "postgraphile" in started:
            try:
                query = self.postgraphile_query(started["postgraphile"])
            except (RuntimeError, OSError) as exc:
                self.drop_postgraphile(started, str(exc))
            else:
                sides["postgraphile"] = Side("postgraphile", started["postgraphile"], [_body(query, i) for i in ids])
        return sides

    # -- checks ---------------------------------------------------------------------------------------

    def validate(self, sides: dict[str, Side], sample_ids: list[str], expected_entries: int) -> None:
        """Same residents, same rows, on every side; pages are full."""
        for rid in sample_ids:
            seen: dict[str, list[int] | None] = {}
            for name, side in list(sides.items()):
                body = json.loads(side.fallback_bodies[0] if side.fallback_bodies else side.bodies[0])
                body["variables"]["id"] = rid
                status, answer = servers.post(side.server.port, side.server.path, body, self.auth)
                if status != 200 and name != "postgraphile":
                    raise RuntimeError(f"{name} answered {status}: {str(answer)[:400]}")
                seen[name] = positions_of(name, answer) if status == 200 else None
                if seen[name] is None and name == "postgraphile":
                    seen[name] = [-1]  # disagrees below: dropped with the reason
                elif seen[name] is None:
                    raise RuntimeError(f"{name} answered an unexpected shape: {str(answer)[:400]}")
            first = seen["graphql"]
            if "postgraphile" in seen and seen["postgraphile"] != first:
                self.drop_postgraphile({"postgraphile": sides.pop("postgraphile").server},
                                       f"PostGraphile returned other rows than our API for resident {rid}")
                seen.pop("postgraphile")
            if any(v != first for v in seen.values()):
                raise RuntimeError(f"sides disagree for resident {rid}: {seen}")
            if first is not None and len(first) < expected_entries:
                raise RuntimeError(f"resident {rid} has only {len(first)} timeline entries (expected {expected_entries})")

    # -- figures --------------------------------------------------------------------------------------

    def flatness(self, side: Side, long_id: str, short_id: str, requests: int) -> dict[str, Any]:
        """The side's own request (APQ for ours), alternating the two residents on one connection."""
        def make(rid: str, template: str | None) -> str | None:
            if template is None:
                return None
            body = json.loads(template)
            body["variables"]["id"] = rid
            return json.dumps(body, separators=(",", ":"))

        steps = []
        for i in range(requests * 2):
            tag, rid = (("long", long_id), ("short", short_id))[i % 2]
            steps.append((tag, make(rid, side.bodies[0]),
                          make(rid, side.fallback_bodies[0] if side.fallback_bodies else None)))
        name, server = side.name, side.server
        spec = {"mode": "sequence", "host": "127.0.0.1", "port": server.port, "path": server.path,
                "headers": {"Content-Type": "application/json", "Accept": "application/json", **self.auth},
                "steps": steps, "warmup_steps": min(100, len(steps)), "expect": '"edges"'}
        result = run_loadgen(spec, f"flatness-{name}")
        if result["errors"]:
            raise RuntimeError(f"flatness ({name}): {result['errors']} errors, first: {result['first_error']}")
        lat = result["latency_ms"]
        return {"ratio_p50": lat["long"]["p50"] / lat["short"]["p50"], "long_ms": lat["long"], "short_ms": lat["short"]}

    def throughput(self, sides: dict[str, Side], *, rounds: int, window: float, warmup: float,
                   concurrency: int) -> dict[str, Any]:
        names = list(sides)
        rps: dict[str, list[float]] = {n: [] for n in names}
        lat: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
        cpu_ms: dict[str, list[float]] = {n: [] for n in names}
        lg_util: dict[str, list[float]] = {n: [] for n in names}
        machine: dict[str, list[float]] = {n: [] for n in names}
        db_ms: dict[str, list[float]] = {n: [] for n in names}
        database = DatabaseCPU(self.params)
        for r in range(rounds):
            order = names[r % len(names):] + names[: r % len(names)]
            line = []
            for name in order:
                side = sides[name]
                spec = {"mode": "throughput", "host": "127.0.0.1", "port": side.server.port, "path": side.server.path,
                        "headers": {"Content-Type": "application/json", "Accept": "application/json", **self.auth},
                        "bodies": side.bodies, "fallback_bodies": side.fallback_bodies, "expect": side.expect,
                        "concurrency": concurrency, "duration": window,
                        "warmup": warmup * (3 if r == 0 else 1), "seed": r + 1}
                cpu0, busy0, db0 = tree_cpu_seconds(side.server.pid), machine_busy(), database.seconds()
                result = run_loadgen(spec, name)
                cpu1, busy1, db1 = tree_cpu_seconds(side.server.pid), machine_busy(), database.seconds()
                if result["errors"]:
                    raise RuntimeError(f"{name}: {result['errors']} failed requests, first: {result['first_error']}")
                rps[name].append(result["rps"])
                lat[name].append(result["latency_ms"])
                total_time = window + float(spec["warmup"])  # type: ignore[arg-type]
                if result["requests"]:
                    # Server CPU over warm-up + window, per request at the window's rate.
                    cpu_ms[name].append((cpu1 - cpu0) / (result["rps"] * total_time) * 1000)
                    spent = database.spent(db0, db1)
                    if spent is not None:
                        db_ms[name].append(spent / (result["rps"] * total_time) * 1000)
                lg_util[name].append(result["loadgen_cpu_util"])
                if busy1[1] > busy0[1]:
                    machine[name].append((busy1[0] - busy0[0]) / (busy1[1] - busy0[1]))
                line.append(f"{name} {result['rps']:,.0f}/s p50 {result['latency_ms']['p50']:.1f}ms")
            self.log(f"read round {r + 1}/{rounds}: " + ", ".join(line))
        per_side = {
            n: {
                "rps": summary(rps[n]),
                "latency_ms_p50": summary([x["p50"] for x in lat[n] if x["p50"] is not None]),
                "latency_ms_p99": summary([x["p99"] for x in lat[n] if x["p99"] is not None]),
                "server_cpu_ms_per_request": summary(cpu_ms[n]),
                "database_cpu_ms_per_request": summary(db_ms[n]),
                "loadgen_cpu_util": summary(lg_util[n]),
                "machine_cpu_busy": summary(machine[n]),
            }
            for n in names
        }
        ratios: dict[str, Any] = {
            "graphql_vs_raw": paired_ratio(rps["graphql"], rps["raw"]),
            "graphql_text_vs_raw": paired_ratio(rps["graphql_text"], rps["raw"]),
        }
        if "postgraphile" in rps:
            ratios["graphql_vs_postgraphile"] = paired_ratio(rps["graphql"], rps["postgraphile"])
            ratios["graphql_text_vs_postgraphile"] = paired_ratio(rps["graphql_text"], rps["postgraphile"])
            ratios["raw_vs_postgraphile"] = paired_ratio(rps["raw"], rps["postgraphile"])
        if "graphql_cached" in rps:
            ratios["graphql_cache_gain"] = paired_ratio(rps["graphql_cached"], rps["graphql"])
            if "postgraphile" in rps:
                ratios["graphql_cached_vs_postgraphile"] = paired_ratio(rps["graphql_cached"], rps["postgraphile"])
        database.close()
        return {"sides": per_side, "ratios": ratios, "concurrency": concurrency, "window_s": window,
                "rounds": rounds}

    def profile(self, side: Side, *, window: float, concurrency: int) -> str | None:
        """One more window on a Python side with py-spy attached (not counted in the figures)."""
        from bench import pyspy

        out = servers.WORK_DIR / f"pyspy-{side.name}.txt"
        out.unlink(missing_ok=True)
        recorder = pyspy.record(side.server.pid, window + 1, out, subprocesses=self.processes > 1)
        if recorder is None:
            return None
        spec = {"mode": "throughput", "host": "127.0.0.1", "port": side.server.port, "path": side.server.path,
                "headers": {"Content-Type": "application/json", "Accept": "application/json", **self.auth},
                "bodies": side.bodies, "fallback_bodies": side.fallback_bodies, "expect": side.expect,
                "concurrency": concurrency, "duration": window, "warmup": 0.5, "seed": 99}
        result = run_loadgen(spec, f"profile-{side.name}")
        recorder.wait(timeout=window + 60)
        return f"{result['rps']:,.0f} requests/s while sampled\n" + pyspy.summarise(out)
