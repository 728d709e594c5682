"""Every environment variable CivicLedger reads, in one table (`civicledger --help` prints it; the README has it;
a test keeps both complete), and the start-up refusal of development secrets in production."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from civicledger.settings import Settings

# (name, default, what it does)
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("DATABASE_URL", "(embedded PostgreSQL)", "PostgreSQL to use; unset: an embedded server in the data directory"),
    ("CIVICLEDGER_ENV", "development", "`production` refuses development secrets, masks unexpected errors and "
                                       "serves no GraphiQL"),
    ("CIVICLEDGER_DATA_DIR", "~/.local/share/civicledger", "embedded database and development keys"),
    ("CIVICLEDGER_JWT_SECRET", "(development secret)", "HS256 secret of bearer tokens; production: 32+ characters"),
    ("CIVICLEDGER_MASTER_KEY", "(random, in the data directory)", "base64 of 32 bytes: wraps every resident's data "
                                                                  "key; required in production"),
    ("CIVICLEDGER_CHECKPOINT_KEY", "(random, in the data directory)", "base64 Ed25519 seed (32 bytes) that signs "
                                                                      "checkpoints; required in production"),
    ("CIVICLEDGER_CHECKPOINT_INTERVAL_S", "60", "seconds between checkpoints of the log"),
    ("CIVICLEDGER_DB_POOL_SIZE", "8", "write-side connections (and command threads) per process"),
    ("CIVICLEDGER_READ_POOL_SIZE", "8", "read-side (asyncpg) connections per process"),
    ("CIVICLEDGER_RESPONSE_CACHE", "on", "`off`: no cached compiled responses"),
    ("CIVICLEDGER_MAX_BODY_BYTES", "1048576", "largest request body (and query string); larger is 413/414"),
    ("CIVICLEDGER_STATEMENT_TIMEOUT_MS", "15000", "longest statement an API request may run (0: none); "
                                                  "longer is STATEMENT_TIMEOUT"),
    ("CIVICLEDGER_CORS_ORIGINS", "(none: CORS off)", "comma-separated origins whose browser pages may call the API"),
    ("CIVICLEDGER_ACCESS_LOG", "on", "`off`: no JSON access line per request (logger civicledger.access)"),
    ("CIVICLEDGER_RUN_PROJECTIONS", "(set by serve)", "internal: whether an API worker process runs projections"),
    ("PROMETHEUS_MULTIPROC_DIR", "(set by serve --workers N)", "where API processes share /metrics counters"),
)

# Keys that must never protect production data: all-zero, one repeated byte, 0..31 (the test suites' key).
_WELL_KNOWN_KEYS = {bytes(range(32)), *(bytes([b]) * 32 for b in range(256))}


def help_text() -> str:
    width = max(len(name) for name, _, _ in VARIABLES)
    lines = ["environment variables:"]
    lines += [f"  {name:<{width}}  {what} (default: {default})" for name, default, what in VARIABLES]
    return "\n".join(lines)


class ConfigurationError(RuntimeError):
    """The settings cannot be used as given; the CLI prints the message and exits with EX_CONFIG (78)."""

    exit_code = 78


def refuse_development_secrets(settings: Settings) -> None:
    """Production must not start with a development secret: the known JWT secret (or a short one), a key left
    at a well-known value, a key equal to the one a development run keeps in the data directory, or one key
    used for both purposes."""
    from civicledger.settings import DEV_JWT_SECRET

    problems = []
    if settings.jwt_secret == DEV_JWT_SECRET:
        problems.append("CIVICLEDGER_JWT_SECRET is the development secret")
    elif len(settings.jwt_secret) < 32:
        problems.append("CIVICLEDGER_JWT_SECRET is shorter than 32 characters")
    for variable, key, dev_file in (("CIVICLEDGER_MASTER_KEY", settings.master_key, "master.key"),
                                    ("CIVICLEDGER_CHECKPOINT_KEY", settings.checkpoint_key,
                                     "checkpoint-signing.key")):
        if not key:
            problems.append(f"{variable} is not set")
        elif key in _WELL_KNOWN_KEYS:
            problems.append(f"{variable} is a well-known development value")
        elif key == _development_key(settings.data_dir / dev_file):
            problems.append(f"{variable} is the development key kept in {settings.data_dir / dev_file}")
    if settings.master_key and settings.master_key == settings.checkpoint_key:
        problems.append("CIVICLEDGER_MASTER_KEY and CIVICLEDGER_CHECKPOINT_KEY are the same key")
    if problems:
        raise ConfigurationError("production refuses to start: " + "; ".join(problems) +
                                 ". Set real secrets (see `civicledger --help`).")


def _development_key(path: Path) -> bytes | None:
    try:
        return base64.b64decode(path.read_text().strip()) if path.is_file() else None
    except (OSError, ValueError):
        return None
