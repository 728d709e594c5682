"""`civicledger` command line: serve, worker, rebuild, token, demo, migrate, schema, bench; the inspectors' verify,
checkpoint, export and verify-export (`civicledger/inspection_cli.py`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from civicledger.core.auth import Role, Scope, issue_token
from civicledger.core.db import ConnectionParams, resolve_database
from civicledger.environment import ConfigurationError, help_text
from civicledger.settings import Settings
from civicledger.slice import CliCommand

log = logging.getLogger("civicledger")


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[ConnectionParams]:
    with resolve_database(settings.database_url, settings.data_dir) as params:
        yield params


def default_workers() -> int:
    """One API process per core: the event loop is single-threaded and the projection runner gets its own
    process whenever there is more than one API process."""
    return max(1, os.cpu_count() or 1)


def _serve(settings: Settings, params: ConnectionParams, host: str, port: int, *, run_projections: bool = True,
           workers: int = 1) -> None:
    import uvicorn

    from civicledger.app import create_app
    from civicledger.logs import log_config

    # uvicorn's own access lines are off: the API writes one JSON access line per request (civicledger.access).
    options = {"host": host, "port": port, "log_level": "info", "loop": "uvloop", "http": "httptools",
               "ws": "websockets-sansio", "access_log": False, "ws_max_size": settings.max_body_bytes,
               "log_config": log_config(access_log=settings.access_log)}
    if workers <= 1:
        app = create_app(settings, params=params, run_projections=run_projections)
        uvicorn.run(app, **options)
        return
    # Several API processes share nothing in memory: give them the resolved database and master key through
    # the environment, and run the projections once, in a worker process of their own.
    os.environ["DATABASE_URL"] = params.url
    os.environ.setdefault("CIVICLEDGER_MASTER_KEY", base64.b64encode(settings.master_key).decode())
    os.environ["CIVICLEDGER_RUN_PROJECTIONS"] = "0"
    metrics_dir = _metrics_dir()
    projector = subprocess.Popen([sys.executable, "-m", "civicledger.cli", "worker"]) if run_projections else None
    try:
        uvicorn.run("civicledger.app:app_from_env", factory=True, workers=workers, **options)
    finally:
        if projector is not None:
            projector.terminate()
            projector.wait(timeout=10)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> str | None:
    """Several API processes count /metrics in files of one directory (prometheus-client's multi-process mode),
    set before any worker starts; wiped at start as its documentation asks. Returns the one made here."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        for stale in Path(configured).glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    made = tempfile.mkdtemp(prefix="civicledger-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    with database(settings) as params:
        _serve(settings, params, args.host, args.port, run_projections=not args.no_projections,
               workers=args.workers)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from civicledger.runtime import Runtime

    settings = Settings.from_env()

    async def run(params: ConnectionParams) -> None:
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("projection worker running: %s", ", ".join(p.name for p in runtime.projections))
        await stop.wait()
        await runtime.close()

    with database(settings) as params:
        asyncio.run(run(params))
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from civicledger.programs import read_model_names
    from civicledger.projections.runner import rebuild
    from civicledger.rebuild import rebuild_in_processes
    from civicledger.runtime import Runtime

    settings = Settings.from_env()
    # Read models only: process managers (recalculation) keep their own position and are never replayed.
    names = args.projection or read_model_names()

    def bar(name: str, total: int) -> tqdm:  # type: ignore[type-arg]
        return tqdm(total=total, desc=f"rebuild {name}", unit="pos")

    async def run(params: ConnectionParams) -> dict[str, float]:
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=False)  # creates missing tables before any process rebuilds
        try:
            if args.processes == 1:
                return await rebuild(runtime.runner, names, progress_factory=bar)
        finally:
            await runtime.close()
        return {}

    with database(settings) as params:
        rates = asyncio.run(run(params))
        if args.processes != 1:
            rates = rebuild_in_processes(settings, params, names, args.processes, progress_factory=bar)
    overall = rates.pop("*", 0.0)
    for name, rate in rates.items():
        print(f"{name}: {rate:,.0f} events/s")
    print(f"all read models: {overall:,.0f} log events/s")
    return 0


def program_command(command: CliCommand) -> Callable[[argparse.Namespace], int]:
    """Run a program's subcommand with a started runtime (no projections followed here)."""

    def run(args: argparse.Namespace) -> int:
        from civicledger.runtime import Runtime

        if command.offline:
            return asyncio.run(command.action(None, args))  # type: ignore[arg-type]
        settings = Settings.from_env()

        async def act(params: ConnectionParams) -> int:
            runtime = Runtime(settings, params)
            await runtime.start(run_projections=False)
            try:
                return await command.action(runtime.wiring(), args)
            finally:
                await runtime.close()

        with database(settings) as params:
            return asyncio.run(act(params))

    return run


