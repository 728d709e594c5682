"""The drill's load: registrations over HTTP, each with its own idempotency key, sent again (same key, same
input) until acknowledged — what a careful integrator does. Every attempt whose answer was lost (a broken
or timed-out connection, DATABASE_UNAVAILABLE) makes its command *in doubt*: it may or may not have been
recorded by then, and only the retry with the same key settles it."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from civicledger.core.resident_id import make_resident_id
from civicledger.ops.processes import post_json

REGISTER = """mutation($i: RegisterResidentInput!) { registerResident(input: $i) { residentId position replayed } }"""
NAMES = ("陈嘉欣", "李文博", "黄晓明", "周丽华", "吴志强", "郑美玲", "梁家豪", "何淑仪")


@dataclass
class Command:
    number: int
    key: str
    id_number: str
    sent_at: float
    acked_at: float | None = None
    attempts: int = 0
    in_doubt: int = 0  # attempts whose outcome the client could not know
    position: int | None = None
    resident_id: str | None = None
    replayed: bool = False
    unexpected: list[str] = field(default_factory=list)  # errors a failover must never cause


class RegistrationLoad:
    """`workers` threads registering residents through `url` until `stop()`; each command settles or gives up
    after `settle_s`."""

    def __init__(self, url: str, token: str, *, workers: int = 4, attempt_timeout_s: float = 25.0,
                 settle_s: float = 90.0, prefix: str = "drill") -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.workers = workers
        self.attempt_timeout_s = attempt_timeout_s
        self.settle_s = settle_s
        self.prefix = prefix
        self.commands: list[Command] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> RegistrationLoad:
        self._threads = [threading.Thread(target=self._work, name=f"drill-load-{i}", daemon=True)
                         for i in range(self.workers)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """No new commands; wait for those under way to settle."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(self.settle_s + self.attempt_timeout_s)

    def acked(self, after: float = 0.0) -> list[Command]:
        with self._lock:
            return [c for c in self.commands if c.acked_at is not None and c.acked_at > after]

    def _work(self) -> None:
        while not self._stopping.is_set():
            n = next(self._numbers)
            command = Command(n, f"{self.prefix}-{n}", make_resident_id("440105", date(1950, 1, 1) + timedelta(days=n),
                                                                         101 + n % 800), time.monotonic())
            with self._lock:
                self.commands.append(command)
            self.settle(command)

    def settle(self, command: Command) -> None:
        body = {"query": REGISTER, "variables": {"i": {
            "name": NAMES[command.number % len(NAMES)], "idNumber": command.id_number, "district": "HAIZHU",
            "street": "江海街", "community": "红卫社区", "idempotencyKey": command.key}}}
        deadline = command.sent_at + self.settle_s
        while time.monotonic() < deadline:
            command.attempts += 1
            outcome = self._attempt(body)
            if isinstance(outcome, dict):
                command.acked_at = time.monotonic()
                command.position = outcome["position"]
                command.resident_id = outcome["residentId"]
                command.replayed = outcome["replayed"]
                return
            if outcome == "in doubt":
                command.in_doubt += 1
            else:
                command.unexpected.append(outcome)
            time.sleep(0.2)

    def _attempt(self, body: dict[str, Any]) -> dict[str, Any] | str:
        try:
            status, answer = post_json(self.url, body, self.headers, timeout=self.attempt_timeout_s)
        except OSError:  # refused, reset, timed out: the answer is lost, not the command
            return "in doubt"
        data = (answer.get("data") or {}).get("registerResident")
        if status == 200 and data and not answer.get("errors"):
            return data  # type: ignore[no-any-return]
        codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]
        if codes and all(code == "DATABASE_UNAVAILABLE" for code in codes):
            return "in doubt"
        return f"{status}: {answer.get('errors')}"
