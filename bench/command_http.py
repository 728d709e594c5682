"""`command_http_ratio_1` and `command_http_scaling_4`: `registerResident` over HTTP against a raw single-row
INSERT over HTTP, with 1 and 4 concurrent writers, one server process each side.

Ours: the real mutation (validation, the service, the aggregate, per-resident key and encryption, metadata,
hash chain, the ID-number claim) through `bench.serve_app:create_app` (no projections in the process). Raw:
`bench.serve_app:create_raw_app`'s `/insert`, one prepared `INSERT` of an event-shaped row (uuid, version,
topic, 663 random bytes, identity position with a unique index) per autocommit transaction, asyncpg, orjson.
The same load generator (bench/loadgen.py, its own process, keep-alive HTTP/1.1) drives both; every mutation
carries an ID number never used before, in order (`"order": "sequential"`), so none is refused.

    command_http_ratio_1   = ours/s ÷ raw/s, 1 writer
    command_http_scaling_4 = ours/s with 4 writers ÷ ours/s with 1 writer (the raw side's own is reported)

Rounds alternate the sides; figures are medians of paired ratios (bench/stats.py)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import read_path, servers
from bench.serve_app import RESPONSE_CACHE_ENV
from bench.stats import paired_ratio, summary
from civicledger.core.auth import Role, Scope, issue_token
from civicledger.core.resident_id import make_resident_id
from civicledger.settings import Settings

REGISTER = ("mutation Register($i: RegisterResidentInput!) { registerResident(input: $i) { residentId } }")


def _bodies(serial: int, count: int, *, keyed: bool = False) -> list[str]:
    out = []
    for n in range(serial, serial + count):
        born = date(1940, 1, 1) + timedelta(days=(n // 499) % 25_000)
        area = f"11010{(n // (499 * 25_000)) % 9 + 1}"
        number = make_resident_id(area, born, (n % 499) * 2 + 1)
        out.append(json.dumps({"query": REGISTER, "variables": {"i": {
            "name": "测试居民", "idNumber": number, "district": "HAIZHU", "street": "江海街",
            "community": "红卫社区", "phone": "13800138000", "reason": "bench: registration at the desk",
            **({"idempotencyKey": f"bench-register-{n}"} if keyed else {})}}}))
    return out


def _round(server: servers.Server, path: str, headers: dict[str, str], bodies: list[str], *, concurrency: int,
           window: float, warmup: float, name: str, expect: str | None) -> dict[str, Any]:
    spec = {"mode": "throughput", "host": "127.0.0.1", "port": server.port, "path": path,
            "headers": {**headers, "Content-Type": "application/json"}, "bodies": bodies, "order": "sequential",
            "concurrency": concurrency, "warmup": warmup, "duration": window, "expect": expect}
    out = read_path.run_loadgen(spec, name)
    return {"rps": out["rps"], "requests": out["requests"], "errors": out["errors"],
            "first_error": out.get("first_error"), "latency_ms": out.get("latency_ms")}


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pyspy(server: servers.Server, seconds: float, name: str) -> subprocess.Popen[bytes] | None:
    """A sampling profile of the server process during a round (collapsed stacks, every thread, idle excluded)."""
    exe = shutil.which("py-spy")
    if exe is None:
        return None
    out = servers.WORK_DIR / f"pyspy-{name}.txt"
    return subprocess.Popen([exe, "record", "--format", "raw", "-o", str(out), "-d", str(int(seconds)), "-r", "200",
                             "-p", str(server.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(env: dict[str, str], token: str, *, rounds: int, window: float, warmup: float, log: Any = print,
        per_round: int | None = None, profile: bool = False, keyed: bool = False) -> dict[str, Any]:
    # every body is used once: enough for 2,000 commands/s over the whole round (a wrapped list would repeat
    # ID numbers, refused as taken)
    per_round = per_round or max(6000, int(2000 * (window + warmup)))
    auth = {"Authorization": f"Bearer {token}"}
    ours_srv = servers.uvicorn_server("command-http-ours", "bench.serve_app:create_app", workers=1,
                                      env={**env, RESPONSE_CACHE_ENV: "off"}, path="/graphql")
    raw_srv = servers.uvicorn_server("command-http-raw", "bench.serve_app:create_raw_app", workers=1, env=env,
                                     path="/insert")
    rps: dict[str, list[float]] = {"ours1": [], "ours4": [], "raw1": [], "raw4": []}
    detail: list[dict[str, Any]] = []
    serial = secrets.randbelow(10**6) * 100_000
    try:
        servers.wait_ready(ours_srv, {"query": "{ __typename }"}, auth)
        servers.wait_ready(raw_srv, {}, {})
        # untimed: the server's first commands (caches, prepared statements, connections) are not measured
        warm = min(2.0, window)
        _round(ours_srv, "/graphql", auth, _bodies(serial, 6000), concurrency=4, window=warm, warmup=warm / 4,
               name="command-http-warm", expect="residentId")
        serial += 6000
        for r in range(rounds):
            for writers in (1, 4):
                sides = ("ours", "raw") if r % 2 == 0 else ("raw", "ours")
                for side in sides:
                    if side == "ours":
                        bodies = _bodies(serial, per_round, keyed=keyed)
                        serial += per_round
                        spy = _pyspy(ours_srv, window, f"command-http-{writers}-{r}") if profile else None
                        cpu0 = _cpu_s(ours_srv.pid)
                        out = _round(ours_srv, "/graphql", auth, bodies, concurrency=writers, window=window,
                                     warmup=warmup, name=f"command-http-ours-{writers}-{r}", expect="residentId")
                        if spy is not None:
                            spy.wait(timeout=window + 60)
                        # the whole round (warm-up included) over the requests answered in it (approximately)
                        done = out["requests"] * (window + warmup) / window
                        out["server_cpu_ms_each"] = round(1000 * (_cpu_s(ours_srv.pid) - cpu0) / max(done, 1), 3)
                    else:
                        out = _round(raw_srv, "/insert", {}, ["{}"], concurrency=writers, window=window,
                                     warmup=warmup, name=f"command-http-raw-{writers}-{r}", expect='"ok"')
                    rps[f"{side}{writers}"].append(out["rps"])
                    detail.append({"side": side, "writers": writers, **out})
                    log(f"  {side:4s} {writers} writer(s): {out['rps']:,.0f}/s, p50 "
                        f"{(out['latency_ms'] or {}).get('p50')} ms, {out['errors']} errors"
                        f"{', server CPU ' + str(out['server_cpu_ms_each']) + ' ms each' if 'server_cpu_ms_each' in out else ''}"
                        f"{': ' + out['first_error'] if out.get('first_error') else ''}")
    finally:
        ours_srv.stop()
        raw_srv.stop()
    return {"rounds": detail, **{f"rps_{k}": summary(v) for k, v in rps.items()},
            "command_http_ratio_1": paired_ratio(rps["ours1"], rps["raw1"]),
            "command_http_scaling_4": paired_ratio(rps["ours4"], rps["ours1"]),
            "raw_http_scaling_4": paired_ratio(rps["raw4"], rps["raw1"]),
            **{f"server_cpu_ms_each_{n}": summary([r["server_cpu_ms_each"] for r in detail
                                                   if r["side"] == "ours" and r["writers"] == n]) for n in (1, 4)}}


def measure(*, rounds: int, window: float, warmup: float, log: Any = print, profile: bool = False,
            keyed: bool = False, master_key: bytes | None = None, jwt_secret: str | None = None) -> dict[str, Any]:
    """`run` on a fresh database of its own (dropped afterwards), as `civicledger bench` and `main` call it."""
    from bench.harness import _create_read_models, bench_database  # (the harness imports this module)

    master_key = master_key or secrets.token_bytes(32)
    jwt_secret = jwt_secret or secrets.token_urlsafe(32)
    with bench_database(log) as params:
        settings = Settings(database_url=params.url, master_key=master_key, jwt_secret=jwt_secret,
                            environment="production")
        asyncio.run(_create_read_models(settings, params))
        env = {
            "DATABASE_URL": params.url, "CIVICLEDGER_JWT_SECRET": jwt_secret,
            "CIVICLEDGER_MASTER_KEY": base64.b64encode(master_key).decode(), "CIVICLEDGER_ENV": "production",
            "CIVICLEDGER_CHECKPOINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CIVICLEDGER_CHAIN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CIVICLEDGER_WITNESS": f"file:{servers.WORK_DIR / 'witness.jsonl'}",
        }
        token = issue_token(jwt_secret, subject="bench-desk", role=Role.ADMIN, office="CIVIL-AFFAIRS-BUREAU",
                            scopes=frozenset({Scope.READ, Scope.COMMAND}), ttl_seconds=6 * 3600)
        out = run(env, token, rounds=rounds, window=window, warmup=warmup, log=log, profile=profile, keyed=keyed)
    out.update(rounds_n=rounds, window_s=window, warmup_s=warmup, keyed=keyed)
    return out


def main(argv: list[str]) -> int:
    from bench.harness import Log

    parser = argparse.ArgumentParser(prog="python -m bench.command_http")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s windows")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--idempotency-keys", action="store_true", help="every mutation carries a new key")
    parser.add_argument("--profile", action="store_true", help="py-spy the server: bench/.work/pyspy-command-http-*")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.window, args.warmup = 2, 3.0, 1.0
    out = measure(rounds=args.rounds, window=args.window, warmup=args.warmup, log=Log(), profile=args.profile,
                  keyed=args.idempotency_keys)
    print(json.dumps({k: v for k, v in out.items() if k != "rounds"}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
