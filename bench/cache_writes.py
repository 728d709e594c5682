"""`cache_gain_under_writes`: our API with its response cache on ÷ off while 10% of the requests are writes.

One server process at a time, each with its in-process projection runner (so that writes reach the read models
and the cache hears of them, as in `serve`), the same HTTP client and the same mix for both: closed loop,
`concurrency` clients, each request a random resident among `residents` (a working set: the files a desk has
open, each read once before measuring, on both sides); 90% read the resident's file (name,
version, the newest 20 timeline entries: the compiled hot read, which the cache serves), 10% correct that
resident's phone (`correctResidentDetails` over HTTP). Rounds alternate on / off and the figure is the median of
the paired ratios of requests per second (bench/stats.py). Before the resident-scoped invalidation of issue 12
every write emptied the cache and the figure was about 0.68."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
from collections.abc import Callable
from typing import Any

import httpx

from bench import read_path, servers
from bench.serve_app import PROJECTIONS_ENV, RESPONSE_CACHE_ENV
from bench.stats import paired_ratio, summary
from civicledger.core.auth import Role, Scope, issue_token

READ = ("query File($id: ID!) { resident(id: $id) { name version timeline(first: 20) "
        "{ edges { node { occurredAt program kind summary position } } } } }")
WRITE = ("mutation Correct($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) "
         "{ position } }")


def _mix(ids: list[str], write_share: float, count: int, seed: int) -> list[tuple[str, str]]:
    """The sequence of requests: ("read" | "write", resident)."""
    rng = random.Random(seed)
    return [("write" if rng.random() < write_share else "read", rng.choice(ids)) for _ in range(count)]


def _body(kind: str, rid: str, serial: int) -> bytes:
    if kind == "read":
        return json.dumps({"query": READ, "variables": {"id": rid}}).encode()
    phone = f"13{serial % 1_000_000_000:09d}"  # never the number it has: a correction that changes something
    return json.dumps({"query": WRITE, "variables": {"i": {"residentId": rid, "phone": phone,
                                                           "reason": "bench: the resident gave a new number"}}}).encode()


async def _prefill(port: int, token: str, ids: list[str], concurrency: int) -> None:
    """Every resident's file read once first (both sides alike): what the desk has open."""
    url = f"http://127.0.0.1:{port}/graphql"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30.0) as client:
        async def one(rid: str) -> None:
            async with gate:
                await client.post(url, content=_body("read", rid, 0), headers=headers)

        await asyncio.gather(*(one(rid) for rid in ids))


def _round(port: int, token: str, mix: list[tuple[str, str]], *, window: float, warmup: float,
           concurrency: int, serial: int, name: str) -> dict[str, Any]:
    """The bench's own load generator (bench/loadgen.py, a process of its own, raw keep-alive HTTP/1.1): a
    random body of the mix per request. Writes carry numbers never used before, so a correction always changes
    something (unless the same body is drawn twice for a resident nobody wrote meanwhile: then it is refused,
    cheaply, and counted in `errors`)."""
    spec = {"mode": "throughput", "host": "127.0.0.1", "port": port, "path": "/graphql",
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            "bodies": [_body(kind, rid, serial + i).decode() for i, (kind, rid) in enumerate(mix)],
            "concurrency": concurrency, "warmup": warmup, "duration": window, "seed": serial % 1000}
    out = read_path.run_loadgen(spec, name)
    return {"rps": out["rps"], "requests": out["requests"], "errors": out["errors"],
            "error_samples": [out["first_error"]] if out.get("first_error") else [],
            "latency_ms": out.get("latency_ms"), "writes": round(out["requests"] * sum(
                1 for kind, _ in mix if kind == "write") / max(len(mix), 1))}


def run(env: dict[str, str], jwt_secret: str, ids: list[str], *, rounds: int, window: float, warmup: float,
        concurrency: int, write_share: float = 0.1, log: Callable[[str], None] = print) -> dict[str, Any]:
    token = issue_token(jwt_secret, subject="bench-desk", role=Role.ADMIN, office="CIVIL-AFFAIRS-BUREAU",
                        scopes=frozenset({Scope.READ, Scope.COMMAND}), ttl_seconds=6 * 3600)
    mix = _mix(ids, write_share, 30_000, seed=12)
    serial = secrets.randbelow(10**8) * 10
    rps: dict[str, list[float]] = {"on": [], "off": []}
    rounds_out: list[dict[str, Any]] = []
    for r in range(rounds):
        for side in (("on", "off") if r % 2 == 0 else ("off", "on")):
            server = servers.uvicorn_server(f"cache-writes-{side}", "bench.serve_app:create_app", workers=1,
                                            env={**env, RESPONSE_CACHE_ENV: side, PROJECTIONS_ENV: "on"},
                                            path="/graphql")
            try:
                servers.wait_ready(server, {"query": "{ __typename }"}, {"Authorization": f"Bearer {token}"})
                asyncio.run(_prefill(server.port, token, ids, concurrency))
                result = _round(server.port, token, mix, window=window, warmup=warmup, concurrency=concurrency,
                                serial=serial, name=f"cache-writes-{side}-{r}")
                serial += 1_000_000
            finally:
                server.stop()
            rps[side].append(result["rps"])
            rounds_out.append({"cache": side, **result})
            log(f"  cache {side:3s}: {result['rps']:,.0f} requests/s ("
                f"~{result['writes']} writes, {result['errors']} errors{': ' + result['error_samples'][0] if result['error_samples'] else ''})")
    return {"write_share": write_share, "residents": len(ids), "concurrency": concurrency, "rounds": rounds_out,
            "rps_on": summary(rps["on"]), "rps_off": summary(rps["off"]),
            "cache_gain_under_writes": paired_ratio(rps["on"], rps["off"])}


def main(argv: list[str]) -> int:
    """Standalone, against a database that has residents and caught-up read models (e.g. `civicledger demo`)."""
    import psycopg


    parser = argparse.ArgumentParser(prog="python -m bench.cache_writes")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--write-share", type=float, default=0.1)
    args = parser.parse_args(argv)
    with psycopg.connect(args.database_url) as conn:
        rows = conn.execute("SELECT id FROM residents WHERE NOT erased ORDER BY seq LIMIT %s",
                            (args.residents,)).fetchall()
    ids = [str(r[0]) for r in rows]
    jwt_secret = secrets.token_urlsafe(32)
    # Development settings (keys from the data directory, as `civicledger demo` made them).
    env = {"DATABASE_URL": args.database_url, "CIVICLEDGER_JWT_SECRET": jwt_secret, "CIVICLEDGER_DB_POOL_SIZE": "4"}
    out = run(env, jwt_secret, ids, rounds=args.rounds, window=args.window, warmup=args.warmup,
              concurrency=args.concurrency, write_share=args.write_share,
              log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps({k: v for k, v in out.items() if k != "rounds"}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
