"""Verified volunteer service records as a signed file for the social-credit system (`civicledger
timebank-export`), verified offline by `civicledger timebank-verify-export`.

The machinery is the audit-trail export's (`export.py`): the document's canonical JSON (keys sorted, no
whitespace, without `documentHash` and `signature`) is hashed with SHA-256 and signed with the checkpoint key
(Ed25519), whose public key the document carries; a verifier trusts only the key it was given (the published
one) when it is given one. Each record also carries its own digest and the chain hash of the event that
verified it, so that one record can be checked alone and traced to the audit trail (`civicledger export
--stream <recordId>` shows that event with the same chain hash).

Residents appear by their registry id (a UUID), never by name or ID number: the social-credit system resolves
the id through the registry's own interface, under its own access rules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from civicledger.inspection.export import canonical
from civicledger.inspection.findings import Finding
from civicledger.inspection.history import events_by_positions
from civicledger.inspection.signing import Signer, decode_key, encode_key, key_id, signature_valid
from civicledger.projections.timebank_records import verified_records

FORMAT = "civicledger-timebank-records/1"
RECORD_FIELDS = ("recordId", "residentId", "district", "organiserOffice", "organiserName", "category", "servedOn",
                 "hours", "verifiedBy", "verifiedAt", "verificationPosition", "verificationChainHash")
ALGORITHMS = {
    "recordDigest": "SHA-256 of canonical JSON [" + ", ".join(RECORD_FIELDS) + "] (separators ',' ':', no ASCII"
                    " escaping)",
    "document": "Ed25519 signature over SHA-256 of this document's canonical JSON (keys sorted, no whitespace)"
                " without documentHash and signature",
}
DOCUMENT_SIGNATURE = "DOCUMENT_SIGNATURE"
RECORD_DIGEST = "RECORD_DIGEST_MISMATCH"
TOTALS = "TOTALS_MISMATCH"
FORMAT_INVALID = "FORMAT_INVALID"


def record_digest(record: dict[str, Any]) -> str:
    body = [record[f] for f in RECORD_FIELDS]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


async def build_timebank_export(conn: asyncpg.Connection, signer: Signer, *, generated_by: dict[str, Any],
                                since: date | None = None, until: date | None = None,
                                district: str | None = None) -> dict[str, Any]:
    rows = await verified_records(conn, since=since, until=until, district=district)
    chains = {e.position: e.chain_hash for e in await events_by_positions(
        conn, [r["decision_position"] for r in rows])}
    records = []
    for r in rows:
        record = {
            "recordId": str(r["id"]), "residentId": str(r["resident_id"]), "district": r["district"],
            "organiserOffice": r["organiser_office"], "organiserName": r["organiser_name"],
            "category": r["category"], "servedOn": r["served_on"].isoformat(), "hours": f"{r['hours']:.2f}",
            "verifiedBy": r["decided_by"], "verifiedAt": r["decided_at"].astimezone(UTC).isoformat(),
            "verificationPosition": r["decision_position"],
            "verificationChainHash": chains[r["decision_position"]].hex() if r["decision_position"] in chains
            else None,
        }
        record["recordDigest"] = record_digest(record)
        records.append(record)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "generatedAt": datetime.now(UTC).isoformat(),
        "generatedBy": generated_by,
        "filter": {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
                   "district": district},
        "algorithms": ALGORITHMS,
        "publicKey": encode_key(signer.public_key),
        "keyId": signer.key_id,
        "recordCount": len(records),
        "totalHours": f"{sum((Decimal(r['hours']) for r in records), Decimal('0')):.2f}",
        "records": records,
    }
    digest = hashlib.sha256(canonical(doc)).digest()
    doc["documentHash"] = digest.hex()
    doc["signature"] = signer.sign(digest).hex()
    return doc


@dataclass
class TimeBankExportVerification:
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    key_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [f"civicledger timebank-verify-export: {self.records} records, signed by key {self.key_id or '?'}"]
        if self.ok:
            lines.append("OK: the document verifies")
        else:
            lines.append(f"FAILED: {len(self.findings)} finding{'s' if len(self.findings) != 1 else ''}")
            lines += [f"  {f.kind:<24} {f.message}" for f in self.findings]
        return "\n".join(lines)


def verify_timebank_export(doc: dict[str, Any], trusted_keys: Sequence[bytes] = ()) -> TimeBankExportVerification:
    """Everything checked from the document alone (and the trusted keys): the signature over the whole, each
    record's digest, and the count and total hours."""
    result = TimeBankExportVerification()
    try:
        _verify(doc, trusted_keys, result)
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        result.findings.append(Finding(FORMAT_INVALID, f"the document is malformed: {exc!r}"))
    return result


def _verify(doc: dict[str, Any], trusted_keys: Sequence[bytes], result: TimeBankExportVerification) -> None:
    add = result.findings.append
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        add(Finding(FORMAT_INVALID, f"not a {FORMAT} document"))
        return
    public_key = decode_key(doc["publicKey"])
    result.key_id = key_id(public_key)
    digest = hashlib.sha256(canonical(doc)).digest()
    if digest.hex() != doc.get("documentHash") or not signature_valid(
            public_key, digest, bytes.fromhex(str(doc.get("signature", "")))):
        add(Finding(DOCUMENT_SIGNATURE, "the document's signature does not match its contents (edited)"))
    if trusted_keys and public_key not in list(trusted_keys):
        add(Finding(DOCUMENT_SIGNATURE, f"signed by key {key_id(public_key)}, not the published key"))
    total = Decimal("0")
    for record in doc["records"]:
        result.records += 1
        if record_digest(record) != record.get("recordDigest"):
            add(Finding(RECORD_DIGEST, f"record {record.get('recordId')}: its fields do not match its digest"))
        total += Decimal(record["hours"])
    if doc["recordCount"] != result.records or Decimal(doc["totalHours"]) != total:
        add(Finding(TOTALS, f"the document states {doc['recordCount']} records and {doc['totalHours']} hours; it"
                            f" holds {result.records} and {total:.2f}"))