def cmd_token(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    role = Role(args.role)
    scopes = frozenset(Scope(s) for s in args.scope) if args.scope else None
    print(issue_token(settings.jwt_secret, subject=args.subject or f"dev-{role.value}", role=role,
                      district=args.district, office=args.office, scopes=scopes, ttl_seconds=args.ttl))
    return 0


DEMO_PRINCIPALS = (
    ("caseworker", "cw-haizhu-li", Role.CASEWORKER, "HAIZHU", "HAIZHU-JIANGHAI-STATION", None),
    ("committee", "cc-hongwei-zhou", Role.CASEWORKER, "HAIZHU", "HAIZHU-HONGWEI-CC", None),
    ("supervisor", "sup-haizhu-chen", Role.SUPERVISOR, "HAIZHU", "HAIZHU-CIVIL-AFFAIRS", None),
    ("integrator", "int-district-platform", Role.INTEGRATOR, None, "DISTRICT-PLATFORM",
     frozenset({Scope.READ, Scope.COMMAND})),
    ("inspector", "insp-audit-zhou", Role.INSPECTOR, None, "AUDIT-BUREAU", None),
    ("admin", "admin-bureau-wang", Role.ADMIN, None, "CIVIL-AFFAIRS-BUREAU", None),
)


def demo_tokens(settings: Settings) -> dict[str, str]:
    return {
        label: issue_token(settings.jwt_secret, subject=subject, role=role, district=district, office=office,
                           scopes=scopes, ttl_seconds=7 * 24 * 3600)
        for label, subject, role, district, office, scopes in DEMO_PRINCIPALS
    }


def cmd_demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from civicledger import demo
    from civicledger.runtime import Runtime

    settings = Settings.from_env()

    async def load(params: ConnectionParams) -> None:
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=False)
        try:
            with tqdm(total=args.residents, desc="demo residents", unit="resident") as bar:
                await asyncio.to_thread(demo.load, runtime.services, args.residents, progress=bar.update,
                                        programs=runtime.programs)
            assert runtime.runner is not None
            horizon = await runtime.runner.log_horizon()
            for projection in runtime.projections:
                start = runtime.runner.positions.get(projection.name, 0)
                with tqdm(total=max(horizon - start, 0), desc=f"project {projection.name}", unit="pos") as bar:
                    last = start

                    def report(name: str, position: int, applied: int, bar: tqdm = bar) -> None:  # type: ignore[type-arg]
                        nonlocal last
                        bar.update(max(0, min(position, horizon) - last))
                        last = min(position, horizon)

                    await runtime.runner.catch_up(projection, progress=report)
        finally:
            await runtime.close()

    with database(settings) as params:
        asyncio.run(load(params))
        if args.load_only:
            print("demo data loaded", flush=True)
            return 0
        tokens = demo_tokens(settings)
        url = f"http://{args.host}:{args.port}/graphql"
        print("\nTokens (valid 7 days):")
        for label, token in tokens.items():
            print(f"  {label:11} {token}")
        sample = {"query": "{ residents(filter: {district: \"HAIZHU\"}, first: 3) { edges { node { id name "
                           "idNumber address { districtName street community } timeline(first: 5) "
                           "{ edges { node { occurredAt program kind summary } } } } } } }"}
        print("\nSample query (as the Haizhu caseworker):")
        print(f"  curl -s {url} -H 'Content-Type: application/json' "
              f"-H 'Authorization: Bearer {tokens['caseworker']}' -d '{json.dumps(sample, ensure_ascii=False)}'")
        caseload = {"query": "{ assistanceCases(filter: {district: \"HAIZHU\"}, first: 5) { edges { node { id "
                             "programName status monthlyAmount schedule { fromMonth monthlyAmount } entitlements "
                             "{ edges { node { kind serviceMonth payableMonth amount } } } } } } }"}
        print("\nThe Haizhu assistance caseload (2018, with the 900 → 950 adjustment and July's arrears):")
        print(f"  curl -s {url} -H 'Content-Type: application/json' "
              f"-H 'Authorization: Bearer {tokens['caseworker']}' -d '{json.dumps(caseload, ensure_ascii=False)}'")
        print(f"\nGraphiQL: {url} (paste a token into its Token field)")
        print(f"Caseworker console: http://{args.host}:{args.port}/console "
              "(development: pick a role there, or paste a token from above)\n", flush=True)
        _serve(settings, params, args.host, args.port)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """The harness lives in the repository checkout (`bench/` next to `civicledger/`), not in the package: it
    runs as its own program there (`python -m bench`), so the product never imports it."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "harness.py").is_file():
        raise SystemExit(
            f"civicledger bench: the benchmark harness (bench/) was not found next to the civicledger package in "
            f"{root}. It runs from a repository checkout: clone the repository, `pip install -e \".[test]\"` there "
            "and run `civicledger bench` from it."
        )
    argv = list(args.argv)
    argv = argv[argv.index("bench") + 1:] if "bench" in argv else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    return subprocess.call([sys.executable, "-m", "bench", *argv], cwd=root, env=env)


def cmd_failover_drill(args: argparse.Namespace) -> int:
    from civicledger.ops.drill import run_drill

    report = run_drill(workers=args.workers)
    print(report.render())
    return 0 if report.ok else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending migrations (every process also does on start), or say where the database stands."""
    from civicledger import migrations

    with database(Settings.from_env()) as params:
        if not args.status:
            before = migrations.status(params)
            migrations.upgrade(params)
            applied = before.pending
            print(f"applied: {', '.join(applied) if applied else 'nothing (already at the newest revision)'}")
        state = migrations.status(params)
    print(state.render())
    return 0 if args.status or not state.pending else 1


