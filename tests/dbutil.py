"""A fresh database per test session, on the server of DATABASE_URL or on an embedded one."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from civicledger.core.db import ConnectionParams, EmbeddedPostgres, drop_database, ensure_database


@contextmanager
def fresh_database(prefix: str = "civicledger_test") -> Iterator[ConnectionParams]:
    url = os.environ.get("DATABASE_URL")
    embedded: EmbeddedPostgres | None = None
    if url:
        server = ConnectionParams.from_url(url)
    else:
        data_dir = Path(os.environ.get("CIVICLEDGER_TEST_DATA_DIR") or tempfile.gettempdir()) / "civicledger-tests"
        embedded = EmbeddedPostgres(data_dir)
        server = embedded.start()
    admin = server.with_dbname("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    ensure_database(admin, name)
    try:
        yield server.with_dbname(name)
    finally:
        drop_database(admin, name)
        if embedded is not None:
            embedded.stop()
