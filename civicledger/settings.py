"""Settings from the environment, read once at start-up and passed explicitly (no globals)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from civicledger.core.eventstore.macs import derive_chain_key
from civicledger.environment import ConfigurationError, refuse_development_secrets

DEV_JWT_SECRET = "civicledger-development-secret-change-me"
MIN_JWT_SECRET_LENGTH = 32
KEY_HINT = "32 random bytes, base64: `openssl rand -base64 32`"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("civicledger", appauthor=False))


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    # GraphQL reads from here when set (a replica; read-your-writes waits for it to replay): docs/OPERATIONS.md §5.
    database_read_url: str | None = None
    data_dir: Path = field(default_factory=_default_data_dir)
    environment: str = "development"
    jwt_secret: str = DEV_JWT_SECRET
    master_key: bytes = b""
    db_pool_size: int = 8
    read_pool_size: int = 8
    projection_batch_size: int = 5000
    run_projections: bool = True
    query_depth_limit: int = 12
    query_alias_limit: int = 30
    query_token_limit: int = 4000
    consistency_timeout_s: float = 5.0
    # How long a command with an idempotency key keeps retrying a lost database connection (a failover).
    db_retry_s: float = 15.0
    # /readyz: not ready while any read model is more than this many events behind the log's safe horizon.
    ready_max_lag: int = 5000
    # Compiled-operation responses cached by visibility and projection positions (off for fair comparisons).
    response_cache: bool = True
    # Tamper evidence: the Ed25519 seed that signs log checkpoints (32 bytes); empty derives one from the
    # master key, which only development may do (`from_env` refuses it in production).
    checkpoint_key: bytes = b""
    # Sealing at most this far behind the log (checkpoints only when there is something new; an idle tick is
    # one small query).
    checkpoint_interval_s: float = 1.0
    checkpoint_max_events: int = 10_000
    run_checkpointer: bool = True
    # Tamper evidence: the HMAC key of the chain MACs (32 bytes), never sent to the database; empty derives one
    # from the master key, which only development may do (`from_env` refuses it in production).
    chain_key: bytes = b""
    # Where checkpoints are also published, outside the database: `file:PATH` (append-only JSON lines);
    # empty means `file:<data_dir>/witness.jsonl`.
    witness: str = ""
    # Events older than this that no witnessed checkpoint vouches for are a finding of `verify`.
    witness_grace_s: float = 60.0
    # Access audit: what counts as unusual (the report's defaults; a query may override them).
    bulk_read_threshold: int = 50
    bulk_read_window_s: int = 3600
    night_start_hour: int = 22
    night_end_hour: int = 6
    # Transport bounds (graphql/bounds.py): request body (and query string) size; a statement on the API's read
    # pool may run this long (0: no limit); browsers' origins allowed by CORS (none: CORS off).
    max_body_bytes: int = 1 << 20
    statement_timeout_ms: int = 0
    cors_origins: tuple[str, ...] = ()
    # The cost model (graphql/cost.py): the most objects one request may ask for, and per-role exceptions.
    query_budget: int = 25_000
    query_budgets: dict[str, int] = field(default_factory=dict)
    access_log: bool = True

    @property
    def is_development(self) -> bool:
        return self.environment != "production"

    @property
    def claims_secret(self) -> bytes:
        """Key for the keyed hashes under which unique personal values (ID numbers) are claimed."""
        return hashlib.sha256(b"civicledger-claims\x00" + self.master_key).digest()

    @property
    def checkpoint_seed(self) -> bytes:
        """The private seed that signs checkpoints; its public key is what inspectors keep and compare."""
        if self.checkpoint_key:
            return self.checkpoint_key
        return hashlib.sha256(b"civicledger-checkpoint-signing\x00" + self.master_key).digest()

    @property
    def chain_mac_key(self) -> bytes:
        """The key of the chain MACs: what a DBA lacks to forge or re-chain a record."""
        return self.chain_key or derive_chain_key(self.master_key)

    @property
    def witness_spec(self) -> str:
        return self.witness or f"file:{self.data_dir / 'witness.jsonl'}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The settings the environment gives (every variable: `civicledger/environment.py`). Every problem is
        collected and refused at once (`ConfigurationError`): a malformed number, a missing or malformed key,
        and in production any development secret (`refuse_development_secrets`)."""
        env = os.environ
        data_dir = Path(env["CIVICLEDGER_DATA_DIR"]) if env.get("CIVICLEDGER_DATA_DIR") else _default_data_dir()
        environment = env.get("CIVICLEDGER_ENV", "development")
        problems: list[str] = []
        jwt_secret = env.get("CIVICLEDGER_JWT_SECRET") or DEV_JWT_SECRET
        if environment == "production" and not env.get("DATABASE_URL"):
            problems.append("DATABASE_URL must be set in production (production never starts an embedded server)")
        master_key = _collect(problems, _master_key, env.get("CIVICLEDGER_MASTER_KEY"), data_dir, environment)
        checkpoint_key = _collect(problems, _checkpoint_key, env.get("CIVICLEDGER_CHECKPOINT_KEY"), data_dir,
                                  environment)
        chain_key = _collect(problems, _chain_key, env.get("CIVICLEDGER_CHAIN_KEY"), data_dir, environment)
        try:
            values = cls._values(env)
        except (ValueError, TypeError) as exc:
            problems.append(f"invalid environment: {exc}")
            values = {}
        if problems:
            raise ConfigurationError(problems)
        values.update(data_dir=data_dir, environment=environment, jwt_secret=jwt_secret, master_key=master_key,
                      checkpoint_key=checkpoint_key, chain_key=chain_key)
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.environment == "production":
            refuse_development_secrets(settings)
        return settings

    @staticmethod
    def _values(env: Any) -> dict[str, object]:
        """Every other variable, parsed (a malformed one raises ValueError)."""
        return {
            "database_url": env.get("DATABASE_URL") or None,
            "database_read_url": env.get("DATABASE_READ_URL") or None,
            "db_pool_size": int(env.get("CIVICLEDGER_DB_POOL_SIZE", "8")),
            "read_pool_size": int(env.get("CIVICLEDGER_READ_POOL_SIZE", "8")),
            "response_cache": _flag(env.get("CIVICLEDGER_RESPONSE_CACHE", "on")),
            "checkpoint_interval_s": float(env.get("CIVICLEDGER_CHECKPOINT_INTERVAL_S", "1")),
            "witness": env.get("CIVICLEDGER_WITNESS", ""),
            "witness_grace_s": float(env.get("CIVICLEDGER_WITNESS_GRACE_S", "60")),
            "db_retry_s": float(env.get("CIVICLEDGER_DB_RETRY_S", "15")),
            "ready_max_lag": int(env.get("CIVICLEDGER_READY_MAX_LAG", "5000")),
            "consistency_timeout_s": float(env.get("CIVICLEDGER_CONSISTENCY_TIMEOUT_S", "5")),
            "projection_batch_size": int(env.get("CIVICLEDGER_PROJECTION_BATCH_SIZE", "5000")),
            "max_body_bytes": int(env.get("CIVICLEDGER_MAX_BODY_BYTES", str(1 << 20))),
            "statement_timeout_ms": int(env.get("CIVICLEDGER_STATEMENT_TIMEOUT_MS", "15000")),
            "cors_origins": tuple(o.strip() for o in env.get("CIVICLEDGER_CORS_ORIGINS", "").split(",") if o.strip()),
            "access_log": _flag(env.get("CIVICLEDGER_ACCESS_LOG", "on")),
            "query_budget": int(env.get("CIVICLEDGER_QUERY_BUDGET", "25000")),
            "query_budgets": _budgets(env.get("CIVICLEDGER_QUERY_BUDGETS", "")),
        }


