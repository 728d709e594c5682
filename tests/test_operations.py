"""What operators meet first: every environment variable documented (README and `--help`), every CLI option
with help text, production refusing development secrets with a message and EX_CONFIG, and `civicledger demo`
printing its tokens before it serves — also into a file."""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from civicledger.cli import build_parser
from civicledger.environment import VARIABLES
from tests.api.servers import free_port
from tests.dbutil import fresh_database

ROOT = Path(__file__).resolve().parent.parent
USED = re.compile(r"\b(CIVICLEDGER_[A-Z0-9_]+|DATABASE_URL|PROMETHEUS_MULTIPROC_DIR)\b")


def variables_read_by_the_package() -> set[str]:
    return {name for path in (ROOT / "civicledger").rglob("*.py") for name in USED.findall(path.read_text())}


def test_every_environment_variable_is_in_the_table_the_readme_and_help() -> None:
    documented = {name for name, _, _ in VARIABLES}
    readme = (ROOT / "README.md").read_text()
    help_text = build_parser().format_help()

    assert variables_read_by_the_package() <= documented
    assert [name for name in documented if name not in readme] == []
    assert [name for name in documented if name not in help_text] == []


def test_every_cli_option_has_help_text() -> None:
    missing = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append((path, action.option_strings or action.dest))

    walk(build_parser(), [])

    assert missing == []


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The caller's own configuration (CI exports DATABASE_URL) is not the configuration under test.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CIVICLEDGER_", "DATABASE_"))}
    return subprocess.run([sys.executable, "-m", "civicledger.cli", *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


GOOD = {"CIVICLEDGER_ENV": "production", "CIVICLEDGER_JWT_SECRET": "a-real-secret-" + "k" * 30,
        "DATABASE_URL": "postgresql://civicledger@db.example.internal:5432/civicledger",
        "CIVICLEDGER_MASTER_KEY": b64(bytes(range(1, 33))[::-1]), "CIVICLEDGER_CHECKPOINT_KEY": b64(b"c" * 31 + b"d"),
        "CIVICLEDGER_CHAIN_KEY": b64(b"m" * 30 + b"ac")}


GOOD_CHECKPOINT = GOOD["CIVICLEDGER_CHECKPOINT_KEY"]


@pytest.mark.parametrize(("change", "says"), [
    ({"CIVICLEDGER_JWT_SECRET": None}, "CIVICLEDGER_JWT_SECRET is the development secret"),
    ({"CIVICLEDGER_JWT_SECRET": "short"}, "shorter than 32"),
    ({"CIVICLEDGER_MASTER_KEY": None}, "CIVICLEDGER_MASTER_KEY must be set in production"),
    ({"CIVICLEDGER_CHAIN_KEY": None}, "CIVICLEDGER_CHAIN_KEY must be set in production"),
    ({"DATABASE_URL": None}, "DATABASE_URL must be set in production"),
    ({"CIVICLEDGER_MASTER_KEY": b64(bytes(range(32)))}, "CIVICLEDGER_MASTER_KEY is a well-known development value"),
    ({"CIVICLEDGER_CHECKPOINT_KEY": b64(bytes(32))}, "CIVICLEDGER_CHECKPOINT_KEY is a well-known development value"),
    ({"CIVICLEDGER_CHECKPOINT_KEY": GOOD["CIVICLEDGER_MASTER_KEY"]}, "are the same key"),
    ({"CIVICLEDGER_MASTER_KEY": "not base64!"}, "CIVICLEDGER_MASTER_KEY is not valid base64"),
    ({"CIVICLEDGER_CHAIN_KEY": b64(b"short")}, "CIVICLEDGER_CHAIN_KEY must be 32 bytes"),
    ({"CIVICLEDGER_CHAIN_KEY": GOOD_CHECKPOINT}, "CIVICLEDGER_CHECKPOINT_KEY and CIVICLEDGER_CHAIN_KEY are the same"),
    ({"CIVICLEDGER_READ_POOL_SIZE": "eight"}, "invalid environment"),
])
def test_production_refuses_development_secrets_with_a_message_not_a_traceback(tmp_path: Path, change: dict[str, str],
                                                                                says: str) -> None:
    env = {**GOOD, "CIVICLEDGER_DATA_DIR": str(tmp_path), **change}

    result = run_cli("token", "--role", "admin", env={k: v for k, v in env.items() if v is not None})

    assert result.returncode == 78, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_production_refuses_the_key_a_development_run_left_in_the_data_directory(tmp_path: Path) -> None:
    run_cli("token", "--role", "admin", env={"CIVICLEDGER_DATA_DIR": str(tmp_path)})  # development: makes its keys
    dev_key = (tmp_path / "master.key").read_text().strip()

    result = run_cli("token", "--role", "admin", env={**GOOD, "CIVICLEDGER_DATA_DIR": str(tmp_path),
                                                      "CIVICLEDGER_MASTER_KEY": dev_key})

    assert result.returncode == 78 and "the development key kept in" in result.stderr


def test_production_starts_with_real_secrets(tmp_path: Path) -> None:
    result = run_cli("token", "--role", "admin", env={**GOOD, "CIVICLEDGER_DATA_DIR": str(tmp_path)})

    assert result.returncode == 0 and result.stdout.count(".") == 2  # a JWT


def test_demo_prints_tokens_and_samples_before_serving_even_into_a_file(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "demo.out"
    with fresh_database("civicledger_demo") as params, out.open("w") as stdout:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("CIVICLEDGER_")},
               "DATABASE_URL": params.url, "CIVICLEDGER_DATA_DIR": str(tmp_path / "data")}
        demo = subprocess.Popen([sys.executable, "-m", "civicledger.cli", "demo", "--residents", "5", "--port",
                                 str(port)], stdout=stdout, stderr=subprocess.DEVNULL, env=env)
        try:
            serving = False
            for _ in range(600):
                if demo.poll() is not None:
                    break
                try:
                    serving = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
                except httpx.HTTPError:
                    serving = False
                if serving:
                    break
                time.sleep(0.1)
            printed = out.read_text()  # while the server runs: what was flushed before it started
            token = re.search(r"caseworker\s+(\S+)", printed)
            answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ viewer { role } }"},
                                headers={"Authorization": f"Bearer {token.group(1)}"}, timeout=10) if token else None
            console = re.search(r"Caseworker console: (\S+)", printed)
            console_page = httpx.get(console.group(1), timeout=10) if console else None
        finally:
            demo.send_signal(signal.SIGINT)
            try:
                demo.wait(timeout=30)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()

    assert serving, printed
    assert "Tokens (valid 7 days):" in printed and "Sample query" in printed and "GraphiQL:" in printed
    assert answer is not None and answer.json() == {"data": {"viewer": {"role": "caseworker"}}}
    assert console_page is not None and console_page.status_code == 200 and "cl-config" in console_page.text
