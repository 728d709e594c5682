"""Container health checks, with nothing but the Python the image already has (the slim image has no curl).

    python -m civicledger.ops.health --url http://127.0.0.1:8000/readyz   # the API: 200 means healthy
    python -m civicledger.ops.health --max-lag 100000                     # the worker: read models keep up

Exit 0 when healthy, 1 when not (Docker's HEALTHCHECK contract), with one line saying why."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence


def check_url(url: str, timeout: float) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{url}: {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: {exc.code}"
    except OSError as exc:
        return False, f"{url}: {exc}"


async def projection_lag(database_url: str, timeout: float) -> dict[str, int]:
    """Events each read model is behind the log's newest position (its tracking row against the log)."""
    import asyncpg

    from civicledger.core.db import ConnectionParams
    from civicledger.programs import read_model_names
    from civicledger.projections.runner import TRACKING

    params = ConnectionParams.from_url(database_url)
    conn = await asyncpg.connect(params.url, timeout=timeout, command_timeout=timeout)
    try:
        newest = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM events")
        names = read_model_names()
        rows = await conn.fetch(f"SELECT application_name, notification_id FROM {TRACKING}"
                                " WHERE application_name = ANY($1)", names)
    finally:
        await conn.close()
    tracked = {r["application_name"]: r["notification_id"] or 0 for r in rows}
    return {name: newest - tracked.get(name, 0) for name in names}


def check_lag(max_lag: int, timeout: float) -> tuple[bool, str]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return False, "DATABASE_URL is not set"
    try:
        lag = asyncio.run(projection_lag(url, timeout))
    except Exception as exc:  # any failure to look is unhealthy, and says why
        return False, f"database: {exc!r}"
    behind = {name: n for name, n in lag.items() if n > max_lag}
    if behind:
        return False, "read models behind the log: " + ", ".join(f"{k} by {v:,}" for k, v in sorted(behind.items()))
    return True, f"{len(lag)} read models within {max_lag:,} events of the log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m civicledger.ops.health", description=__doc__)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--url", help="GET this URL; healthy when it answers 200")
    what.add_argument("--max-lag", type=int, help="healthy when every read model is within this many events")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    ok, why = check_url(args.url, args.timeout) if args.url else check_lag(args.max_lag, args.timeout)
    print(("healthy: " if ok else "unhealthy: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
