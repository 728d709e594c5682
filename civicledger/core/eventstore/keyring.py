"""Per-resident data keys (PIPL erasure by crypto-shredding).

Every personal field in an event payload is encrypted (AES-256-GCM) with the data key of the resident it is
about. Data keys are stored wrapped by the master key. Erasing a resident destroys their data key in the
same transaction as the audited erasure event: the ciphertext, and every hash over it, stay in place, so the
history and its tamper evidence remain verifiable while the personal data can no longer be read.

Keys are cached briefly per process. An erasure in another process must not leave a key usable here: the
destruction of a key is announced on `ERASURE_CHANNEL` (a trigger on the key table, made by the baseline
migration in `civicledger/migrations`); a process that listens (the runtime wires its positions listener)
forgets the key at once, empties the whole cache after every reconnect (announcements may have been missed)
and bypasses the cache while its listener is down (`cache_trusted`). Readers that fetch wrapped keys fresh for every
batch (projections, inspection) unwrap each once per process (`unwrap_fetched`); forgetting a key empties those too."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

from civicledger.core import bridge
from civicledger.core.errors import RuleViolationError
from civicledger.core.eventstore.macs import Macs
from civicledger.core.eventstore.receipts import Receipts

_pending: ContextVar[list[tuple[UUID, bytes]] | None] = ContextVar("pending_keys", default=None)
_pinned: ContextVar[Mapping[UUID, bytes | None] | None] = ContextVar("pinned_keys", default=None)

ERASURE_CHANNEL = "civic_erasure"
UNWRAPPED_MAX = 1 << 16  # data keys kept unwrapped per process (`KeyRing._unwrapped`)


class SubjectErasedError(RuleViolationError):
    def __init__(self, subject_id: UUID) -> None:
        super().__init__("this resident's personal data has been erased", residentId=str(subject_id))


class KeyRing:
    def __init__(self, datastore: PostgresDatastore, master_key: bytes, *, macs: Macs, receipts: Receipts,
                 ttl_seconds: float = 10.0) -> None:
        if len(master_key) != 32:
            raise ValueError("master key must be 32 bytes")
        self._datastore = datastore
        self._macs = macs
        self._receipts = receipts
        self._master = AESGCM(master_key)
        self.ttl = ttl_seconds  # how long a cached key is used (where nothing evicts it earlier)
        self._cache: dict[UUID, tuple[float, bytes | None]] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by every forget/clear: a fetch that raced one must not be remembered
        # Data keys by (resident, wrapped key): a reader that fetches wrapped keys fresh for every batch (a
        # projection, a rebuild) unwraps each resident's key once, not once per batch. The fetch stays the
        # authority: a destroyed key is no longer fetched, so its entry is never looked up again; and every
        # forget/clear empties this too, so no key outlives an announced erasure here. Bounded: emptied when full.
        self._unwrapped: dict[tuple[UUID, bytes], bytes] = {}
        # Whether cached keys may be used now; a process whose erasure listener is down says no.
        self.cache_trusted: Callable[[], bool] = lambda: True
        # How a bridged command reads keys on the loop (the recorder's, on the writers' connections: `Ledger`);
        # it answers None where it cannot, and the read goes to a command thread as before.
        self.read_async: Callable[[list[UUID]], Awaitable[list[tuple[UUID, bytes | None]] | None]] | None = None

    # -- wrapping -----------------------------------------------------------------------------------------

    def _wrap(self, subject: UUID, key: bytes, nonce: bytes | None = None) -> bytes:
        nonce = nonce or os.urandom(12)
        return nonce + self._master.encrypt(nonce, key, subject.bytes)

    def _unwrap(self, subject: UUID, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:12], wrapped[12:], subject.bytes)

    def unwrap_fetched(self, subject: UUID, wrapped: bytes) -> bytes:
        """`_unwrap` of a wrapped key just fetched from the database, unwrapped once per process (`_unwrapped`)."""
        memo = self._unwrapped
        key = memo.get((subject, wrapped))
        if key is None:
            key = self._unwrap(subject, wrapped)
            with self._lock:
                if len(memo) >= UNWRAPPED_MAX:
                    memo.clear()
                memo[(subject, wrapped)] = key
        return key

    # -- writing ------------------------------------------------------------------------------------------

    def collecting_new_keys(self) -> _Collecting:
        """Keys created while mapping a command's events (`with ... as keys`); the recorder stores them with the
        events."""
        return _Collecting()

    def key_for_new_subject(self, subject: UUID) -> bytes:
        pending = _pending.get()
        if pending is None:
            return self.key_for_encryption(subject)
        for made_for, wrapped in pending:
            if made_for == subject:
                return self._unwrap(subject, wrapped)  # made earlier in this command (not stored yet)
        # The new key (AES-256) and the nonce of its wrap from one read of the OS's random source.
        fresh = os.urandom(44)
        key = fresh[:32]
        pending.append((subject, self._wrap(subject, key, fresh[32:])))
        self._remember(subject, key)
        return key

    def key_for_encryption(self, subject: UUID) -> bytes:
        key = self._lookup(subject)
        if key is None:
            raise SubjectErasedError(subject)
        return key

    def _cached(self, subject: UUID) -> tuple[bool, bytes | None]:
        cached = self._cache.get(subject)
        if cached is not None and cached[0] > time.monotonic() and self.cache_trusted():
            return True, cached[1]
        return False, None

    def _lookup(self, subject: UUID) -> bytes | None:
        hit, key = self._cached(subject)
        if hit:
            return key
        found = self.fetch([subject])
        if subject in found:
            return found[subject]
        # A subject without a key yet (personal data first recorded outside its own stream): create it.
        key = AESGCM.generate_key(bit_length=256)
        wrapped = self._wrap(subject, key)
        digest = hashlib.sha256(wrapped).digest()
        created = self._macs.key_created(subject, digest)
        if bridge.blocking(self._insert_key, subject, wrapped, digest, created):
            self._receipts.rows("key_created", [(subject, created)])
        return self.fetch([subject]).get(subject)

    def _insert_key(self, subject: UUID, wrapped: bytes, digest: bytes, created: bytes) -> bool:
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO subject_keys (subject_id, wrapped_key, key_digest, created_mac) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (subject_id) DO NOTHING",
                (subject, wrapped, digest, created),
            )
            return curs.rowcount == 1

    def _remember(self, subject: UUID, key: bytes | None, generation: int | None = None) -> None:
        with self._lock:
            if generation is None or generation == self._generation:
                self._cache[subject] = (time.monotonic() + self.ttl, key)

    def forget(self, subjects: Iterable[UUID]) -> None:
        with self._lock:
            self._generation += 1
            for subject in subjects:
                self._cache.pop(subject, None)
            self._unwrapped.clear()

    def forget_announced(self, payload: str) -> None:
        """An `ERASURE_CHANNEL` payload: the erased subject's id."""
        try:
            subject = UUID(payload)
        except ValueError:
            self.clear()
            return
        self.forget([subject])

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._cache.clear()
            self._unwrapped.clear()

    # -- reading ------------------------------------------------------------------------------------------

    def fetch(self, subjects: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Fresh from the database (never the cache): `None` for an erased subject; absent if unknown."""
        wanted = list(set(subjects))
        if not wanted:
            return {}
        generation = self._generation
        rows = bridge.await_(self.read_async(wanted)) if self.read_async is not None and bridge.active() else None
        if rows is None:
            rows = [(row["subject_id"], row["wrapped_key"]) for row in bridge.blocking(self._select_keys, wanted)]
        out: dict[UUID, bytes | None] = {}
        for subject, wrapped in rows:
            key = self._unwrap(subject, bytes(wrapped)) if wrapped is not None else None
            out[subject] = key
            self._remember(subject, key, generation)
        return out

    def _select_keys(self, wanted: list[UUID]) -> list[Any]:
        """(On a command thread when a bridged command asks: `bridge.blocking`.)"""
        with self._datastore.get_connection() as conn:
            return conn.execute(
                "SELECT subject_id, wrapped_key FROM subject_keys WHERE subject_id = ANY(%s)", (wanted,)
            ).fetchall()

    def unwrapping(self, wrapped: Mapping[UUID, bytes | None]) -> Mapping[UUID, bytes | None]:
        """A lazy view over wrapped keys fetched elsewhere (e.g. by an asyncpg batch read)."""
        return _LazyKeys(self, wrapped)

    @contextlib.contextmanager
    def pinned(self, keys: Mapping[UUID, bytes | None]) -> Iterator[None]:
        """Decrypt only with these keys (a projection batch fetches them fresh, once per batch)."""
        token = _pinned.set(keys)
        try:
            yield
        finally:
            _pinned.reset(token)

    def key_for_decryption(self, subject: UUID) -> bytes | None:
        pinned = _pinned.get()
        if pinned is not None:
            return pinned.get(subject)
        hit, key = self._cached(subject)
        if hit:
            return key
        return self.fetch([subject]).get(subject)

    def commit_pending(self, pending: list[tuple[UUID, bytes]]) -> None:
        """Nothing to do: keys were remembered when made; kept for symmetry with rollbacks."""

    def discard_pending(self, pending: list[tuple[UUID, bytes]]) -> None:
        self.forget(subject for subject, _ in pending)


class _Collecting:
    """The context of `KeyRing.collecting_new_keys` (a class: entered once per command, cheaper than a generator)."""

    __slots__ = ("_token", "keys")

    def __init__(self) -> None:
        self.keys: list[tuple[UUID, bytes]] = []

    def __enter__(self) -> list[tuple[UUID, bytes]]:
        self._token = _pending.set(self.keys)
        return self.keys

    def __exit__(self, *exc: object) -> None:
        _pending.reset(self._token)


class _LazyKeys(Mapping[UUID, "bytes | None"]):
    def __init__(self, ring: KeyRing, wrapped: Mapping[UUID, bytes | None]) -> None:
        self._ring = ring
        self._wrapped = wrapped
        self._plain: dict[UUID, bytes | None] = {}

    def __getitem__(self, subject: UUID) -> bytes | None:
        if subject not in self._plain:
            wrapped = self._wrapped[subject]
            self._plain[subject] = self._ring.unwrap_fetched(subject, bytes(wrapped)) if wrapped is not None else None
        return self._plain[subject]

    def get(self, subject: UUID, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        plain = self._plain
        if subject in plain:
            return plain[subject]
        return self[subject] if subject in self._wrapped else default

    def __contains__(self, subject: object) -> bool:
        return subject in self._wrapped

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._wrapped)

    def __len__(self) -> int:
        return len(self._wrapped)
