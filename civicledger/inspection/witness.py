"""The witness: where every checkpoint (and every alarm) is also published, outside the database.

A DBA can delete or replace anything in the database, the checkpoints included; what the witness holds they
cannot touch (threat model: no write access to the witness). `verify` reads it by default: a checkpoint in the
witness and not in the database was deleted, one that differs was replaced, and events beyond the last
witnessed checkpoint are reported as not vouched for.

Pluggable: `open_witness(spec)` picks a store by the spec's scheme. Today `file:PATH` — append-only JSON
lines, one record per line, each write fsync'd, an exclusive `flock` around every append so that several
processes on one host can share it. A second store (a second database owned by someone else, an object store
with object lock, a remote log service) implements `Witness` and registers its scheme in `SCHEMES`.

Records name the log they belong to (`log_identity`), so one witness can serve several logs:

    {"log": <log id>, "type": "checkpoint", "doc": <checkpoint document, as `checkpoint --export` writes it>}
    {"log": <log id>, "type": "alarm", "doc": <signed alarm, see `sealing.py`>}
"""

from __future__ import annotations

import bisect
import fcntl
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Witnessed:
    """What a witness holds for one log."""

    checkpoints: list[dict[str, Any]] = field(default_factory=list)  # in seq order, no duplicates
    alarms: list[dict[str, Any]] = field(default_factory=list)
    unreadable: int = 0  # lines that are not records (a torn write)
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # a second, different document for a seq
    other_logs: int = 0  # logs other than this one the witness holds records of

    @property
    def last_seq(self) -> int:
        return int(self.checkpoints[-1]["seq"]) if self.checkpoints else 0


class WitnessConflict(Exception):
    """The witness already holds a different checkpoint under this seq."""


class Witness(Protocol):
    description: str

    def exists(self) -> bool: ...

    def read(self, log_id: str) -> Witnessed: ...

    def newest(self, log_id: str) -> dict[str, Any] | None:
        """The newest checkpoint held for this log (what a sealer's tick needs), without a copy of them all."""
        ...

    def publish_checkpoints(self, log_id: str, docs: Sequence[dict[str, Any]]) -> int:
        """Append those not held yet, in seq order; return the last seq held. Raise WitnessConflict when the
        witness holds a different document for one of these seqs."""
        ...

    def publish_alarm(self, log_id: str, doc: dict[str, Any]) -> None: ...


class FileWitness:
    """Append-only JSON lines in one file; read incrementally (only what was appended since the last read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file:{path}"
        self._lock = threading.Lock()
        self._offset = 0
        self._identity: tuple[int, int] | None = None
        self._logs: dict[str, Witnessed] = {}
        self._unreadable = 0

    def exists(self) -> bool:
        return self.path.exists()

    def newest(self, log_id: str) -> dict[str, Any] | None:
        with self._lock:
            self._refresh_if_present()
            held = self._logs.get(log_id)
            return held.checkpoints[-1] if held is not None and held.checkpoints else None

    def read(self, log_id: str) -> Witnessed:
        with self._lock:
            self._refresh_if_present()
            held = self._logs.get(log_id, Witnessed())
            return Witnessed(checkpoints=list(held.checkpoints), alarms=list(held.alarms),
                             unreadable=self._unreadable, conflicts=list(held.conflicts),
                             other_logs=len(set(self._logs) - {log_id}))

    def _refresh_if_present(self) -> None:
        if self.path.exists():
            with self.path.open("rb") as f:
                self._refresh(f)

    def publish_checkpoints(self, log_id: str, docs: Sequence[dict[str, Any]]) -> int:
        def write(f: Any) -> int:
            held = self._logs.setdefault(log_id, Witnessed())
            lines = []
            last = held.last_seq
            for doc in sorted(docs, key=lambda d: int(d["seq"])):
                seq = int(doc["seq"])
                if seq <= held.last_seq:  # held in seq order: found by bisection, not a map of every seq held
                    at = bisect.bisect_left(held.checkpoints, seq, key=lambda d: int(d["seq"]))
                    if at < len(held.checkpoints) and int(held.checkpoints[at]["seq"]) == seq:
                        if held.checkpoints[at]["checkpointHash"] != doc["checkpointHash"]:
                            raise WitnessConflict(f"the witness holds another checkpoint #{seq}")
                        continue
                if seq != last + 1:
                    break  # never leave a hole: the missing one comes first
                lines.append({"log": log_id, "type": "checkpoint", "doc": doc})
                last = seq
            self._append(f, lines)
            return last

        return self._locked(write)

    def publish_alarm(self, log_id: str, doc: dict[str, Any]) -> None:
        self._locked(lambda f: self._append(f, [{"log": log_id, "type": "alarm", "doc": doc}]))

    # -- the file -----------------------------------------------------------------------------------------

    def _locked(self, action: Callable[[Any], Any]) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a+b") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                self._refresh(f)
                return action(f)
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _refresh(self, f: Any) -> None:
        """Read what others appended since the last read (from the start if the file was replaced)."""
        stat = os.fstat(f.fileno())
        if self._identity != (stat.st_dev, stat.st_ino) or stat.st_size < self._offset:
            self._identity, self._offset, self._logs, self._unreadable = (stat.st_dev, stat.st_ino), 0, {}, 0
        f.seek(self._offset)
        data = f.read()
        end = data.rfind(b"\n") + 1  # a last line without its newline is still being written (or torn)
        for line in data[:end].splitlines():
            self._take(line)
        self._offset += end

    def _take(self, line: bytes) -> None:
        try:
            record = json.loads(line)
            log_id, kind, doc = record["log"], record["type"], record["doc"]
        except (ValueError, KeyError, TypeError):
            self._unreadable += 1
            return
        held = self._logs.setdefault(str(log_id), Witnessed())
        if kind == "alarm":
            held.alarms.append(doc)
        elif kind == "checkpoint":
            seq = int(doc.get("seq", 0))
            if seq <= held.last_seq:
                same = next((d for d in held.checkpoints if int(d["seq"]) == seq), None)
                if same is None or same.get("checkpointHash") != doc.get("checkpointHash"):
                    held.conflicts.append(doc)
            else:
                held.checkpoints.append(doc)

    def _append(self, f: Any, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        f.seek(0, os.SEEK_END)
        size = f.tell()
        prefix = b""
        if size:
            f.seek(size - 1)
            if f.read(1) != b"\n":
                prefix = b"\n"  # close a torn line rather than continue it
        payload = prefix + b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
        if size == 0:
            _fsync_directory(self.path.parent)
        self._refresh(f)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file(location: str) -> Witness:
    return FileWitness(Path(location).expanduser())


SCHEMES: dict[str, Callable[[str], Witness]] = {"file": _file}


def open_witness(spec: str) -> Witness:
    """`file:PATH` (or a bare path)."""
    scheme, sep, location = spec.partition(":")
    if not sep:
        return _file(spec)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown witness {spec!r}: use file:PATH")
    return SCHEMES[scheme](location)
