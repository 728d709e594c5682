"""Reading docker-compose.yml and .env.example as Docker would, so that a test can run what they say
without a Docker engine: `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolation, anchors merged."""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name, "")
        if current:
            return current
        if op == ":?":
            raise MissingVariable(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(one, value)


def compose_file(env: dict[str, str]) -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return interpolate(raw, env)  # type: ignore[no-any-return]


def env_example() -> dict[str, str]:
    """The variables .env.example names, with the values it gives (empty: the operator must fill them)."""
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name.strip()] = value.strip()
    return out


def generated_secrets(names: dict[str, str]) -> dict[str, str]:
    """What an operator following .env.example writes: 32-byte keys for *_KEY, long random passwords else."""
    return {name: base64.b64encode(secrets.token_bytes(32)).decode() if name.endswith("_KEY")
            else secrets.token_urlsafe(36) for name in names}
