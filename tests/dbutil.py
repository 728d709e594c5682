"""A fresh database per use, on the server of DATABASE_URL or on one embedded server shared by the whole
test session (started on first use, stopped when the session's process exits)."""

from __future__ import annotations

import atexit
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from civicledger.core.db import ConnectionParams, EmbeddedPostgres, drop_database, ensure_database


@cache
def test_server() -> ConnectionParams:
    url = os.environ.get("DATABASE_URL")
    if url:
        return ConnectionParams.from_url(url)
    data_dir = Path(os.environ.get("CIVICLEDGER_TEST_DATA_DIR") or tempfile.gettempdir()) / "civicledger-tests"
    embedded = EmbeddedPostgres(data_dir)
    params = embedded.start()
    atexit.register(embedded.stop)
    return params


@contextmanager
def fresh_database(prefix: str = "civicledger_test") -> Iterator[ConnectionParams]:
    server = test_server()
    admin = server.with_dbname("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    ensure_database(admin, name)
    try:
        yield server.with_dbname(name)
    finally:
        drop_database(admin, name)
