"""The volunteer time bank (社工+义工): verified service hours banked, redeemed, shared within a household, and
exported, signed, to the social-credit system."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path

from civicledger.core.guangzhou import parse_district
from civicledger.domains.timebank import timeline
from civicledger.domains.timebank.services import TimeBankService
from civicledger.inspection.signing import Signer, decode_key
from civicledger.inspection.timebank_export import build_timebank_export, verify_timebank_export
from civicledger.projections.timebank_accounts import TimeBankAccountsProjection
from civicledger.projections.timebank_records import TimeBankRecordsProjection
from civicledger.settings import Settings
from civicledger.slice import CliCommand, ProcessWiring, ProgramSlice


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="FILE", help="JSON file (default: stdout)")
    parser.add_argument("--since", type=date.fromisoformat, help="served on or after (YYYY-MM-DD)")
    parser.add_argument("--until", type=date.fromisoformat, help="served on or before (YYYY-MM-DD)")
    parser.add_argument("--district", help="only volunteers of this district (code or name)")


async def _export(wiring: ProcessWiring, args: argparse.Namespace) -> int:
    """Verified service records, as the read models show them, in a file signed with the checkpoint key."""
    signer = Signer(Settings.from_env().checkpoint_seed)
    district = parse_district(args.district).value if args.district else None
    async with wiring.pool.acquire() as conn:
        doc = await build_timebank_export(conn, signer, since=args.since, until=args.until, district=district,
                                          generated_by={"id": f"cli:{getpass.getuser()}", "role": "operator"})
    data = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if args.out:
        Path(args.out).write_text(data, encoding="utf-8")
        print(f"wrote {doc['recordCount']} verified records ({doc['totalHours']} hours) to {args.out},"
              f" signed by key {doc['keyId']}")
    else:
        sys.stdout.write(data)
    return 0


def _configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the exported JSON")
    parser.add_argument("--public-key", action="append", metavar="KEY",
                        help="trust only this published key (base64; repeatable)")


async def _verify(wiring: ProcessWiring | None, args: argparse.Namespace) -> int:
    """Offline: needs the file (and the published key), no database. Exit 0 verified, 1 a finding, 2 unreadable."""
    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
        keys = [decode_key(k) for k in (args.public_key or [])]
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    result = verify_timebank_export(doc, keys)
    print(result.render())
    return 0 if result.ok else 1


SLICE = ProgramSlice(
    name="timebank",
    description="the volunteer time bank: verified service hours banked, redeemed and shared in a household",
    service=lambda w: TimeBankService(w.ledger, residents=w.services.residents, clock=w.clock),
    read_models=(TimeBankAccountsProjection, TimeBankRecordsProjection),
    query="civicledger.graphql.timebank.queries:TimeBankQueries",
    mutation="civicledger.graphql.timebank.mutations:TimeBankMutations",
    types=(
        "civicledger.graphql.timebank.types:TimeBankAccountType",
        "civicledger.graphql.timebank.types:ServiceRecordType",
    ),
    timeline=timeline.CONTRIBUTION,
    demo="civicledger.demo.timebank:load_timebank",
    cli=(CliCommand(name="timebank-export", help="verified volunteer service records as a signed file for the "
                    "social-credit system", action=_export, configure=_configure_export),
         CliCommand(name="timebank-verify-export", help="verify a time-bank export offline; exit 1 on any finding",
                    action=_verify, configure=_configure_verify, offline=True)),  # type: ignore[arg-type]
)
