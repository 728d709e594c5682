"""The inspectors' command-line tools (registered in `civicledger/cli.py`; composition code, so it lives beside it):

    civicledger verify [--stream ID] [--against FILE] [--public-key KEY] [--seal] [--witness SPEC | --no-witness]
    civicledger checkpoint [--export FILE] [--no-seal] [--public-key]
    civicledger export (--stream ID | --resident ID) [--out FILE] [--html FILE] [--seal]
    civicledger verify-export FILE [--public-key KEY]

Exit status: 0 when everything verifies, 1 on any finding, 2 on a usage error."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from civicledger.core.db import ConnectionParams, resolve_database
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.export import load_document, render_html, to_json_bytes, verify_export
from civicledger.inspection.signing import decode_key, encode_key, key_id
from civicledger.inspection.witness import open_witness
from civicledger.settings import Settings

if TYPE_CHECKING:
    from civicledger.runtime import Runtime

T = TypeVar("T")


def _with_runtime(settings: Settings, action: Callable[[Runtime], Awaitable[T]]) -> T:
    from civicledger.runtime import Runtime

    async def run(params: ConnectionParams) -> T:
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=False)
        try:
            return await action(runtime)
        finally:
            await runtime.close()

    with resolve_database(settings.database_url, settings.data_dir) as params:
        return asyncio.run(run(params))


def _keys(args: argparse.Namespace) -> list[bytes]:
    return [decode_key(k) for k in (args.public_key or [])]


def cmd_verify(args: argparse.Namespace) -> int:
    against = Checkpoint.from_document(json.loads(Path(args.against).read_text())) if args.against else None

    async def run(runtime: Runtime) -> Any:
        if args.seal:
            await runtime.inspection.seal()
        witness: Any = False if args.no_witness else (open_witness(args.witness) if args.witness else True)
        return await runtime.inspection.verify(stream_id=UUID(args.stream) if args.stream else None,
                                               against=against, trusted_keys=_keys(args), witness=witness)

    report = _with_runtime(Settings.from_env(), run)
    print(report.render())
    return 0 if report.ok else 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.print_public_key:
        from civicledger.inspection.signing import Signer

        signer = Signer(settings.checkpoint_seed)
        print(f"{encode_key(signer.public_key)}  (key id {signer.key_id})")
        return 0

    async def run(runtime: Runtime) -> Any:
        sealed = [] if args.no_seal else await runtime.inspection.seal()
        return sealed, await runtime.inspection.latest_checkpoint()

    sealed, latest = _with_runtime(settings, run)
    for cp in sealed:
        print(f"sealed checkpoint #{cp.seq}: positions {cp.previous_position + 1}-{cp.position}, "
              f"{cp.event_count:,} events in all")
    if latest is None:
        print("no checkpoint yet: the log is empty")
        return 0
    if args.export:
        Path(args.export).write_text(json.dumps(latest.to_document(), indent=1) + "\n")
        print(f"wrote checkpoint #{latest.seq} (position {latest.position:,}, key {key_id(latest.public_key)}) to"
              f" {args.export}: keep it outside the system; later run `civicledger verify --against {args.export}`")
    else:
        print(json.dumps(latest.to_document(), indent=1))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if bool(args.stream) == bool(args.resident):
        print("give exactly one of --stream and --resident", file=sys.stderr)
        return 2

    async def run(runtime: Runtime) -> Any:
        if args.seal:
            await runtime.inspection.seal()
        return await runtime.inspection.export(
            stream_id=UUID(args.stream) if args.stream else None,
            resident_id=UUID(args.resident) if args.resident else None,
            generated_by={"id": f"cli:{getpass.getuser()}", "role": "operator", "office": None},
        )

    doc = _with_runtime(Settings.from_env(), run).document
    if not doc["streams"]:
        print("nothing recorded for this id", file=sys.stderr)
        return 1
    data = to_json_bytes(doc)
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"wrote {doc['eventCount']} events in {len(doc['streams'])} streams to {args.out}")
    else:
        sys.stdout.write(data.decode() + "\n")
    if args.html:
        Path(args.html).write_text(render_html(doc), encoding="utf-8")
        print(f"wrote the readable page to {args.html}", file=sys.stderr if not args.out else sys.stdout)
    return 0


def cmd_verify_export(args: argparse.Namespace) -> int:
    try:
        doc = load_document(Path(args.file))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    result = verify_export(doc, _keys(args))
    print(result.render())
    return 0 if result.ok else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = sub.add_parser("verify", help="recompute the tamper evidence; exit 1 on any finding")
    verify.add_argument("--stream", help="only this stream (UUID)")
    verify.add_argument("--against", metavar="FILE", help="a checkpoint file kept outside the system")
    verify.add_argument("--public-key", action="append", metavar="KEY",
                        help="trust only this published key (base64; repeatable)")
    verify.add_argument("--seal", action="store_true", help="seal the log (new checkpoint) before verifying")
    witness = verify.add_mutually_exclusive_group()
    witness.add_argument("--witness", metavar="SPEC",
                         help="read this witness (file:PATH) instead of the configured one (CIVICLEDGER_WITNESS)")
    witness.add_argument("--no-witness", action="store_true",
                         help="check the database alone (a DBA could then hide deleted checkpoints)")
    verify.set_defaults(func=cmd_verify)

    checkpoint = sub.add_parser("checkpoint", help="seal the log with a signed checkpoint; export it")
    checkpoint.add_argument("--export", metavar="FILE", help="write the latest checkpoint to FILE")
    checkpoint.add_argument("--no-seal", action="store_true", help="do not seal first")
    checkpoint.add_argument("--public-key", dest="print_public_key", action="store_true",
                            help="print the public key that verifies checkpoints and exports")
    checkpoint.set_defaults(func=cmd_checkpoint)

    export = sub.add_parser("export", help="a stream's or a resident's audit trail as a self-verifying document")
    export.add_argument("--stream", help="stream UUID")
    export.add_argument("--resident", help="resident UUID: every stream on their timeline")
    export.add_argument("--out", metavar="FILE", help="JSON file (default: stdout)")
    export.add_argument("--html", metavar="FILE", help="also write the readable HTML page")
    export.add_argument("--seal", action="store_true", help="seal the log first, so that every event is covered")
    export.set_defaults(func=cmd_export)

    verify_export_ = sub.add_parser("verify-export", help="verify an exported audit trail (JSON or HTML) offline")
    verify_export_.add_argument("file")
    verify_export_.add_argument("--public-key", action="append", metavar="KEY",
                                help="trust only this published key (base64; repeatable)")
    verify_export_.set_defaults(func=cmd_verify_export)
