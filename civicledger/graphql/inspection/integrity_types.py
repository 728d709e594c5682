"""GraphQL types of tamper evidence and exports: integrity reports, signed checkpoints, audit-trail documents."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from civicledger.graphql.inspection.common import list_page
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.signing import encode_key, key_id
from civicledger.inspection.verify import Finding, IntegrityReport


@strawberry.type(name="Checkpoint", description="A signed checkpoint sealing the global log up to a position. "
                 "Keep `document` outside the system; `civicledger verify --against FILE` compares it later.")
class CheckpointType:
    seq: int = strawberry.field(description="The checkpoint's sequence number (1 for the first).")
    position: int = strawberry.field(description="The log position it seals up to.")
    previous_position: int = strawberry.field(description="The position the previous checkpoint sealed up to.")
    event_count: int = strawberry.field(description="Events sealed by this checkpoint (between the two positions).")
    created_at: datetime = strawberry.field(description="When it was made.")
    checkpoint_hash: str = strawberry.field(description=("Hash of the checkpoint's content (hex): what the signature"
                                                         " covers."))
    log_hash: str = strawberry.field(description=("Hash of the whole log up to position (hex), chained from the "
                                                  "previous checkpoint."))
    range_root: str = strawberry.field(description="Merkle root of the events in its range (hex).")
    key_id: str = strawberry.field(description=("Short id of the signing key (compare with `civicledger checkpoint "
                                                "--public-key`)."))
    public_key: str = strawberry.field(description="Ed25519 public key (base64) that signed it.")
    document: JSON = strawberry.field(description="The checkpoint file, exactly as `checkpoint --export` writes it.")

    @classmethod
    def of(cls, cp: Checkpoint) -> CheckpointType:
        return cls(seq=cp.seq, position=cp.position, previous_position=cp.previous_position,
                   event_count=cp.event_count, created_at=cp.created_at, checkpoint_hash=cp.checkpoint_hash.hex(),
                   log_hash=cp.log_hash.hex(), range_root=cp.range_root.hex(), key_id=key_id(cp.public_key),
                   public_key=encode_key(cp.public_key), document=cp.to_document())


@strawberry.type(name="IntegrityFinding", description="One thing wrong with the record, and where.")
class IntegrityFindingType:
    kind: str = strawberry.field(description="MAC_MISMATCH, UNKEYED_EVENT, CHAIN_MISMATCH, VERSION_GAP, "
                                 "STREAM_ORDER, LOG_ORDER, MISSING_EVENT, UNEXPECTED_EVENT, CHECKPOINT_MISMATCH, "
                                 "CHECKPOINT_INVALID, CHECKPOINT_MISSING, WITNESS_MISMATCH, WITNESS_ALARM, "
                                 "UNWITNESSED_EVENTS, ROW_MAC_MISMATCH, SIDE_MISMATCH, IDEMPOTENCY_MISMATCH, "
                                 "KEY_MISSING, KEY_INCONSISTENT, ... (docs/THREAT-MODEL.md)")
    message: str = strawberry.field(description="What is wrong, in words.")
    stream_id: UUID | None = strawberry.field(description="The stream concerned, if one.")
    version: int | None = strawberry.field(description="The event's version in its stream, if one.")
    position: int | None = strawberry.field(description="The event's log position, if one.")
    checkpoint: int | None = strawberry.field(description="The checkpoint concerned (its seq), if one.")
    where: str = strawberry.field(description="Where, in one line (stream and version, position or checkpoint).")

    @classmethod
    def of(cls, f: Finding) -> IntegrityFindingType:
        return cls(kind=f.kind, message=f.message, stream_id=f.stream_id, version=f.version, position=f.position,
                   checkpoint=f.checkpoint, where=f.where())


@strawberry.type(name="IntegrityFindingEdge")
class IntegrityFindingEdge:
    cursor: str
    node: IntegrityFindingType


@strawberry.type(name="IntegrityFindingConnection")
class IntegrityFindingConnection:
    edges: list[IntegrityFindingEdge]
    page_info: relay.PageInfo
    total_count: int


@strawberry.type(description=("What `verify` found: every event's chain and MAC recomputed, checked against the "
                              "signed checkpoints and the witness. `ok` is true when there are no findings."),
                 name="IntegrityReport")
class IntegrityReportType:
    report: strawberry.Private[IntegrityReport]

    @strawberry.field(description="True when nothing was found.")
    def ok(self) -> bool:
        return self.report.ok

    @strawberry.field(description="What was verified: the whole log, or one stream.")
    def scope(self) -> str:
        return self.report.scope

    @strawberry.field(description="Events verified.")
    def events(self) -> int:
        return self.report.events

    @strawberry.field(description="Streams verified.")
    def streams(self) -> int:
        return self.report.streams

    @strawberry.field(description="Checkpoints checked.")
    def checkpoints(self) -> int:
        return self.report.checkpoints

    @strawberry.field(description="Position up to which signed checkpoints seal the log.")
    def sealed_up_to(self) -> int:
        return self.report.sealed_upto

    @strawberry.field(description="Events after the latest checkpoint (sealed by the next one).")
    def unsealed_events(self) -> int:
        return self.report.unsealed_events

    @strawberry.field(description="The newest checkpoint.")
    def latest_checkpoint(self) -> CheckpointType | None:
        return CheckpointType.of(self.report.latest) if self.report.latest else None

    @strawberry.field(description="The witness outside the database that was read (null: the database alone).")
    def witness(self) -> str | None:
        return self.report.witness

    @strawberry.field(description="Position up to which checkpoints held by the witness vouch for the log.")
    def witnessed_up_to(self) -> int:
        return self.report.witnessed_upto

    @strawberry.field(description="Events after the witness's newest checkpoint (normally the last second's): "
                      "the witness cannot vouch for them yet.")
    def unwitnessed_events(self) -> int:
        return self.report.unwitnessed_events

    @strawberry.field(description="What the report says besides findings (e.g. checkpoints not witnessed yet).")
    def notes(self) -> list[str]:
        return list(self.report.notes)

    @strawberry.field(description="The readable report, as `civicledger verify` prints it.")
    def text(self) -> str:
        return self.report.render()

    @strawberry.field(description="What verify found, in the order it found them: at most 1000 per page (`first`,"
                                  " default 100; more is cut to 1000).")
    def findings(self, first: int = 100, after: str | None = None) -> IntegrityFindingConnection:
        edges, info = list_page(self.report.findings, min(max(first, 1), 1000), after, "f")
        return IntegrityFindingConnection(
            edges=[IntegrityFindingEdge(cursor=c, node=IntegrityFindingType.of(f)) for c, f in edges],
            page_info=info, total_count=len(self.report.findings) + self.report.more_findings,
        )


@strawberry.type(name="AuditTrailExport", description="A self-verifying audit trail: `document` is the signed "
                 "JSON (check it with `civicledger verify-export`), `html` the readable page embedding it.")
class AuditTrailExportType:
    document: JSON = strawberry.field(description=("The signed export as JSON: verify it offline with `civicledger "
                                                   "verify-export`."))
    document_hash: str = strawberry.field(description="SHA-256 of the document (hex).")
    key_id: str = strawberry.field(description="Short id of the key that signed it.")
    event_count: int = strawberry.field(description="Events it holds.")
    html: str = strawberry.field(description="The same export as a self-contained HTML page for people to read.")
