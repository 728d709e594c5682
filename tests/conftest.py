"""Shared fixtures: a real PostgreSQL database per session (the server of DATABASE_URL, or an embedded one),
the real application served over ASGI, and bearer tokens per role."""

from __future__ import annotations

import atexit
import itertools
import logging
import random
import re
import shutil
import tempfile
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from civicledger.app import create_app
from civicledger.core.auth import Role, Scope, issue_token
from civicledger.core.db import ConnectionParams
from civicledger.core.resident_id import make_resident_id
from civicledger.runtime import Runtime
from civicledger.settings import Settings
from tests.dbutil import fresh_database, held_connections, migrated_database

MASTER_KEY = bytes(range(32))
JWT_SECRET = "test-secret-not-for-production-0123456789"


@pytest.fixture(scope="session")
def library_db() -> Iterator[ConnectionParams]:
    with fresh_database("civicledger_libcases") as params:
        yield params


@pytest.fixture(scope="session")
def app_db() -> Iterator[ConnectionParams]:
    with fresh_database("civicledger_app") as params:
        yield params


# What the run may hold between tests, of the 97 clients a default server (max_connections 100) takes: the
# longer-lived fixtures' apps and ledgers. A test's own peak comes on top (the whole run peaks at about 35).
CONNECTIONS_BETWEEN_TESTS = 40


@pytest.fixture(autouse=True)
def _connections_left_behind() -> Iterator[None]:
    """After each test (its own fixtures gone), the connections the run still holds stay within the budget: a
    fixture that lives longer than it should, or a pool that keeps more open than it uses, fails here with a count
    by database and application instead of as "too many clients" in whichever test comes next."""
    yield
    held = held_connections()
    if sum(held.values()) > CONNECTIONS_BETWEEN_TESTS:
        pytest.fail(f"after this test the run holds {sum(held.values())} connections (budget "
                    f"{CONNECTIONS_BETWEEN_TESTS}): {dict(sorted(held.items(), key=lambda kv: -kv[1]))}")


@pytest.fixture
def scratch_db() -> Iterator[ConnectionParams]:
    """A database of its own, for tests that must see an empty log (rebuilds, crash and resume): migrated and with
    every read model's tables, as a first start leaves it, copied from a template (`tests.dbutil`)."""
    with migrated_database("civicledger_scratch") as params:
        yield params


@pytest.fixture
def empty_db() -> Iterator[ConnectionParams]:
    """A database of its own with nothing in it, for tests of what a first start or a migration does."""
    with fresh_database("civicledger_empty") as params:
        yield params


# Each runtime's data directory (and so its witness file) is its own, never the developer's.
_DATA_ROOT = Path(tempfile.mkdtemp(prefix="civicledger-tests-"))
atexit.register(shutil.rmtree, _DATA_ROOT, True)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"master_key": MASTER_KEY, "jwt_secret": JWT_SECRET, "environment": "test",
                              "consistency_timeout_s": 10.0, "data_dir": _DATA_ROOT / uuid.uuid4().hex[:12]}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest_asyncio.fixture(scope="session")
async def app(app_db: ConnectionParams, settings: Settings) -> AsyncIterator[Any]:
    # Process managers and jobs (recalculation, the linkage loop, the SLA sweep) are driven by their own tests,
    # each with a clock of its own.
    application = create_app(settings, params=app_db, run_projections=True, run_processes=False)
    async with application.router.lifespan_context(application):
        yield application
        # A read model that stopped on an event (a projection bug) must fail the run, not go unnoticed.
        runner = application.state.runtime.runner
        assert not runner.errors, {name: repr(exc) for name, exc in runner.errors.items()}


@pytest.fixture(scope="session")
def runtime(app: Any) -> Runtime:
    return app.state.runtime  # type: ignore[no-any-return]


@pytest_asyncio.fixture(scope="session")
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicledger.test") as client:
        yield client


