"""The compose stack's configuration, run without Docker (no engine on CI): the API and worker commands the
compose file gives, with the production settings it gives and secrets generated the way .env.example says,
against a fresh database; the compose health checks decide when they are up; a mutation and a read through
the worker's projections answer; a missing secret is refused with a clear message and EX_CONFIG."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from civicledger.core.auth import Role, issue_token
from civicledger.core.db import ConnectionParams
from civicledger.ops.processes import Service, free_port, post_json, wait_until
from tests.conftest import new_id_number
from tests.ops.compose import ROOT, MissingVariable, compose_file, env_example, generated_secrets

BIN = Path(sys.executable).parent
SECRETS = ("POSTGRES_PASSWORD", "CIVICLEDGER_JWT_SECRET", "CIVICLEDGER_MASTER_KEY", "CIVICLEDGER_CHECKPOINT_KEY",
           "CIVICLEDGER_CHAIN_KEY")
REGISTER = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId position } }"""
READ = """query($id: ID!) { resident(id: $id) { name timeline(first: 5) { edges { node { kind } } } } }"""


def service_env(compose: dict[str, Any], service: str, database: ConnectionParams, data_dir: Path) -> dict[str, str]:
    """The service's environment from the compose file; only the database's address is this machine's."""
    env = {k: str(v) for k, v in compose["services"][service]["environment"].items()}
    url = ConnectionParams.from_url(env["DATABASE_URL"])
    assert url.connect_timeout == 5 and url.dbname == "civicledger"
    env["DATABASE_URL"] = database.url
    # The witness volume, here a directory of the test's own.
    assert env["CIVICLEDGER_WITNESS"].startswith("file:/var/lib/civicledger-witness/")
    env["CIVICLEDGER_WITNESS"] = f"file:{data_dir / 'witness.jsonl'}"
    # Small pools: the CI machine's server is shared (the compose defaults open 8 + 8 per process).
    return {**env, "PATH": f"{BIN}:{os.environ['PATH']}", "CIVICLEDGER_DATA_DIR": str(data_dir),
            "CIVICLEDGER_DB_POOL_SIZE": "2", "CIVICLEDGER_READ_POOL_SIZE": "2"}


def command(compose: dict[str, Any], service: str, port: int | None = None) -> list[str]:
    cmd = [str(c) for c in compose["services"][service]["command"]]
    return [str(BIN / cmd[0]) if cmd[0] == "civicledger" else cmd[0], *(
        str(port) if port and c == "8000" else c for c in cmd[1:])]


def healthcheck(compose: dict[str, Any], service: str, port: int | None = None) -> list[str]:
    test = [str(t) for t in compose["services"][service]["healthcheck"]["test"]]
    assert test[0] == "CMD"
    argv = [t.replace(":8000/", f":{port}/") if port else t for t in test[1:]]
    return [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]


def test_the_compose_file_and_the_image_follow_the_rules() -> None:
    example = env_example()
    assert set(SECRETS) <= set(example) and not any(example[name] for name in SECRETS)
    with pytest.raises(MissingVariable, match="CIVICLEDGER_CHECKPOINT_KEY"):
        compose_file({**generated_secrets(example), "CIVICLEDGER_CHECKPOINT_KEY": ""})
    compose = compose_file(generated_secrets(example))
    for name in ("api", "worker"):
        service = compose["services"][name]
        assert service["environment"]["CIVICLEDGER_ENV"] == "production"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["healthcheck"]["test"][0] == "CMD"
    assert "/readyz" in " ".join(compose["services"]["api"]["healthcheck"]["test"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt" in dockerfile and "COPY constraints.txt" in dockerfile
    assert "\nUSER civicledger" in dockerfile and "HEALTHCHECK" in dockerfile
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        env = {**os.environ, **generated_secrets(example)}
        checked = subprocess.run(["docker", "compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True)
        assert checked.returncode == 0, checked.stderr.decode()


def test_a_missing_secret_is_refused_with_a_clear_message(scratch_db: ConnectionParams, tmp_path: Path) -> None:
    compose = compose_file(generated_secrets(env_example()))
    env = service_env(compose, "api", scratch_db, tmp_path)
    del env["CIVICLEDGER_CHECKPOINT_KEY"]
    env["CIVICLEDGER_MASTER_KEY"] = "not-base64!"

    for service in ("api", "worker"):
        done = subprocess.run(command(compose, service, 18039), env=env, capture_output=True, text=True, timeout=60)

        assert done.returncode == 78, done.stderr
        assert "CIVICLEDGER_CHECKPOINT_KEY must be set in production" in done.stderr
        assert "CIVICLEDGER_MASTER_KEY is not valid base64" in done.stderr
        assert "Traceback" not in done.stderr


def test_the_compose_services_start_healthy_and_answer(scratch_db: ConnectionParams, tmp_path: Path) -> None:
    secrets_ = generated_secrets(env_example())
    compose = compose_file(secrets_)
    port = free_port(18020, 18038)
    services = [Service("worker", command(compose, "worker"), env=service_env(compose, "worker", scratch_db, tmp_path),
                        log_dir=tmp_path),
                Service("api", command(compose, "api", port), env=service_env(compose, "api", scratch_db, tmp_path),
                        log_dir=tmp_path)]
    try:
        check = healthcheck(compose, "api", port)
        try:  # generous: CI's machine is shared, and start-up imports everything and prepares the schema
            wait_until(lambda: subprocess.run(check, capture_output=True).returncode == 0, timeout=240,
                       what="a healthy API (its compose health check: /readyz)")
        except TimeoutError:
            raise AssertionError("\n".join(f"--- {s.name}\n{s.log_tail()}" for s in services)) from None
        token = issue_token(secrets_["CIVICLEDGER_JWT_SECRET"], subject="cw-compose", role=Role.CASEWORKER,
                            district="HAIZHU", office="HAIZHU-JIANGHAI-STATION")
        auth = {"Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{port}/graphql"

        status, written = post_json(url, {"query": REGISTER, "variables": {"i": {
            "name": "周晓梅", "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街",
            "community": "红卫社区", "idempotencyKey": "compose-smoke-1"}}}, auth)
        assert status == 200 and "errors" not in written, written
        registered = written["data"]["registerResident"]
        status, read = post_json(url, {"query": READ, "variables": {"id": registered["residentId"]},
                                       "extensions": {"minPosition": registered["position"]}}, auth)

        assert status == 200 and "errors" not in read, read
        assert read["data"]["resident"]["name"] == "周晓梅"
        assert [e["node"]["kind"] for e in read["data"]["resident"]["timeline"]["edges"]] == ["resident.registered"]
        worker_check = subprocess.run(healthcheck(compose, "worker"), env=service_env(compose, "worker", scratch_db,
                                                                                      tmp_path), capture_output=True)
        assert worker_check.returncode == 0, worker_check.stdout
        assert all(s.running for s in services), [s.log_tail() for s in services]
    finally:
        for service in services:
            service.stop()
