"""Child processes for operations tooling: free loopback ports, commands run as the `postgres` user when we
are root (PostgreSQL refuses to run as root), services started and always stopped, HTTP probes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson


def free_port(first: int, last: int) -> int:
    """The first port in [first, last] that nothing listens on (loopback)."""
    for port in range(first, last + 1):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def as_postgres(command: Sequence[str]) -> list[str]:
    """PostgreSQL and Patroni refuse root: as root, run the command as `postgres`; otherwise as ourselves."""
    if os.geteuid() == 0:
        import shutil

        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *command]
    return list(command)


def give_to_postgres(path: Path) -> None:
    """A directory the `postgres` user can use (only matters when we are root)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam("postgres")
        for p in [path, *path.rglob("*")]:
            os.chown(p, entry.pw_uid, entry.pw_gid)


class Service:
    """A long-running child process with its output in a log file; stopped (then killed) on `stop`."""

    def __init__(self, name: str, command: Sequence[str], *, env: dict[str, str] | None = None,
                 log_dir: Path, cwd: Path | None = None) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self._log.close()


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of GET url, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def wait_until(predicate: Any, *, timeout: float, interval: float = 0.2, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
              timeout: float = 30.0) -> tuple[int, dict[str, Any]]:
    """POST a JSON body; the status and the decoded answer (HTTP errors included, not raised)."""
    request = urllib.request.Request(url, data=orjson.dumps(body), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, orjson.loads(raw)
        except orjson.JSONDecodeError:
            return exc.code, {"errors": [{"message": raw.decode(errors="replace")}]}


@contextlib.contextmanager
def work_directory(prefix: str) -> Iterator[Path]:
    """A fresh directory the `postgres` user can reach (pytest's tmp_path is root-only), removed afterwards."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    try:
        path.chmod(0o755)
        give_to_postgres(path)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