def token(role: str | Role, *, district: str | None = None, office: str | None = None, subject: str | None = None,
          scopes: set[str] | None = None) -> str:
    role = Role(role)
    return issue_token(
        JWT_SECRET, subject=subject or f"test-{role.value}-{district or 'city'}", role=role, district=district,
        office=office, scopes=frozenset(Scope(s) for s in scopes) if scopes is not None else None,
    )


CASEWORKER_HAIZHU = token("caseworker", district="HAIZHU", office="HAIZHU-JIANGHAI-STATION", subject="cw-li")
CASEWORKER_TIANHE = token("caseworker", district="TIANHE", office="TIANHE-SHIPAI-STATION", subject="cw-zhang")
SUPERVISOR_HAIZHU = token("supervisor", district="HAIZHU", office="HAIZHU-CIVIL-AFFAIRS", subject="sup-chen")
INTEGRATOR = token("integrator", office="DISTRICT-PLATFORM", subject="int-platform", scopes={"read", "command"})
INTEGRATOR_READ_ONLY = token("integrator", office="DISTRICT-PLATFORM", subject="int-readonly")
INSPECTOR = token("inspector", office="AUDIT-BUREAU", subject="insp-zhou")
ADMIN = token("admin", office="CIVIL-AFFAIRS-BUREAU", subject="admin-wang")


class GQL:
    """A thin client: POST a query as a given bearer; return the decoded body (and keep the response)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.last: httpx.Response | None = None

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, as_: str = CASEWORKER_HAIZHU,
                       headers: dict[str, str] | None = None, extensions: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if extensions:
            body["extensions"] = extensions
        self.last = await self.client.post(
            "/graphql", json=body,
            headers={"Authorization": f"Bearer {as_}", "Accept": "application/graphql-response+json", **(headers or {})},
        )
        return self.last.json()  # type: ignore[no-any-return]


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GQL:
    return GQL(http)


# Every resident's personal value the suite sends (ID numbers, names, phones): no log line of the session may
# contain one (`personal_data_never_logged`). Helpers that make them register them here.
PERSONAL_VALUES: set[str] = set()


def personal(value: str) -> str:
    """Register a resident's personal value (a name, a phone) the test sends; returns it."""
    PERSONAL_VALUES.add(value)
    return value


class _EveryLogLine(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(text)


_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx]")
_PHONE = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
_CJK = re.compile(r"[\u3400-\u9fff]+")


def leaked_personal_values(lines: list[str], values: set[str]) -> list[tuple[str, str]]:
    """(value, line) for every registered value in a line: ID numbers and phones by exact token, names among
    lines with CJK text only — cheap over a whole session."""
    leaks = []
    numbers = {v for v in values if v.isascii()}
    names = [v for v in values if not v.isascii()]
    for line in lines:
        for token in _ID_NUMBER.findall(line) + _PHONE.findall(line):
            if token in numbers:
                leaks.append((token, line[:300]))
        if names and _CJK.search(line):
            leaks.extend((name, line[:300]) for name in names if name in line)
    return leaks


@pytest.fixture(scope="session", autouse=True)
def personal_data_never_logged() -> Iterator[None]:
    """Fails the session if any log record (any logger, INFO and up for ours, WARNING and up for the rest)
    contains a resident's ID number, phone or name that the suite used."""
    handler = _EveryLogLine()
    root, ours = logging.getLogger(), logging.getLogger("civicledger")
    previous = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        ours.setLevel(previous)
    leaks = leaked_personal_values(handler.lines, PERSONAL_VALUES)
    assert not leaks, f"personal data in {len(leaks)} log line(s), e.g. {leaks[:3]}"


_sequence = itertools.count(1)
_rng = random.Random()
_OFFSET = _rng.randrange(0, 3)


def new_id_number(area_code: str = "440105", born: date | None = None, male: bool | None = None) -> str:
    """A valid, unused ID number (unique within the test session)."""
    n = next(_sequence)
    born = born or date(1940, 1, 1) + timedelta(days=n * 3 + _OFFSET)
    seq = _rng.randrange(1, 998)
    if male is not None and (seq % 2 == 1) != male:
        seq += 1
    return personal(make_resident_id(area_code, born, seq))


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
