"""A small HTTP/1.1 keep-alive load generator, run in its own process (`python -m bench.loadgen SPEC.json`).

Raw asyncio protocols on uvloop (when installed), pre-rendered requests, Content-Length and chunked bodies,
no HTTP library in the loop, so one process drives far more requests per second than a single server
process answers. The same generator is used for every side of every comparison.

Modes:
- `throughput`: `concurrency` connections in a closed loop for `warmup + duration` seconds; each request
  picks a random body (the workload is spread over thousands of residents); only requests that start after
  the warm-up and finish inside the window count.
- `sequence`: one connection, the given (tag, body[, APQ fallback body]) list in order (e.g. A B A B ...),
  latencies by tag.

Every response is checked: status 200, the expected marker present, no `"errors"` key. APQ: a response
saying PERSISTED_QUERY_NOT_FOUND is answered by sending the fallback body (hash + query) on the same
connection, as an APQ client does; both round trips count as one request.
Prints one JSON object on stdout."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import resource
import sys
import time
from typing import Any

NOT_FOUND = b"PERSISTED_QUERY_NOT_FOUND"


class HTTPConnection(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None and not self.waiter.done():
            parsed = parse_response(self.buf)
            if parsed is not None:
                status, body, used = parsed
                del self.buf[:used]
                self.waiter.set_result((status, body))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter


def parse_response(buf: bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes used) when `buf` holds a whole response, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).lower()
    status = int(head[9:12])
    start = end + 4
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        j = head.find(b"\r\n", i + 2)
        length = int(head[i + 17: j if j >= 0 else len(head)].strip())
        if len(buf) < start + length:
            return None
        return status, bytes(buf[start:start + length]), start + length
    if b"\r\ntransfer-encoding: chunked" in head:
        body = bytearray()
        pos = start
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
            pos = line_end + 2
            if size == 0:
                trailer_end = buf.find(b"\r\n", pos)
                if trailer_end < 0:
                    return None
                # Trailers (rare) end with an empty line; without trailers the next two bytes are CRLF.
                while trailer_end != pos:
                    pos = trailer_end + 2
                    trailer_end = buf.find(b"\r\n", pos)
                    if trailer_end < 0:
                        return None
                return status, bytes(body), trailer_end + 2
            if len(buf) < pos + size + 2:
                return None
            body += buf[pos:pos + size]
            pos += size + 2
    return status, b"", start  # no body (e.g. 204)


def render(spec: dict[str, Any], body: str) -> bytes:
    data = body.encode()
    head = f"POST {spec['path']} HTTP/1.1\r\nHost: {spec['host']}:{spec['port']}\r\n"
    for name, value in spec.get("headers", {}).items():
        head += f"{name}: {value}\r\n"
    head += f"Content-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


class Checker:
    def __init__(self, expect: str | None) -> None:
        self.expect = expect.encode() if expect else None
        self.errors = 0
        self.first_error: str | None = None

    def ok(self, status: int, body: bytes) -> bool:
        good = status == 200 and (self.expect is None or self.expect in body) and b'"errors"' not in body
        if not good:
            self.errors += 1
            if self.first_error is None:
                self.first_error = f"HTTP {status}: {body[:300]!r}"
        return good


async def _exchange(conn: HTTPConnection, raw: bytes, fallback: bytes | None) -> tuple[int, bytes]:
    status, body = await conn.request(raw)
    if fallback is not None and NOT_FOUND in body:
        status, body = await conn.request(fallback)
    return status, body


async def throughput(spec: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    bodies = [render(spec, b) for b in spec["bodies"]]
    fallbacks = [render(spec, b) for b in spec["fallback_bodies"]] if spec.get("fallback_bodies") else None
    checker = Checker(spec.get("expect"))
    latencies: list[float] = []
    count = 0
    conns = [
        (await loop.create_connection(HTTPConnection, spec["host"], spec["port"]))[1]
        for _ in range(int(spec["concurrency"]))
    ]
    warmup, duration = float(spec.get("warmup", 1.0)), float(spec["duration"])
    t_start = time.perf_counter() + warmup
    t_end = t_start + duration
    cpu0 = _cpu()
    # "sequential": each body once, in order, shared by the connections (bodies that must not repeat).
    order = itertools.count() if spec.get("order") == "sequential" else None

    async def run(index: int, conn: HTTPConnection) -> None:
        nonlocal count
        rng = random.Random(int(spec.get("seed", 1)) * 1000 + index)
        n = len(bodies)
        while True:
            i = next(order) % n if order is not None else rng.randrange(n)
            t0 = time.perf_counter()
            if t0 >= t_end:
                return
            status, body = await _exchange(conn, bodies[i], fallbacks[i] if fallbacks else None)
            t1 = time.perf_counter()
            checker.ok(status, body)
            if t0 >= t_start and t1 <= t_end:
                count += 1
                latencies.append(t1 - t0)

    await asyncio.gather(*(run(i, c) for i, c in enumerate(conns)))
    cpu = _cpu() - cpu0
    for c in conns:
        if c.transport is not None:
            c.transport.close()
    return {"requests": count, "errors": checker.errors, "first_error": checker.first_error,
            "elapsed": duration, "rps": count / duration, "latency_ms": _percentiles(latencies),
            "loadgen_cpu_s": cpu, "loadgen_cpu_util": cpu / (warmup + duration)}


async def sequence(spec: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(HTTPConnection, spec["host"], spec["port"])
    checker = Checker(spec.get("expect"))
    steps = [(step[0], render(spec, step[1]), render(spec, step[2]) if len(step) > 2 and step[2] else None)
             for step in spec["steps"]]
    for _, raw, fallback in steps[: int(spec.get("warmup_steps", 0))]:
        checker.ok(*(await _exchange(conn, raw, fallback)))
    by_tag: dict[str, list[float]] = {}
    for tag, raw, fallback in steps:
        t0 = time.perf_counter()
        status, body = await _exchange(conn, raw, fallback)
        by_tag.setdefault(tag, []).append(time.perf_counter() - t0)
        checker.ok(status, body)
    if conn.transport is not None:
        conn.transport.close()
    return {"errors": checker.errors, "first_error": checker.first_error,
            "latency_ms": {tag: _percentiles(v) for tag, v in by_tag.items()}}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentiles(values: list[float]) -> dict[str, float | int | None]:
    from bench.stats import percentile

    ms = [v * 1000 for v in values]
    return {"p50": percentile(ms, 50), "p90": percentile(ms, 90), "p99": percentile(ms, 99),
            "max": max(ms) if ms else None, "n": len(ms)}


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    runner = throughput if spec.get("mode", "throughput") == "throughput" else sequence
    try:
        import uvloop

        result = uvloop.run(runner(spec))
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        result = asyncio.run(runner(spec))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
