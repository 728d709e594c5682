"""Sampling profiles of a running server with py-spy (when installed: it is in the `test` extra), summarised
for RESULTS.md: where the event-loop thread spends its samples — its own frames and the inclusive time of
the layers (uvicorn, starlette, strawberry, graphql-core, asyncpg, our code)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

LOOP_MARKERS = ("asyncio/runners.py", "uvicorn/server.py", "uvloop")
IDLE_LEAVES = ("Runner.run (", "run_until_complete", "run_forever", "select (selectors.py")
# py-spy names a frame "function (package/module.py:line)".
LAYERS = (
    ("civicledger (our code)", "(civicledger/"),
    ("bench app factory", "(bench/"),
    ("strawberry (incl. what it calls)", "(strawberry/"),
    ("graphql-core validation", "(graphql/validation/"),
    ("graphql-core parsing", "(graphql/language/parser.py"),
    ("graphql-core execution", "(graphql/execution/"),
    ("asyncpg", "(asyncpg/"),
    ("starlette", "(starlette/"),
    ("uvicorn", "(uvicorn/"),
    ("pyjwt", "(jwt/"),
)


def executable() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path, *, subprocesses: bool = False) -> subprocess.Popen[bytes] | None:
    exe = executable()
    if exe is None:
        return None
    argv = [exe, "record", "-f", "raw", "-o", str(out), "-r", "250", "-d", str(max(1, int(seconds))), "-p", str(pid)]
    if subprocesses:
        argv.append("--subprocesses")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())


def summarise(path: Path, top: int = 22) -> str:
    own: Counter[str] = Counter()
    layer: Counter[str] = Counter()
    total = idle = 0
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return "(no profile recorded)"
    for line in lines:
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any(m in stack for m in LOOP_MARKERS):
            continue  # other threads (connection-pool workers waiting on queues)
        n = int(count)
        total += n
        leaf = frames[-1]
        if any(m in leaf for m in IDLE_LEAVES):
            idle += n
            continue
        own[leaf] += n
        seen = set()
        for name, marker in LAYERS:
            if name not in seen and any(marker in f for f in frames[1:]):
                layer[name] += n
                seen.add(name)
    if not total:
        return "(no samples of the event-loop thread)"
    out = [f"event-loop thread: {total} samples at 250 Hz; waiting in the loop (idle or in C I/O): {idle / total:.1%}",
           "", "inclusive share by layer (a sample counts for every layer on its stack):"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in layer.most_common()]
    out += ["", "own time, top frames:"]
    out += [f"  {n / total:6.1%}  {frame[:140]}" for frame, n in own.most_common(top)]
    return "\n".join(out)
