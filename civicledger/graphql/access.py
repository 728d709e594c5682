"""What every transport shares about a request: its correlation id, the headers read as UTF-8, the one
structured access line, and the personal-data read log (written before the response leaves).

Correlation ids: an `X-Correlation-Id` that is sane — 1 to 128 characters of `A-Z a-z 0-9 . _ : / + = @ -`,
starting with a letter or digit (UUIDs, W3C trace ids, most gateways' ids) — is used as sent; any other is
replaced by a fresh UUID, and the response says so in `X-Correlation-Id-Replaced`. Every response carries
`X-Correlation-Id`, errors and 401s included.

Access lines (logger `civicledger.access`, one JSON object per request): time, correlation id, transport,
method, operation name and type, principal id and role, status, latency, error codes and which path answered.
No query text, no variables, no purpose text: nothing there can name a resident."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson

from civicledger.core.access_log import record_reads
from civicledger.core.errors import InvalidInputError

access_log = logging.getLogger("civicledger.access")

_SANE_CORRELATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PURPOSE_MAX_CHARS = 500


def correlation_id(sent: str | None) -> tuple[str, str | None]:
    """(the id to use, why the sent one was replaced — None when it was used or none was sent)."""
    if sent is None or sent == "":
        return str(uuid.uuid4()), None
    if _SANE_CORRELATION.fullmatch(sent):
        return sent, None
    reason = "too long" if len(sent) > 128 else "unsafe characters"
    return str(uuid.uuid4()), reason


def header_text(raw: bytes | str | None) -> str | None:
    """A header value as text: raw UTF-8 bytes and percent-encoded UTF-8 are both accepted (HTTP hands header
    bytes over as latin-1, which would garble Chinese)."""
    if raw is None:
        return None
    data = raw if isinstance(raw, bytes) else raw.encode("latin-1", errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "%" in text:
        text = unquote(text, encoding="utf-8", errors="strict") if _percent_ok(text) else text
    return text


def _percent_ok(text: str) -> bool:
    try:
        unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def access_purpose(raw: bytes | str | None) -> str | None:
    text = header_text(raw)
    if text is None:
        return None
    text = text.strip()
    if _CONTROL.search(text) or len(text) > PURPOSE_MAX_CHARS:
        raise InvalidInputError(f"X-Access-Purpose must be at most {PURPOSE_MAX_CHARS} characters without control "
                                "characters", field="X-Access-Purpose")
    return text or None


def raw_header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


@dataclass
class Exchange:
    """One request (or one WebSocket operation) as the access line reports it."""

    transport: str
    method: str
    correlation_id: str
    correlation_replaced: str | None = None
    media: str = "application/json"
    started: float = field(default_factory=time.perf_counter)
    principal: str | None = None
    role: str | None = None
    operation_name: str | None = None
    operation_type: str | None = None
    status: int | str = 0
    codes: list[str] = field(default_factory=list)
    answered_by: str | None = None  # "compiled" (the hook before the executor), "planned" (a mutation) or "executor"

    def headers(self) -> dict[str, str]:
        out = {"X-Correlation-Id": self.correlation_id}
        if self.correlation_replaced:
            out["X-Correlation-Id-Replaced"] = self.correlation_replaced
        return out

    @property
    def latency_s(self) -> float:
        return time.perf_counter() - self.started

    def log(self) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "correlationId": self.correlation_id,
            "transport": self.transport, "method": self.method, "operationName": self.operation_name,
            "operationType": self.operation_type, "principal": self.principal, "role": self.role,
            "status": self.status, "latencyMs": round(self.latency_s * 1000, 2), "errorCodes": self.codes,
            "answeredBy": self.answered_by,
        }
        access_log.info(orjson.dumps(line).decode())


async def log_reads(ctx: Any) -> None:
    """Write the personal-data reads this response reveals, then forget them (a WebSocket operation writes per
    message). Must complete before the response leaves: if it fails, nothing is sent."""
    if not ctx.reads:
        return
    reads = [(rid, district, fields) for rid, (district, fields) in ctx.reads.items()]
    ctx.reads = {}  # a new dict: the response cache may keep the old one with its entry
    async with ctx.runtime.pool.acquire() as conn:
        await record_reads(conn, ctx.principal, reads, purpose=ctx.purpose, correlation_id=str(ctx.correlation_id),
                           operation=ctx.operation_name, log=ctx.runtime.access_log)
