"""Inspectors' queries: history, the audit log, time travel, integrity, the access audit and exports.

All need the `audit` scope (inspectors). They read and never write; personal data shows unmasked only by
the usual rule (`sees_personal_data`: inspectors with a stated purpose), and every unmasked read is logged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.errors import InvalidInputError, NotFoundError
from civicledger.graphql.context import Context
from civicledger.graphql.inspection.access_types import (
    AccessFindingConnection,
    AccessFindingEdge,
    AccessFindingType,
    PersonalDataReadConnection,
    PersonalDataReadEdge,
    PersonalDataReadFilter,
    PersonalDataReadType,
)
from civicledger.graphql.inspection.common import (
    aware,
    decode_log_cursor,
    encode_log_cursor,
    list_page,
    page,
    record_reads,
    reveal_for,
    stream_uuid,
)
from civicledger.graphql.inspection.common import events as event_loader
from civicledger.graphql.inspection.integrity_types import (
    AuditTrailExportType,
    CheckpointType,
    IntegrityReportType,
)
from civicledger.graphql.inspection.types import (
    FieldChangeType,
    InForceType,
    RecordedEventConnection,
    RecordedEventEdge,
    RecordedEventType,
    StreamDiffType,
    StreamStateType,
)
from civicledger.graphql.permissions import CanAudit
from civicledger.graphql.relay import decode_cursor, page_info, page_limit, page_size
from civicledger.inspection.export import render_html
from civicledger.inspection.payloads import MASKED, Reveal
from civicledger.inspection.signing import encode_key
from civicledger.inspection.timetravel import StreamAt, diff, in_force


@strawberry.input(name="AuditLogFilter", description="Every given field must match.")
class AuditLogFilter:
    actor_id: str | None = strawberry.field(default=None, description="Only events recorded by this user id.")
    office: str | None = strawberry.field(default=None, description="Only events recorded by this office.")
    district: str | None = strawberry.field(default=None, description="The acting office's district.")
    program: str | None = strawberry.field(default=None, description=("Only this program's events (residents, "
                                                                      "assistance, linkage, casework, meals ...)."))
    kind: str | None = strawberry.field(default=None, description="Event class, e.g. Resident.DetailsCorrected.")
    correlation_id: str | None = strawberry.field(default=None, description="Only events of this request.")
    stream_id: strawberry.ID | None = strawberry.field(default=None, description=("Only this stream's events (global"
                                                                                  " ID or UUID)."))
    since: datetime | None = strawberry.field(default=None, description="Recorded at or after (no zone: Guangzhou).")
    until: datetime | None = strawberry.field(default=None, description="Recorded before.")


@strawberry.enum(description="The order of the audit log.", name="LogOrder")
class LogOrder(Enum):
    NEWEST_FIRST = strawberry.enum_value("NEWEST_FIRST", description="Most recent first (the default).")
    OLDEST_FIRST = strawberry.enum_value("OLDEST_FIRST", description="Oldest first.")


async def _shown(ctx: Context, at: StreamAt) -> StreamStateType:
    reveal, districts = await reveal_for(ctx, at.subjects)
    state, revealed, masked = at.shown_state(reveal)
    if revealed:
        names = {n for n in at.personal() if state.get(n) is not None}
        record_reads(ctx, {s: names for s in at.subjects}, districts, prefix="state.")
    return StreamStateType(
        stream_id=at.stream_id, type=at.type_name, type_topic=at.type_topic, version=at.version,
        position=at.position, recorded_at=at.recorded_at, as_of=at.as_of, erased=at.erased, masked=masked,
        personal_fields=sorted(at.personal()), state=state,
    )


def _instant(value: datetime) -> datetime:
    instant = aware(value)
    assert instant is not None
    return instant


@strawberry.type
class InspectionQueries:
    @strawberry.field(permission_classes=[CanAudit],
                      description=page_limit(500, 50) + "Every event of every program, filterable; "
                      "in recorded order (time, then position), keyset-paged.")
    async def audit_log(
        self, info: Info,
        filter: Annotated[AuditLogFilter | None, strawberry.argument(
                description="Narrows the log (actor, office, district, program, kind, correlation id, stream, period); "
                            "omitted: every event.")] = None,
        first: int | None = 50,
        after: str | None = None,
        order: Annotated[LogOrder, strawberry.argument(
                description="NEWEST_FIRST (default) or OLDEST_FIRST; keyset paging follows "
                            "it.")] = LogOrder.NEWEST_FIRST,
    ) -> RecordedEventConnection:
        limit = page_size(first, default=50, maximum=500)
        f = filter or AuditLogFilter()
        filters = {"actor_id": f.actor_id, "actor_office": f.office, "actor_district": f.district,
                   "program": f.program, "kind": f.kind, "correlation_id": f.correlation_id,
                   "stream_id": stream_uuid(f.stream_id) if f.stream_id else None}
        rows = await info.context.runtime.inspection.audit_log(
            filters=filters, since=aware(f.since), until=aware(f.until), after=decode_log_cursor(after),
            newest_first=order is LogOrder.NEWEST_FIRST, limit=limit,
        )
        edges = [RecordedEventEdge(cursor=encode_log_cursor(r["occurred_at"], r["position"]),
                                   node=RecordedEventType.from_audit_row(r)) for r in rows[:limit]]
        return RecordedEventConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanAudit],
                      description=page_limit(500, 50) + "Every event of one stream (a case, a "
                      "resident, a household ...), oldest first, with full metadata; keyset-paged by version.")
    async def stream_history(
        self, info: Info,
        stream_id: Annotated[strawberry.ID, strawberry.argument(
                description="Global ID (or UUID) of the stream: a resident, a household, a case ...")],
        first: int | None = 50,
        after: str | None = None,
    ) -> RecordedEventConnection:
        limit = page_size(first, default=50, maximum=500)
        sid = stream_uuid(stream_id)
        events = await info.context.runtime.inspection.stream_history(
            sid, after_version=decode_cursor("v", after) or 0, limit=limit)
        if not events and after is None:
            raise NotFoundError(f"stream {sid} not found", id=str(stream_id))
        event_loader(info).prime_many({e.position: e for e in events})  # payloads read them from here
        edges, page_info = page(events, limit, after, "v", key=lambda e: e.version)
        return RecordedEventConnection(
            edges=[RecordedEventEdge(cursor=c, node=RecordedEventType.from_event(e)) for c, e in edges],
            page_info=page_info,
        )

    @strawberry.field(permission_classes=[CanAudit], description="Any aggregate as recorded at an instant.")
    async def stream_at(
        self, info: Info,
        id: strawberry.ID,
        as_of: Annotated[datetime, strawberry.argument(
                description="The instant: the stream as it had been recorded by then.")],
    ) -> StreamStateType:
        sid, instant = stream_uuid(id), _instant(as_of)
        at = await info.context.runtime.inspection.stream_at(sid, instant)
        if at is None:
            raise NotFoundError(f"stream {sid} was not recorded at {instant.isoformat()}", id=str(id),
                                asOf=instant.isoformat())
        return await _shown(info.context, at)

    @strawberry.field(permission_classes=[CanAudit], description="What changed in an aggregate between two "
                      "instants (personal fields masked as in streamAt).")
    async def stream_diff(
        self, info: Info, id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(
                name="from", description="The earlier instant: the aggregate as recorded then.")],
        to: Annotated[datetime | None, strawberry.argument(
                description="The later instant (default: now).")] = None,
    ) -> StreamDiffType:
        sid = stream_uuid(id)
        inspection = info.context.runtime.inspection
        before_at, after_at = await inspection.streams_at(sid, _instant(from_),
                                                          _instant(to) if to else datetime.now(UTC))
        if after_at is None and before_at is None:
            raise NotFoundError(f"stream {sid} not found at either instant", id=str(id))
        before = await _shown(info.context, before_at) if before_at else None
        after_state = await _shown(info.context, after_at) if after_at else None
        ref = after_at or before_at
        assert ref is not None
        # Diff what was recorded, then mask: a reader without a purpose learns *that* a personal field
        # changed, never to what.
        changes = diff(before_at.state() if before_at else None, after_at.state() if after_at else None)
        masked = (before and before.masked) or (after_state and after_state.masked)
        personal = ref.personal()
        shown = [FieldChangeType.of(c, masked=bool(masked) and c.path.split(".")[0] in personal) for c in changes]
        return StreamDiffType(stream_id=sid, type=ref.type_name, from_version=before.version if before else 0,
                              to_version=after_state.version if after_state else 0, before=before,
                              after=after_state, all_changes=shown)

    @strawberry.field(permission_classes=[CanAudit], description="For effective-dated aggregates (standards, "
                      "case entitlements, rules): what was in force on a business date, as recorded at `asOf` "
                      "(default: now).")
    async def stream_in_force(
        self, info: Info,
        id: strawberry.ID,
        on: Annotated[date, strawberry.argument(
                description="The business date whose values in force are asked for.")],
        as_of: Annotated[datetime | None, strawberry.argument(
                description="As recorded at this instant (default: now): what was known then.")] = None,
    ) -> InForceType:
        sid = stream_uuid(id)
        instant = _instant(as_of) if as_of else datetime.now(UTC)
        at = await info.context.runtime.inspection.stream_at(sid, instant)
        if at is None:
            raise NotFoundError(f"stream {sid} was not recorded at {instant.isoformat()}", id=str(id))
        values = in_force(at, on)
        if at.subjects:
            reveal, _ = await reveal_for(info.context, at.subjects)
            if not all(reveal(s) for s in at.subjects):
                values = None if values is None else {k: MASKED for k in values}
        return InForceType(stream_id=sid, type=at.type_name, on=on, as_of=instant, recorded_version=at.version,
                           values=values)

    @strawberry.field(permission_classes=[CanAudit], description="Recompute the tamper evidence: keyed MACs and "
                      "hash chains per stream, global order, signed checkpoints against the witness, the read-access "
                      "log, idempotency records and key events. With streamId, that stream only.")
    async def verify_integrity(
        self, info: Info,
        stream_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only this stream (its chain and MACs); omitted: the whole log.")] = None,
    ) -> IntegrityReportType:
        sid = stream_uuid(stream_id) if stream_id else None
        report = await info.context.runtime.inspection.verify(stream_id=sid)
        return IntegrityReportType(report=report)

    @strawberry.field(permission_classes=[CanAudit], description="The newest signed checkpoint: keep its "
                      "document outside the system.")
    async def latest_checkpoint(self, info: Info) -> CheckpointType | None:
        cp = await info.context.runtime.inspection.latest_checkpoint()
        return CheckpointType.of(cp) if cp else None

    @strawberry.field(permission_classes=[CanAudit], description="The Ed25519 public key (base64) that signs "
                      "checkpoints and exports.")
    def checkpoint_public_key(self, info: Info) -> str:
        return encode_key(info.context.runtime.inspection.signer.public_key)

    @strawberry.field(permission_classes=[CanAudit],
                      description=page_limit(500, 50) + "Reads of personal data, newest first.")
    async def personal_data_reads(
        self, info: Info,
        filter: Annotated[PersonalDataReadFilter | None, strawberry.argument(
                description="Narrows the reads (reader, resident, purpose, period); omitted: every read.")] = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> PersonalDataReadConnection:
        limit = page_size(first, default=50, maximum=500)
        f = filter or PersonalDataReadFilter()
        rows = await info.context.runtime.inspection.reads(
            reader_id=f.reader_id, resident_id=stream_uuid(f.resident_id) if f.resident_id else None,
            purpose=f.purpose, since=aware(f.since), until=aware(f.until), before_id=decode_cursor("a", after),
            limit=limit,
        )
        edges, page_info = page(list(rows), limit, after, "a", key=lambda r: r["id"])
        return PersonalDataReadConnection(
            edges=[PersonalDataReadEdge(cursor=c, node=PersonalDataReadType.of(r)) for c, r in edges],
            page_info=page_info,
        )

    @strawberry.field(permission_classes=[CanAudit],
                      description=page_limit(500, 50) + "Bulk reads, reads outside the reader's "
                      "district without a case link, and night-time reads (Asia/Shanghai) in a period.")
    async def unusual_access(
        self, info: Info,
        since: Annotated[datetime, strawberry.argument(
                description="Start of the period examined (inclusive).")],
        until: Annotated[datetime | None, strawberry.argument(
                description="End of the period (default: now).")] = None,
        bulk_threshold: Annotated[int | None, strawberry.argument(
                description="Reads of this many residents or more by one reader within the window count as bulk (at "
                            "least 2; default from the server's settings).")] = None,
        bulk_window_minutes: Annotated[int | None, strawberry.argument(
                description="The window of the bulk rule, in minutes (at least 1; default from the server's "
                            "settings).")] = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> AccessFindingConnection:
        limit = page_size(first, default=50, maximum=500)
        if (bulk_threshold is not None and bulk_threshold < 2) or (bulk_window_minutes is not None
                                                                   and bulk_window_minutes < 1):
            raise InvalidInputError("bulkThreshold must be at least 2 and bulkWindowMinutes at least 1")
        inspection = info.context.runtime.inspection
        thresholds = inspection.thresholds(
            bulk_threshold=bulk_threshold,
            bulk_window_s=bulk_window_minutes * 60 if bulk_window_minutes else None)
        findings = await inspection.unusual_access(_instant(since), _instant(until) if until else datetime.now(UTC),
                                                   thresholds)
        edges, page_info = list_page(findings, limit, after, "u")
        return AccessFindingConnection(
            edges=[AccessFindingEdge(cursor=c, node=AccessFindingType.of(f)) for c, f in edges],
            page_info=page_info, total_count=len(findings),
        )

    @strawberry.field(permission_classes=[CanAudit], description="A stream's (or a resident's, across every "
                      "stream on their timeline) full audit trail as a signed, self-verifying document.")
    async def export_audit_trail(
        self, info: Info,
        stream_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="The stream to export (give exactly one of streamId and residentId).")] = None,
        resident_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="The resident whose streams are exported (give exactly one of streamId and "
                            "residentId).")] = None,
    ) -> AuditTrailExportType:
        if (stream_id is None) == (resident_id is None):
            raise InvalidInputError("give exactly one of streamId and residentId")
        ctx: Context = info.context
        districts: dict[UUID, str | None] = {}

        async def prepare(subjects: set[UUID]) -> Reveal:
            reveal, found = await reveal_for(ctx, subjects)
            districts.update(found)
            return reveal

        p = ctx.principal
        built = await ctx.runtime.inspection.export(
            stream_id=stream_uuid(stream_id) if stream_id else None,
            resident_id=stream_uuid(resident_id) if resident_id else None, prepare_reveal=prepare,
            generated_by={"id": p.subject, "role": p.role.value, "office": p.office}, purpose=ctx.purpose,
        )
        if not built.document["streams"]:
            raise NotFoundError("nothing recorded for this id", id=str(stream_id or resident_id))
        record_reads(ctx, built.revealed, districts, prefix="export.")
        doc = built.document
        return AuditTrailExportType(document=doc, document_hash=doc["documentHash"], key_id=doc["keyId"],
                                    event_count=doc["eventCount"], html=render_html(doc))