def _budgets(value: str) -> dict[str, int]:
    """`role=N,role=N` → {role: N}; a malformed entry raises ValueError (a configuration problem)."""
    budgets: dict[str, int] = {}
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        role, sep, number = part.partition("=")
        if not sep or not role.strip() or not number.strip().isascii() or not number.strip().isdigit():
            raise ValueError(f"CIVICLEDGER_QUERY_BUDGETS: {part!r} is not role=number")
        budgets[role.strip()] = int(number)
    return budgets


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("off", "0", "false", "no")


def _collect(problems: list[str], read: Callable[[str | None, Path, str], bytes], configured: str | None,
             data_dir: Path, environment: str) -> bytes:
    try:
        return read(configured, data_dir, environment)
    except ConfigurationError as exc:
        problems.extend(exc.problems)
        return b""


def _master_key(configured: str | None, data_dir: Path, environment: str) -> bytes:
    """The key-encryption key that wraps every per-resident data key. Production must configure it (a
    KMS/HSM in a real deployment); development keeps a random one in the data directory."""
    return _secret("CIVICLEDGER_MASTER_KEY", configured, data_dir / "master.key", environment)


def _checkpoint_key(configured: str | None, data_dir: Path, environment: str) -> bytes:
    """The Ed25519 seed that signs checkpoints. Production must configure it (and publish its public key:
    `civicledger checkpoint --public-key`); development keeps a random one in the data directory."""
    return _secret("CIVICLEDGER_CHECKPOINT_KEY", configured, data_dir / "checkpoint-signing.key", environment)


def _chain_key(configured: str | None, data_dir: Path, environment: str) -> bytes:
    """The HMAC key of the chain MACs. Production must configure it (held by the application hosts only, never
    by the database); development derives it from the master key (empty here)."""
    if configured:
        return _decode("CIVICLEDGER_CHAIN_KEY", configured)
    if environment == "production":
        raise ConfigurationError([f"CIVICLEDGER_CHAIN_KEY must be set in production ({KEY_HINT})"])
    return b""


def _decode(variable: str, configured: str) -> bytes:
    """32 bytes, base64-encoded, or a clear refusal."""
    try:
        key = base64.b64decode(configured, validate=True)
    except ValueError:
        raise ConfigurationError([f"{variable} is not valid base64 ({KEY_HINT})"]) from None
    if len(key) != 32:
        raise ConfigurationError([f"{variable} must be 32 bytes, base64-encoded ({KEY_HINT}); it decodes to "
                                  f"{len(key)}"])
    return key


def _secret(variable: str, configured: str | None, dev_path: Path, environment: str) -> bytes:
    """32 bytes: configured (base64), required in production (empty there when missing: refused at the end of
    `from_env`), otherwise kept in the data directory."""
    if configured:
        return _decode(variable, configured)
    if environment == "production":
        raise ConfigurationError([f"{variable} must be set in production ({KEY_HINT})"])
    return _dev_secret(dev_path)


def _dev_secret(path: Path) -> bytes:
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(base64.b64encode(key).decode())
    tmp.chmod(0o600)
    tmp.replace(path)
    return key