def cmd_schema(args: argparse.Namespace) -> int:
    from civicledger.graphql.schema import build_schema

    print(build_schema(Settings(master_key=bytes(32))).as_str())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civicledger", description=__doc__, epilog=help_text(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG (and pgserver's narration)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="GraphQL API with an in-process projection runner", epilog=help_text(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--no-projections", action="store_true", help="leave projections to `civicledger worker`")
    serve.add_argument("--workers", type=int, default=1,
                       help=f"API processes (this machine: {default_workers()} cores; >1 runs projections in a "
                            "separate worker process)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the projections in their own process")
    worker.set_defaults(func=cmd_worker)

    rebuild = sub.add_parser("rebuild", help="rebuild read models from the start of the log")
    rebuild.add_argument("--projection", action="append", help="only this projection (repeatable)")
    rebuild.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                         help="rebuild read models in this many processes at once (default: one per core)")
    rebuild.set_defaults(func=cmd_rebuild)

    from civicledger.programs import PROGRAMS

    for program in PROGRAMS:
        for command in program.cli:
            parser_of = sub.add_parser(command.name, help=command.help)
            command.configure(parser_of)
            parser_of.set_defaults(func=program_command(command))

    token = sub.add_parser("token", help="print a development bearer token (signed with CIVICLEDGER_JWT_SECRET)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role], help="the principal's role")
    token.add_argument("--district", help="district code the principal works in (caseworkers, supervisors), "
                                          "e.g. HAIZHU")
    token.add_argument("--office", help="office code, e.g. HAIZHU-JIANGHAI-STATION")
    token.add_argument("--subject", help="user id (default dev-<role>)")
    token.add_argument("--scope", action="append", choices=[s.value for s in Scope],
                       help="a scope instead of the role's defaults (repeatable; integrators: read, command, "
                            "personal)")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds the token is valid (default 12 hours)")
    token.set_defaults(func=cmd_token)

    demo = sub.add_parser("demo", help="load a realistic synthetic district, then serve it", epilog=help_text(),
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--residents", type=int, default=2000, help="synthetic residents to load (default 2000)")
    demo.add_argument("--load-only", action="store_true", help="load the data and exit without serving")
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    demo.set_defaults(func=cmd_demo)
    bench = sub.add_parser("bench", help="run every benchmark figure side by side on a fresh database")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, under 5 minutes")
    bench.add_argument("--output", help="where to write the Markdown report (default bench/RESULTS.md, "
                                        "bench/RESULTS-quick.md with --quick)")
    bench.add_argument("--install-postgraphile", action="store_true",
                       help="with --quick: install PostGraphile 5 from npm if it is not installed yet")
    bench.add_argument("--server-processes", type=int, help="processes per read-path server (default 1)")
    bench.add_argument("--profile", action="store_true", help="also profile the write path and the rebuild")
    bench.set_defaults(func=cmd_bench)
    drill = sub.add_parser("failover-drill", help="Patroni primary + sync standby on loopback, SIGKILL the primary "
                                                  "under load; check nothing acknowledged is lost (docs/OPERATIONS.md)")
    drill.add_argument("--workers", type=int, default=4, help="concurrent clients sending registrations")
    drill.set_defaults(func=cmd_failover_drill)
    migrate = sub.add_parser("migrate", help="apply pending database migrations (each process does on start too)")
    migrate.add_argument("--status", action="store_true",
                         help="only show the current and newest revision and what is pending; change nothing")
    migrate.set_defaults(func=cmd_migrate)
    schema = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(func=cmd_schema)

    from civicledger import inspection_cli as inspection

    inspection.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from civicledger.logs import configure

    args = build_parser().parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    configure(verbose=args.verbose)
    try:
        return int(args.func(args) or 0)
    except ConfigurationError as exc:
        # An operator's mistake, not a bug: say what to set, no traceback (EX_CONFIG, as sysexits.h has it).
        print(f"civicledger {args.command}: cannot start, the configuration is incomplete:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("See .env.example and the environment variables in `civicledger --help`.", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
