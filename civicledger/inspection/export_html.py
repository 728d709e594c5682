"""The readable face of an audit-trail export: one HTML page, with the signed JSON embedded so that the page
itself can be verified (`civicledger verify-export page.html`)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}code{font-size:.75rem;word-break:break-all}.erased{color:#a00}.meta{color:#555}
"""


def _cell(value: Any) -> str:
    if value is None:
        return "<span class='meta'>—</span>"
    return escape(str(value))


def _payload(event: dict[str, Any]) -> str:
    payload = {k: v for k, v in event["payload"].items() if k not in ("timestamp", "originator_topic")}
    text = escape(json.dumps(payload, ensure_ascii=False, indent=1))
    note = "<div class='erased'>personal data erased</div>" if event.get("erased") else ""
    return f"{note}<pre>{text}</pre>"


def render(doc: dict[str, Any]) -> str:
    subject = doc.get("subject", {})
    by = doc.get("generatedBy", {})
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>Audit trail — {escape(subject.get('kind', ''))} {escape(subject.get('id', ''))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Audit trail of {escape(subject.get('kind', ''))} <code>{escape(subject.get('id', ''))}</code></h1>",
        f"<p>Generated {escape(doc.get('generatedAt', ''))} by {escape(str(by.get('id', '')))}"
        f" ({escape(str(by.get('role', '')))}){' for: ' + escape(doc['purpose']) if doc.get('purpose') else ''}."
        f" {doc.get('eventCount', 0)} events. Signed by key <code>{escape(doc.get('keyId', ''))}</code>"
        f" (public key <code>{escape(doc.get('publicKey', ''))}</code>).</p>",
        "<p class='meta'>This page embeds the signed JSON document. Check it with"
        " <code>civicledger verify-export FILE</code>: every digest, chain hash, inclusion proof and signature"
        " is recomputed from the document alone.</p>",
    ]
    latest = doc.get("latestCheckpoint")
    if latest:
        parts.append(f"<p>Latest checkpoint: #{latest['seq']}, sealing the log up to position {latest['position']}"
                     f" at {escape(latest['createdAt'])}; hash <code>{latest['checkpointHash']}</code>.</p>")
    for stream in doc.get("streams", []):
        parts.append(f"<h2>{escape(str(stream.get('type') or 'stream'))} <code>{escape(stream['streamId'])}</code>"
                     "</h2><table><tr><th>v</th><th>position</th><th>when (UTC)</th><th>what</th><th>who</th>"
                     "<th>why</th><th>correlation / causation / idempotency</th><th>payload</th>"
                     "<th>chain hash</th><th>sealed by</th></tr>")
        for e in stream["events"]:
            m = e["metadata"]
            sealed = f"#{e['inclusion']['checkpoint']}" if e.get("inclusion") else "not yet sealed"
            parts.append(
                f"<tr><td>{e['version']}</td><td>{e['position']}</td><td>{_cell(e['occurredAt'])}</td>"
                f"<td>{_cell(e['program'])}<br>{_cell(e['kind'])}</td>"
                f"<td>{_cell(m.get('actor_id'))}<br><span class='meta'>{_cell(m.get('actor_role'))},"
                f" {_cell(m.get('actor_office'))}, {_cell(m.get('actor_district'))}</span></td>"
                f"<td>{_cell(m.get('reason'))}</td>"
                f"<td class='meta'>{_cell(m.get('correlation_id'))}<br>{_cell(m.get('causation_id'))}<br>"
                f"{_cell(m.get('idempotency_key'))}<br>{_cell(m.get('origin'))}</td>"
                f"<td>{_payload(e)}</td><td><code>{e['chainHash']}</code></td><td>{sealed}</td></tr>"
            )
        parts.append("</table>")
    embedded = json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="civicledger-audit-trail">{embedded}</script>')
    parts.append("</body></html>")
    return "".join(parts)
