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
    ("DATABASE_URL", "(embedded PostgreSQL)", "the primary: a libpq URL, several hosts allowed "
                     "(`postgresql://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write&connect_timeout=3`); "
                     "required in production, otherwise an embedded server in the data directory"),
    ("DATABASE_READ_URL", "(none: reads from the primary)", "a replica for GraphQL reads (read-your-writes "
                                                            "waits for it)"),
    ("CIVICLEDGER_ENV", "development", "`production` refuses development secrets, masks unexpected errors and "
                                       "serves no GraphiQL"),
    ("CIVICLEDGER_DATA_DIR", "~/.local/share/civicledger", "embedded database, development keys, the default "
                                                           "witness file"),
    ("CIVICLEDGER_JWT_SECRET", "(development secret)", "HS256 secret of bearer tokens; production: 32+ characters"),
    ("CIVICLEDGER_MASTER_KEY", "(random, in the data directory)", "base64 of 32 bytes: wraps every resident's data "
                                                                  "key; required in production (keep it outside "
                                                                  "the database and its backups)"),
    ("CIVICLEDGER_CHECKPOINT_KEY", "(random, in the data directory)", "base64 Ed25519 seed (32 bytes) that signs "
                                                                      "checkpoints; required in production"),
    ("CIVICLEDGER_CHAIN_KEY", "(derived from the master key)", "base64 of 32 bytes: the HMAC key of every event's "
                                                               "and side record's MAC, never sent to the "
                                                               "database; required in production"),
    ("CIVICLEDGER_WITNESS", "file:<data dir>/witness.jsonl", "where checkpoints are also published, outside the "
                                                             "database (`file:PATH`, append-only JSON lines)"),
    ("CIVICLEDGER_WITNESS_GRACE_S", "60", "events older than this that no witnessed checkpoint vouches for are a "
                                          "finding of `verify`"),
    ("CIVICLEDGER_CHECKPOINT_INTERVAL_S", "1", "seconds between the sealer's ticks (a checkpoint when there is "
                                               "something new)"),
    ("CIVICLEDGER_DB_POOL_SIZE", "8", "write-side connections per process, opened on demand (up to "
                                      "twice this in a burst), and command threads"),
    ("CIVICLEDGER_READ_POOL_SIZE", "8", "read-side (asyncpg) connections per process"),
    ("CIVICLEDGER_DB_RETRY_S", "15", "how long a command with an idempotency key retries a lost connection "
                                     "(a failover)"),
    ("CIVICLEDGER_RESPONSE_CACHE", "on", "`off`: no cached planned responses"),
    ("CIVICLEDGER_CONSISTENCY_TIMEOUT_S", "5", "how long a request waits for its read-your-writes position"),
    ("CIVICLEDGER_READY_MAX_LAG", "5000", "events a read model may lag before `/readyz` says 503"),
    ("CIVICLEDGER_PROJECTION_BATCH_SIZE", "5000", "events per projection transaction"),
    ("CIVICLEDGER_MAX_BODY_BYTES", "1048576", "largest request body (and query string); larger is 413/414"),
    ("CIVICLEDGER_STATEMENT_TIMEOUT_MS", "15000", "longest statement an API request may run (0: none); "
                                                  "longer is STATEMENT_TIMEOUT"),
    ("CIVICLEDGER_CORS_ORIGINS", "(none: CORS off)", "comma-separated origins whose browser pages may call the API"),
    ("CIVICLEDGER_QUERY_BUDGET", "25000", "most objects one request may ask for (estimated before it runs); "
                                         "more is QUERY_TOO_COSTLY"),
    ("CIVICLEDGER_QUERY_BUDGETS", "(none)", "per-role budgets overriding it, e.g. `inspector=200000,admin=100000`"),
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
    """The environment cannot start the service. `problems` holds every one found, one sentence each, so an
    operator fixes them in one go; the CLI prints them and exits with EX_CONFIG (78), never a traceback."""

    exit_code = 78

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


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
                                     "checkpoint-signing.key"),
                                    ("CIVICLEDGER_CHAIN_KEY", settings.chain_key, "chain.key")):
        if not key:
            problems.append(f"{variable} is not set")
        elif key in _WELL_KNOWN_KEYS:
            problems.append(f"{variable} is a well-known development value")
        elif key == _development_key(settings.data_dir / dev_file):
            problems.append(f"{variable} is the development key kept in {settings.data_dir / dev_file}")
    keys = {"CIVICLEDGER_MASTER_KEY": settings.master_key, "CIVICLEDGER_CHECKPOINT_KEY": settings.checkpoint_key,
            "CIVICLEDGER_CHAIN_KEY": settings.chain_key}
    for i, (first, a) in enumerate(keys.items()):
        for second, b in list(keys.items())[i + 1:]:
            if a and a == b:
                problems.append(f"{first} and {second} are the same key")
    if problems:
        raise ConfigurationError([f"production refuses a development secret: {p}" for p in problems])


def _development_key(path: Path) -> bytes | None:
    try:
        return base64.b64decode(path.read_text().strip()) if path.is_file() else None
    except (OSError, ValueError):
        return None
