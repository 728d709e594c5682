"""`python -m bench` (what `civicledger bench` runs, from a repository checkout): every figure side by side."""

from __future__ import annotations

import argparse
import sys

from bench import harness


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="civicledger bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output")
    parser.add_argument("--install-postgraphile", action="store_true")
    parser.add_argument("--server-processes", type=int)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rebuild-events", type=int,
                        help="events in the demo-shaped log rebuilt for rebuild_realistic_events_per_s (default "
                             "1,000,000; 60,000 with --quick)")
    args = parser.parse_args(argv)
    config = None
    if args.rebuild_events is not None:
        config = harness.Config.for_mode(args.quick, server_processes=args.server_processes,
                                         profile=args.profile or None, rebuild_events=args.rebuild_events)
    return int(harness.main(["bench", *argv], quick=args.quick, output=args.output,
                            install_postgraphile=args.install_postgraphile,
                            server_processes=args.server_processes, profile=args.profile, config=config))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
