from __future__ import annotations

from collections.abc import Iterator

import pytest

from civicledger.core.db import ConnectionParams
from tests.dbutil import fresh_database


@pytest.fixture(scope="session")
def library_db() -> Iterator[ConnectionParams]:
    with fresh_database("civicledger_libcases") as params:
        yield params
