"""Soak: mixed caseworker traffic against one `civicledger serve` for minutes (issue 10: "p99 and memory flat").

    python -m bench.soak --minutes 5 --concurrency 8 --write-share 0.2 --residents 400

One server process as deployed (`civicledger serve`: API, projections, checkpointer, sealer), a fresh
database, residents registered over HTTP first; then `concurrency` clients in a closed loop for `minutes`:
reads (a resident with their household's members, a 50-entry timeline page, a search by name in a district)
and writes (address changes with idempotency keys, new registrations), `write-share` of them writes, each
client on a random resident. Every response is checked (status 200, no `errors`).

Per minute: requests, errors, p50 and p99 latency, and the server's resident memory (VmRSS of its process
tree, sampled every 5 s). Flatness: the last minute's p99 ÷ the first's, and the memory growth from the end of
the first minute to the end. Prints one JSON line (also written to bench/.work/soak.json); figures go in
bench/RESULTS.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench import servers
from bench.harness import bench_database
from bench.procinfo import tree
from civicledger.core.auth import Role, Scope, issue_token
from civicledger.settings import DEV_JWT_SECRET

REGISTER = ("mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId "
            "resident { id } } }")
MOVE = "mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) { position } }"
RESIDENT = ("query($id: ID!) { resident(id: $id) { name idNumber household { members { relationship "
            "resident { name } } } } }")
TIMELINE = ("query($id: ID!) { resident(id: $id) { timeline(first: 50) { edges { node { occurredAt program kind "
            "summary position } } } } }")
SEARCH = ("query($name: String!) { residents(filter: {name: $name, district: \"HAIZHU\"}, first: 20) "
          "{ edges { node { id name } } } }")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
STREETS = ["江海街", "南华西街", "龙凤街", "沙园街", "赤岗街"]


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def id_number(n: int) -> str:
    """A valid mainland ID number (GB 11643 check digit), unique per n."""
    body = f"440105{1940 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Traffic:
    def __init__(self, client: httpx.AsyncClient, bearer: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {bearer}"}
        self.residents: list[str] = []
        self.serial = int(time.time()) % 10_000 * 1000

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables},
                                          headers=self.headers)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{response.status_code}: {str(body)[:300]}")
        return body["data"]  # type: ignore[no-any-return]

    async def register(self) -> None:
        self.serial += 1
        name = random.choice(SURNAMES) + random.choice("伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞")
        data = await self.call(REGISTER, {"i": {"name": name, "idNumber": id_number(self.serial), "district": "HAIZHU",
                                                "street": random.choice(STREETS), "community": "红卫社区",
                                                "idempotencyKey": f"soak-{uuid.uuid4()}"}})
        self.residents.append(data["registerResident"]["resident"]["id"])

    async def one(self, write_share: float) -> str:
        roll = random.random()
        if roll < write_share * 0.8:
            # a new grid cell each time: an address change that changes nothing is (rightly) refused
            await self.call(MOVE, {"i": {"residentId": random.choice(self.residents), "district": "HAIZHU",
                                         "street": random.choice(STREETS),
                                         "community": f"红卫社区{random.randint(1, 999_999)}网格",
                                         "idempotencyKey": f"soak-{uuid.uuid4()}"}})
            return "move"
        if roll < write_share:
            await self.register()
            return "register"
        kind = random.choice(("resident", "timeline", "search"))
        if kind == "search":
            await self.call(SEARCH, {"name": random.choice(SURNAMES)})
        else:
            await self.call(RESIDENT if kind == "resident" else TIMELINE, {"id": random.choice(self.residents)})
        return kind


async def soak(args: argparse.Namespace, port: int, server_pid: int) -> dict[str, Any]:
    bearer = issue_token(DEV_JWT_SECRET, subject="soak-caseworker", role=Role.CASEWORKER, district="HAIZHU",
                         office="HAIZHU-JIANGHAI-STATION", scopes=frozenset({Scope.READ, Scope.COMMAND}))
    limits = httpx.Limits(max_connections=args.concurrency + 2)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as client:
        traffic = Traffic(client, bearer)
        started = time.monotonic()
        while len(traffic.residents) < args.residents:
            await asyncio.gather(*(traffic.register() for _ in range(min(args.concurrency,
                                                                         args.residents - len(traffic.residents)))))
        log(f"{len(traffic.residents)} residents registered in {time.monotonic() - started:.1f}s")

        samples: list[tuple[float, float, bool]] = []  # (seconds since start, latency ms, ok)
        memory: list[tuple[float, float]] = []
        errors: list[str] = []
        start = time.monotonic()
        end = start + args.minutes * 60

        async def client_loop() -> None:
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    await traffic.one(args.write_share)
                    ok = True
                except Exception as exc:  # counted and shown, never hidden
                    ok = False
                    if len(errors) < 20:
                        errors.append(str(exc)[:300])
                samples.append((t0 - start, (time.monotonic() - t0) * 1000, ok))

        async def sampler() -> None:
            while time.monotonic() < end:
                memory.append((time.monotonic() - start, rss_mb(server_pid)))
                await asyncio.sleep(5)
            memory.append((time.monotonic() - start, rss_mb(server_pid)))

        async def progress() -> None:
            while time.monotonic() < end:
                await asyncio.sleep(30)
                done = [s for s in samples if s[0] >= time.monotonic() - start - 30]
                log(f"{time.monotonic() - start:5.0f}s: {len(done) / 30:.0f} req/s, "
                    f"rss {memory[-1][1] if memory else 0:.0f} MB, errors {sum(not s[2] for s in samples)}")

        await asyncio.gather(sampler(), progress(), *(client_loop() for _ in range(args.concurrency)))

    minutes = []
    for m in range(args.minutes):
        window = [s for s in samples if m * 60 <= s[0] < (m + 1) * 60]
        latencies = sorted(s[1] for s in window if s[2])
        rss = [r for t, r in memory if t <= (m + 1) * 60 + 1]
        minutes.append({
            "minute": m + 1, "requests": len(window), "errors": sum(not s[2] for s in window),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2) if len(latencies) >= 100 else None,
            "rss_mb": round(rss[-1], 1) if rss else None,
        })
    first, last = minutes[0], minutes[-1]
    return {
        "soak_minutes": args.minutes, "concurrency": args.concurrency, "write_share": args.write_share,
        "residents_at_start": args.residents, "requests": len(samples), "errors": sum(not s[2] for s in samples),
        "soak_p99_ratio_last_first": round(last["p99_ms"] / first["p99_ms"], 2)
        if first["p99_ms"] and last["p99_ms"] else None,
        "soak_rss_growth_mb": round(last["rss_mb"] - first["rss_mb"], 1)
        if first["rss_mb"] is not None and last["rss_mb"] is not None else None,
        "per_minute": minutes, "first_errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=5, help="how long the mixed traffic runs (default 5)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in the closed loop (default 8)")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of requests that write (default 0.2)")
    parser.add_argument("--residents", type=int, default=400, help="residents registered before (default 400)")
    args = parser.parse_args(argv)
    servers.WORK_DIR.mkdir(parents=True, exist_ok=True)
    with bench_database(log) as params, tempfile.TemporaryDirectory(prefix="civicledger-soak-") as data_dir, \
            (Path(data_dir) / "server.log").open("w") as server_log:
        port = servers.free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CIVICLEDGER_")},
               "DATABASE_URL": params.url, "CIVICLEDGER_DATA_DIR": data_dir, "CIVICLEDGER_ACCESS_LOG": "off"}
        server = subprocess.Popen([sys.executable, "-m", "civicledger.cli", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=server_log)
        try:
            for _ in range(120):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            else:
                raise SystemExit("the server did not become ready: " + (Path(data_dir) / "server.log").read_text()[-2000:])
            result = asyncio.run(soak(args, port, server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    (servers.WORK_DIR / "soak.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, separators=(",", ":")))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
