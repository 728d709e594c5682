"""A case's audit trail as a self-verifying document an inspector can file (JSON, and HTML around it).

The JSON holds, for every event of every stream exported (each stream in full, from version 1): its
metadata, the exact stored payload (`storedState`: personal fields are ciphertext there), a readable payload
(personal fields masked, shown only to a reader with a stated purpose, or null once erased), its digest and
chain hash, and a Merkle inclusion proof against the signed checkpoint that sealed its position. The
document as a whole is signed with the same key as the checkpoints, whose public key it carries.

`verify_export` needs nothing but the document: it recomputes each digest and chain from the stored
payloads, checks that every readable non-personal field equals the stored one, checks each inclusion proof
against its checkpoint's signed Merkle root, and checks every signature. Anyone can re-implement it from
`core/eventstore/integrity.py`, `inspection/merkle.py` and `inspection/checkpoints.py`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from civicledger.core.eventstore.integrity import META_COLUMNS, ZERO_HASH, chain_hash, event_digest
from civicledger.core.eventstore.mapper import SEALED, sealed_fields
from civicledger.core.eventstore.sealed import fetch_keys, subjects_in
from civicledger.inspection import merkle
from civicledger.inspection.checkpoints import Checkpoint, checkpoints_covering, latest_checkpoint, range_leaves
from civicledger.inspection.history import RecordedEvent, events_of_streams
from civicledger.inspection.payloads import PayloadReader, Reveal, never
from civicledger.inspection.signing import Signer, decode_key, encode_key, key_id, signature_valid
from civicledger.inspection.verify import CHAIN_MISMATCH, CHECKPOINT_INVALID, VERSION_GAP, Finding

FORMAT = "civicledger-audit-trail/1"
ALGORITHMS = {
    "digest": "SHA-256 of canonical JSON [stream id, version, topic, SHA-256(storedState as UTF-8) hex,"
              " *metadata in the order of `metadata`] (separators ',' ':', no ASCII escaping)",
    "chainHash": "SHA-256(previous chain hash || digest); 32 zero bytes before version 1",
    "leaf": "SHA-256(0x00 || position u64be || stream id 16 bytes || version u64be || chain hash)",
    "inclusion": "RFC 9162 Merkle audit path to the checkpoint's rangeRoot; index and size follow from the"
                 " checkpoint's range and gaps",
    "checkpoint": "Ed25519 signature over SHA-256 of canonical JSON [format, seq, position, previousPosition,"
                  " eventCount, gaps, rangeRoot, logHash, previousHash, createdAt] (civicledger-checkpoint/1), or"
                  " [format, log, seq, position, previousPosition, eventCount, gaps, rangeRoot, logHash,"
                  " previousHash, createdAt, legacyUpto, sideBound, sides] (civicledger-checkpoint/2)",
    "document": "Ed25519 signature over SHA-256 of this document's canonical JSON (keys sorted, no"
                " whitespace) without documentHash and signature",
}
DOCUMENT_SIGNATURE = "DOCUMENT_SIGNATURE"
DIGEST_MISMATCH = "DIGEST_MISMATCH"
PAYLOAD_MISMATCH = "PAYLOAD_MISMATCH"
INCLUSION_FAILED = "INCLUSION_FAILED"
FORMAT_INVALID = "FORMAT_INVALID"
_EMBEDDED = re.compile(r'<script type="application/json" id="civicledger-audit-trail">(.*?)</script>', re.S)


def canonical(doc: dict[str, Any]) -> bytes:
    body = {k: v for k, v in doc.items() if k not in ("documentHash", "signature")}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Built:
    document: dict[str, Any]
    revealed: dict[UUID, set[str]] = field(default_factory=dict)


PrepareReveal = Callable[[set[UUID]], Awaitable[Reveal]]


async def build_export(conn: asyncpg.Connection, reader: PayloadReader, signer: Signer, *, subject: dict[str, str],
                       stream_ids: Sequence[UUID], prepare_reveal: PrepareReveal | None = None,
                       generated_by: dict[str, Any] | None = None, purpose: str | None = None) -> Built:
    """`prepare_reveal` is told whose personal data the events hold and answers who may be shown in clear."""
    streams = await events_of_streams(conn, stream_ids)
    every = [e for events in streams.values() for e in events]
    keys = await fetch_keys(conn, reader.keyring, (e.state for e in every))
    reveal = await prepare_reveal(subjects_in(e.state for e in every)) if prepare_reveal else never
    checkpoints = await checkpoints_covering(conn, [e.position for e in every])
    proofs = await _inclusion_proofs(conn, checkpoints, [e.position for e in every])
    built = Built(document={})
    out_streams = []
    for sid, events in streams.items():
        out_events = []
        for e in events:
            readable = reader.readable(e.stream_id, e.version, e.topic, e.state, keys, reveal)
            for subject_id, names in readable.revealed.items():
                built.revealed.setdefault(subject_id, set()).update(names)
            seq, index, size, path = proofs.get(e.position, (None, 0, 0, []))
            out_events.append({
                "version": e.version, "position": e.position, "topic": e.topic, "program": e.program,
                "kind": e.kind, "occurredAt": e.occurred_at.isoformat(), "metadata": dict(e.metadata),
                "storedState": e.state.decode("utf-8"), "payload": readable.payload,
                "personalFields": readable.personal_fields, "erased": readable.erased,
                "digest": event_digest(e.stream_id, e.version, e.topic, e.state,
                                       [e.metadata[c] for c in META_COLUMNS]).hex(),
                "chainHash": e.chain_hash.hex(),
                "inclusion": None if seq is None else {"checkpoint": seq, "index": index, "size": size,
                                                       "path": [p.hex() for p in path]},
            })
        out_streams.append({"streamId": str(sid), "type": _stream_type(events), "events": out_events})
    covering = {p[0] for p in proofs.values()}
    latest = await latest_checkpoint(conn)
    doc: dict[str, Any] = {
        "format": FORMAT, "subject": subject, "generatedAt": datetime.now(UTC).isoformat(),
        "generatedBy": generated_by or {}, "purpose": purpose, "algorithms": ALGORITHMS,
        "metadataColumns": list(META_COLUMNS), "publicKey": encode_key(signer.public_key), "keyId": signer.key_id,
        "streams": out_streams,
        "checkpoints": [cp.to_document() for cp in checkpoints if cp.seq in covering],
        "latestCheckpoint": latest.to_document() if latest else None,
        "eventCount": len(every),
    }
    digest = hashlib.sha256(canonical(doc)).digest()
    doc["documentHash"] = digest.hex()
    doc["signature"] = signer.sign(digest).hex()
    built.document = doc
    return built


def _stream_type(events: Sequence[RecordedEvent]) -> str | None:
    if not events:
        return None
    return orjson.loads(events[0].state).get("originator_topic")


async def _inclusion_proofs(conn: asyncpg.Connection, checkpoints: Sequence[Checkpoint],
                            positions: Sequence[int]) -> dict[int, tuple[int, int, int, list[bytes]]]:
    out = {}
    for cp in checkpoints:
        leaves = await range_leaves(conn, cp.previous_position, cp.position)
        tree = merkle.levels([leaf for _, leaf in leaves])
        index_of = {position: i for i, (position, _) in enumerate(leaves)}
        for position in positions:
            if cp.covers(position) and position in index_of:
                i = index_of[position]
                out[position] = (cp.seq, i, len(leaves), merkle.inclusion_path(tree, i))
    return out


# -- verification ---------------------------------------------------------------------------------------------

@dataclass
class ExportVerification:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    streams: int = 0
    events: int = 0
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [f"civicledger verify-export: {self.events} events in {self.streams} streams,"
                 f" signed by key {self.key_id or '?'}"]
        lines += [f"  note: {n}" for n in self.notes]
        if self.ok:
            lines.append("OK: the document verifies")
        else:
            lines.append(f"FAILED: {len(self.findings)} finding{'s' if len(self.findings) != 1 else ''}")
            lines += [f"  {f.kind:<20} {f.where()}: {f.message}" for f in self.findings]
        return "\n".join(lines)


def verify_export(doc: dict[str, Any], trusted_keys: Sequence[bytes] = ()) -> ExportVerification:
    result = ExportVerification()
    try:
        _verify(doc, trusted_keys, result)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        result.findings.append(Finding(FORMAT_INVALID, f"the document is malformed: {exc!r}"))
    return result


def _verify(doc: dict[str, Any], trusted_keys: Sequence[bytes], result: ExportVerification) -> None:
    add = result.findings.append
    if doc.get("format") != FORMAT:
        add(Finding(FORMAT_INVALID, f"not a {FORMAT} document"))
        return
    public_key = decode_key(doc["publicKey"])
    result.key_id = key_id(public_key)
    digest = hashlib.sha256(canonical(doc)).digest()
    if digest.hex() != doc.get("documentHash") or not signature_valid(public_key, digest,
                                                                        bytes.fromhex(doc.get("signature", ""))):
        add(Finding(DOCUMENT_SIGNATURE, "the document's signature does not match its contents (edited)"))
    trusted = list(trusted_keys) or [public_key]
    if public_key not in trusted:
        add(Finding(DOCUMENT_SIGNATURE, f"signed by key {key_id(public_key)}, not the published key"))
    checkpoints: dict[int, Checkpoint] = {}
    for raw in doc.get("checkpoints", []) + ([doc["latestCheckpoint"]] if doc.get("latestCheckpoint") else []):
        cp = Checkpoint.from_document(raw)
        if cp.seq in checkpoints:
            continue
        for problem in cp.problems(trusted):
            add(Finding(CHECKPOINT_INVALID, f"checkpoint #{cp.seq}: {problem}", checkpoint=cp.seq))
        checkpoints[cp.seq] = cp
    columns = doc["metadataColumns"]
    unsealed = 0
    for stream in doc["streams"]:
        result.streams += 1
        sid = UUID(stream["streamId"])
        previous = ZERO_HASH
        for expected, e in enumerate(stream["events"], start=1):
            result.events += 1
            unsealed += _verify_event(sid, expected, e, columns, previous, checkpoints, add)
            previous = bytes.fromhex(e["chainHash"])
    if unsealed:
        result.notes.append(f"{unsealed} events were recorded after the latest checkpoint: their chains verify,"
                            " but no signed checkpoint seals them yet")
    if doc.get("latestCheckpoint"):
        latest = doc["latestCheckpoint"]
        result.notes.append(f"latest checkpoint #{latest['seq']} seals the log up to position {latest['position']}"
                            f" ({latest['createdAt']})")


def _verify_event(sid: UUID, expected: int, e: dict[str, Any], columns: list[str], previous: bytes,
                  checkpoints: dict[int, Checkpoint], add: Any) -> int:
    version, position = e["version"], e["position"]
    where = {"stream_id": sid, "version": version, "position": position}
    if version != expected:
        add(Finding(VERSION_GAP, f"expected version {expected}: events are missing from the export", **where))
    state = e["storedState"].encode("utf-8")
    digest = event_digest(sid, version, e["topic"], state, [e["metadata"].get(c) for c in columns])
    if digest.hex() != e["digest"]:
        add(Finding(DIGEST_MISMATCH, "the stored payload or metadata do not hash to the digest (edited)", **where))
    if chain_hash(previous, digest).hex() != e["chainHash"]:
        add(Finding(CHAIN_MISMATCH, "the chain hash does not follow from the previous event and this one", **where))
    problem = _payload_problem(orjson.loads(state), e["payload"], e.get("personalFields", []))
    if problem:
        add(Finding(PAYLOAD_MISMATCH, problem, **where))
    proof = e.get("inclusion")
    if proof is None:
        return 1
    cp = checkpoints.get(proof["checkpoint"])
    if cp is None or not cp.covers(position) or cp.is_gap(position):
        add(Finding(INCLUSION_FAILED, "no checkpoint in the document seals this position", **where))
        return 0
    index, size = _index_and_size(cp, position)
    leaf = merkle.leaf_hash(position, sid, version, bytes.fromhex(e["chainHash"]))
    if not merkle.verify_inclusion(leaf, index, size, [bytes.fromhex(p) for p in proof["path"]], cp.range_root):
        add(Finding(INCLUSION_FAILED, f"not included in what checkpoint #{cp.seq} sealed", checkpoint=cp.seq,
                    **where))
    return 0


def _index_and_size(cp: Checkpoint, position: int) -> tuple[int, int]:
    def filled(upto: int) -> int:
        n = upto - cp.previous_position
        return n - sum(max(0, min(b, upto) - a + 1) for a, b in cp.gaps if a <= upto)

    return filled(position) - 1, filled(cp.position)


def _payload_problem(stored: dict[str, Any], shown: dict[str, Any], personal: list[str]) -> str | None:
    owners = sealed_fields(stored)
    stored = {k: v for k, v in stored.items() if k != SEALED}
    if set(stored) != set(shown):
        return "the readable payload's fields differ from the stored payload's"
    for name, value in stored.items():
        sealed = name in owners
        if sealed and name not in personal:
            return f"{name} is personal data but not marked as such"
        # A sealed field reads masked, null (erased) or, for a reader with a purpose, in clear: the plain
        # value cannot be checked without the resident's key; every other field must equal the stored one.
        if not sealed and shown[name] != value:
            return f"{name} differs from the stored payload (edited)"
    return None


# -- files ----------------------------------------------------------------------------------------------------

def to_json_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def load_document(path: Path) -> dict[str, Any]:
    """A JSON export, or the HTML rendering (which embeds the JSON)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("<"):
        match = _EMBEDDED.search(text)
        if match is None:
            raise ValueError("no embedded audit trail in this HTML file")
        text = match.group(1)  # "<\/" inside is JSON's own escape for "</"
    doc: dict[str, Any] = json.loads(text)
    return doc


def render_html(doc: dict[str, Any]) -> str:
    from civicledger.inspection.export_html import render

    return render(doc)
