"""`civicledger bench`: every figure of DESIGN §6 side by side, in one run, on a fresh database.

Phases (progress on stderr): fresh database → append figures (writer processes, interleaved rounds) → demo
population and histories through the services → projection rebuild from zero → servers (ours, raw,
PostGraphile) → validation (same rows everywhere) → timeline flatness → throughput rounds. The database is
dropped at the end, whatever happens. The last line on stdout is one JSON object (see `CONTRACT_KEYS`)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import secrets
import shlex
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import (
    append,
    cache_writes,
    command_http,
    integrator,
    population,
    procinfo,
    projections,
    read_path,
    rebuild_realistic,
    report,
    servers,
)
from bench.stats import rounded
from bench.writers import WriterPool
from civicledger.core.db import ConnectionParams, EmbeddedPostgres, drop_database, ensure_database
from civicledger.settings import Settings

CONTRACT_KEYS = ("append_ratio_1", "append_scaling_4", "projection_events_per_s", "timeline_flatness",
                 "graphql_vs_raw", "graphql_vs_postgraphile")

TARGETS: dict[str, tuple[str, float]] = {
    "append_ratio_1": (">=", 0.6),
    "append_scaling_4": (">=", 1.5),
    "projection_events_per_s": (">=", 10_000),
    "timeline_flatness": ("<=", 1.5),
    "graphql_vs_raw": (">=", 0.5),
    "graphql_vs_postgraphile": (">=", 1.0),
    # Issue 12 items 3 and 6: commands over HTTP, one server process (bench/command_http.py).
    "command_http_ratio_1": (">=", 0.5),
    "command_http_scaling_4": (">=", 1.5),
}


@dataclass
class Config:
    quick: bool
    writers: int = 4
    append_rounds: int = 5
    append_window_s: float = 4.0
    existing_residents: int = 1000  # the residents `existing_1` changes in turn, registered before the rounds
    demo_residents: int = 5000
    history_events: int = 60
    long_events: int = 100_000
    short_events: int = 100
    history_batch: int = 500
    rebuild_repetitions: int = 2
    server_processes: int = 1
    read_pool_size: int = 8
    read_rounds: int = 5
    read_window_s: float = 8.0
    read_warmup_s: float = 2.0
    concurrency: int = 32
    flatness_requests: int = 2000
    validate_samples: int = 5
    profile: bool = False
    postgraphile: str = "install"  # install | if-installed | off
    # Issue 12: the 10%-write mix with the response cache on and off, and the rebuild of a demo-shaped log.
    cache_mix_rounds: int = 3
    cache_mix_residents: int = 300
    rebuild_events: int = 1_000_000
    # Issue 12 item 6: five integrator-shaped documents, ours / PostGraphile / raw, interleaved rounds.
    integrator_rounds: int = 3
    integrator_window_s: float = 5.0
    # Issue 12 items 3 and 6: registerResident over HTTP vs a raw INSERT over HTTP, 1 and 4 writers.
    command_http_rounds: int = 4
    command_http_window_s: float = 6.0
    command_http_warmup_s: float = 1.5

    @classmethod
    def for_mode(cls, quick: bool, **overrides: Any) -> Config:
        if quick:
            base = cls(quick=True, append_rounds=3, append_window_s=1.5, demo_residents=1000, rebuild_repetitions=1,
                       read_rounds=3, read_window_s=3.0, read_warmup_s=1.0, flatness_requests=300,
                       postgraphile="if-installed", cache_mix_rounds=2, rebuild_events=60_000,
                       integrator_rounds=2, integrator_window_s=3.0, command_http_rounds=2,
                       command_http_window_s=2.5, command_http_warmup_s=0.75)
        else:
            base = cls(quick=False, profile=True)
        for key, value in overrides.items():
            if value is not None:
                setattr(base, key, value)
        return base

    @classmethod
    def tiny(cls) -> Config:
        """For the smoke test: every building block, seconds in all."""
        return cls(quick=True, writers=4, append_rounds=1, append_window_s=0.3, existing_residents=50,
                   demo_residents=12, history_events=55,
                   long_events=600, short_events=100, history_batch=200, rebuild_repetitions=1, read_rounds=1,
                   read_window_s=0.5, read_warmup_s=0.2, concurrency=4, flatness_requests=10, validate_samples=2,
                   postgraphile="off", cache_mix_rounds=1, cache_mix_residents=12, rebuild_events=300,
                   integrator_rounds=1, integrator_window_s=0.5, command_http_rounds=1, command_http_window_s=0.5,
                   command_http_warmup_s=0.2)


class Log:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def bench_database(log: Log) -> Iterator[ConnectionParams]:
    """A fresh database on DATABASE_URL's server (or on an embedded one), dropped afterwards."""
    url = os.environ.get("DATABASE_URL")
    embedded: EmbeddedPostgres | None = None
    if url:
        server = ConnectionParams.from_url(url)
    else:
        data_dir = Path(os.environ.get("CIVICLEDGER_BENCH_DATA_DIR") or servers.WORK_DIR / "pg")
        log(f"no DATABASE_URL: starting an embedded PostgreSQL in {data_dir}")
        embedded = EmbeddedPostgres(data_dir)
        server = embedded.start()
    admin = server.with_dbname("postgres")
    name = f"civicledger_bench_{uuid.uuid4().hex[:10]}"
    ensure_database(admin, name)
    log(f"fresh database {name} on {server.host}:{server.port}")
    keep = os.environ.get("CIVICLEDGER_BENCH_KEEP_DB") == "1"  # for working on the harness itself
    try:
        yield server.with_dbname(name)
    finally:
        if keep:
            log(f"kept database {name} (CIVICLEDGER_BENCH_KEEP_DB=1)")
        else:
            with contextlib.suppress(Exception):
                drop_database(admin, name)
                log(f"dropped database {name}")
        if embedded is not None:
            embedded.stop()


def postgres_version(params: ConnectionParams) -> str:
    import psycopg

    with psycopg.connect(params.url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        settings: dict[str, str] = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN"
            " ('synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_level')"
        ).fetchall())
    return f"{row[0] if row else '?'} ({', '.join(f'{k}={v}' for k, v in sorted(settings.items()))})"


def prepare_postgraphile(cfg: Config, log: Log) -> str | None:
    """None when PostGraphile can run, else why not (also said on stderr)."""
    if cfg.postgraphile == "off":
        return "PostGraphile comparison switched off"
    if servers.postgraphile_installed():
        return None
    if cfg.postgraphile == "if-installed":
        missing = ("PostGraphile 5 is not installed in bench/.work/postgraphile (--quick does not install it; "
                   "run `civicledger bench` once, or `civicledger bench --quick --install-postgraphile`)")
        log(missing)
        return missing
    why = servers.install_postgraphile(log)
    if why:
        log(f"PostGraphile unavailable: {why}")
    return why


def _value(figure: Any) -> float | None:
    if isinstance(figure, dict):
        return figure.get("median")
    return figure


def run(cfg: Config, *, command: str | None = None, output: Path | None = None) -> dict[str, Any]:
    log = Log()
    started_at = dt.datetime.now(dt.UTC)
    load_before = procinfo.loadavg()
    master_key = secrets.token_bytes(32)
    jwt_secret = secrets.token_urlsafe(32)
    notes: list[str] = []
    detail: dict[str, Any] = {"config": asdict(cfg)}
    figures: dict[str, Any] = dict.fromkeys(CONTRACT_KEYS)
    pgl_unavailable = prepare_postgraphile(cfg, log)
    if pgl_unavailable:
        notes.append(f"graphql_vs_postgraphile is null: {pgl_unavailable}")

    with bench_database(log) as params:
        settings = Settings(database_url=params.url, master_key=master_key, jwt_secret=jwt_secret,
                            environment="production", read_pool_size=cfg.read_pool_size)
        asyncio.run(_create_read_models(settings, params))
        detail["machine"] = {**procinfo.machine(), "postgresql": postgres_version(params)}

        log(f"starting {cfg.writers} writer processes")
        pool = WriterPool(cfg.writers, db_url=params.url, master_key=master_key)
        try:
            # 1. append figures
            appended = append.run(pool, params.url, rounds=cfg.append_rounds, window=cfg.append_window_s, log=log,
                                  profile=cfg.profile, existing=cfg.existing_residents)
            detail["append"] = appended
            # 2. the read path's data, through the services
            ids = population.load_demo(pool, cfg.demo_residents, log)
            population.fill_histories(pool, ids, cfg.history_events, log)
            histories = population.long_histories(pool, cfg.long_events, cfg.short_events, cfg.history_batch, log)
            detail["population"] = {"demo_residents": len(ids), "history_events_per_resident": cfg.history_events,
                                    **histories}
        finally:
            pool.close()

        # 3. projections from zero (which also brings every read model up to date for the read path)
        detail["projections"] = asyncio.run(projections.run(settings, params, repetitions=cfg.rebuild_repetitions,
                                                            log=log, profile=cfg.profile))

        # 4. read path
        reader = read_path.ReadPath(params, jwt_secret=jwt_secret,
                                    master_key_b64=base64.b64encode(master_key).decode(),
                                    processes=cfg.server_processes, read_pool_size=cfg.read_pool_size, log=log)
        try:
            started = reader.start(postgraphile=pgl_unavailable is None, sample_id=ids[0])
            sides = reader.sides(started, ids)
            reader.validate(sides, [*ids[: cfg.validate_samples], histories["long"]], expected_entries=50)
            log("validation: every side returns the same 50 positions for the sample residents")
            flat = reader.flatness(sides["graphql"], histories["long"], histories["short"], cfg.flatness_requests)
            log(f"timeline flatness: p50 {flat['long_ms']['p50']:.2f}ms (100k) vs {flat['short_ms']['p50']:.2f}ms (100)"
                f" = {flat['ratio_p50']:.2f}")
            flat_raw = reader.flatness(sides["raw"], histories["long"], histories["short"], cfg.flatness_requests)
            detail["timeline_flatness"] = {"graphql": flat, "raw": flat_raw}
            if "postgraphile" in sides:
                detail["timeline_flatness"]["postgraphile"] = reader.flatness(
                    sides["postgraphile"], histories["long"], histories["short"], cfg.flatness_requests)
            detail["read"] = reader.throughput(sides, rounds=cfg.read_rounds, window=cfg.read_window_s,
                                               warmup=cfg.read_warmup_s, concurrency=cfg.concurrency)
            if cfg.profile:
                from bench import pyspy

                if pyspy.executable() is None:
                    notes.append("no server profiles: py-spy is not installed (it comes with the `test` extra)")
                else:
                    detail["server_profiles"] = {}
                    for name in ("graphql", "raw"):
                        text = reader.profile(sides[name], window=cfg.read_window_s, concurrency=cfg.concurrency)
                        if text:
                            detail["server_profiles"][f"{name} server (py-spy)"] = text
                    log("servers profiled (not counted)")
            # Issue 12 item 6: the integrator-shaped documents on the same servers.
            gen = integrator.Integrator(params, jwt_secret=jwt_secret, integrator_auth=reader.auth, log=log)
            gen_bodies = gen.bodies(integrator.workload(params, ids))
            detail["integrator"] = {"rows": gen.check(started, gen_bodies)}
            detail["integrator"].update(gen.throughput(
                started, gen_bodies, rounds=cfg.integrator_rounds, window=cfg.integrator_window_s,
                warmup=cfg.read_warmup_s, concurrency=cfg.concurrency))
            if "postgraphile" in sides:
                detail["read"]["postgraphile_version"] = started["postgraphile"].info.get("version")
            notes += reader.notes
        finally:
            reader.close()

        # 5. a 10%-write mix over HTTP, response cache on and off (servers with their projection runner)
        log("10%-write mix: response cache on and off")
        detail["cache_writes"] = cache_writes.run(
            reader.env, jwt_secret, ids[: cfg.cache_mix_residents], rounds=cfg.cache_mix_rounds,
            window=cfg.read_window_s, warmup=cfg.read_warmup_s, concurrency=min(16, cfg.concurrency), log=log)

    # 6. rebuild of a demo-shaped log, in a database of its own
    with bench_database(log) as rebuild_params:
        rebuild_settings = Settings(database_url=rebuild_params.url, master_key=master_key, jwt_secret=jwt_secret,
                                    environment="production", read_pool_size=cfg.read_pool_size)
        detail["rebuild_realistic"] = rebuild_realistic.run(rebuild_settings, rebuild_params,
                                                            events=cfg.rebuild_events, log=log)

    # 7. commands over HTTP, in a database of their own
    log("commands over HTTP: registerResident vs a raw INSERT, 1 and 4 writers")
    detail["command_http"] = command_http.measure(
        rounds=cfg.command_http_rounds, window=cfg.command_http_window_s, warmup=cfg.command_http_warmup_s, log=log,
        master_key=master_key, jwt_secret=jwt_secret)

    ratios = {**detail["append"]["ratios"], **detail["read"]["ratios"]}
    figures["append_ratio_1"] = _value(ratios["append_ratio_1"])
    figures["append_scaling_4"] = _value(ratios["append_scaling_4"])
    figures["projection_events_per_s"] = _value(detail["projections"]["events_per_s"])
    figures["timeline_flatness"] = detail["timeline_flatness"]["graphql"]["ratio_p50"]
    figures["graphql_vs_raw"] = _value(ratios["graphql_vs_raw"])
    figures["graphql_vs_postgraphile"] = _value(ratios.get("graphql_vs_postgraphile"))
    ch = detail["command_http"]
    figures["command_http_ratio_1"] = _value(ch["command_http_ratio_1"])
    figures["command_http_scaling_4"] = _value(ch["command_http_scaling_4"])
    cells = detail["append"]["cells"]
    sides_out = detail["read"]["sides"]
    extra: dict[str, Any] = {
        "append_ratio_1_new_stream": _value(ratios["append_ratio_1_new_stream"]),
        "append_ratio_1_existing_stream": _value(ratios["append_ratio_1_existing_stream"]),
        "append_ratio_1_store_only": _value(ratios["append_ratio_1_store_only"]),
        "append_scaling_4_raw": _value(ratios["append_scaling_4_raw"]),
        "append_scaling_4_10ev": _value(ratios["append_scaling_4_10ev"]),
        "append_10ev_events_vs_raw_rows": _value(ratios["append_ratio_10ev_events"]),
        **{f"append_{name}_per_s": _value(c["ops_per_s"]) for name, c in cells.items()},
        "append_register10_1_events_per_s": _value(cells["register10_1"]["events_per_s"]),
        "append_register10_4_events_per_s": _value(cells["register10_4"]["events_per_s"]),
        **{f"projection_{n}_events_per_s": _value(p["applied_events_per_s"])
           for n, p in detail["projections"]["per_projection"].items()},
        "projection_events_in_log": detail["projections"]["events_in_log"],
        "timeline_p50_ms_100k": detail["timeline_flatness"]["graphql"]["long_ms"]["p50"],
        "timeline_p50_ms_100": detail["timeline_flatness"]["graphql"]["short_ms"]["p50"],
        "timeline_p99_ms_100k": detail["timeline_flatness"]["graphql"]["long_ms"]["p99"],
        "timeline_p99_ms_100": detail["timeline_flatness"]["graphql"]["short_ms"]["p99"],
        "timeline_flatness_raw": detail["timeline_flatness"]["raw"]["ratio_p50"],
        "timeline_flatness_postgraphile": detail["timeline_flatness"].get("postgraphile", {}).get("ratio_p50"),
        "graphql_cache_gain": _value(ratios.get("graphql_cache_gain")),
        "cache_gain_under_writes": _value(detail["cache_writes"]["cache_gain_under_writes"]),
        "rebuild_realistic_events_per_s": _value(detail["rebuild_realistic"]["events_per_s"]),
        "rebuild_realistic_one_process_events_per_s": _value(detail["rebuild_realistic"]["one_process_events_per_s"]),
        "rebuild_realistic_events_in_log": detail["rebuild_realistic"]["events_in_log"],
        "graphql_text_vs_raw": _value(ratios.get("graphql_text_vs_raw")),
        "graphql_text_vs_postgraphile": _value(ratios.get("graphql_text_vs_postgraphile")),
        "graphql_cached_vs_postgraphile": _value(ratios.get("graphql_cached_vs_postgraphile")),
        "generic_vs_postgraphile": detail["integrator"]["generic_vs_postgraphile"],
        "generic_vs_raw": detail["integrator"]["generic_vs_raw"],
        **{f"generic_{n}_vs_postgraphile": _value(q.get("vs_postgraphile"))
           for n, q in detail["integrator"]["queries"].items()},
        **{f"generic_{n}_vs_raw": _value(q["vs_raw"]) for n, q in detail["integrator"]["queries"].items()},
        **{f"rps_generic_{n}_{side}": _value(q[side]["rps"]) for n, q in detail["integrator"]["queries"].items()
           for side in ("graphql", "postgraphile", "raw") if side in q},
        "raw_http_scaling_4": _value(ch["raw_http_scaling_4"]),
        **{f"rps_command_http_{k}": _value(ch[f"rps_{k}"]) for k in ("ours1", "ours4", "raw1", "raw4")},
        **{f"command_http_server_cpu_ms_{n}": _value(ch[f"server_cpu_ms_each_{n}"]) for n in (1, 4)},
        **{f"rps_{n}": _value(s["rps"]) for n, s in sides_out.items()},
        **{f"p50_ms_{n}": _value(s["latency_ms_p50"]) for n, s in sides_out.items()},
        **{f"p99_ms_{n}": _value(s["latency_ms_p99"]) for n, s in sides_out.items()},
    }
    detail["load_average"] = {"before": load_before, "after": procinfo.loadavg()}
    detail["notes"] = notes
    detail["started_at"] = started_at.isoformat(timespec="seconds")
    detail["elapsed_s"] = time.monotonic() - log.started
    detail["command"] = command or "civicledger bench" + (" --quick" if cfg.quick else "")
    result = {**figures, **extra}
    result["targets_met"] = {k: report.met(k, result[k]) for k in TARGETS}
    result["quick"] = cfg.quick
    result = rounded(result)
    detail["figures"] = result

    servers.WORK_DIR.mkdir(parents=True, exist_ok=True)
    (servers.WORK_DIR / ("last-run-quick.json" if cfg.quick else "last-run.json")).write_text(
        json.dumps(rounded(detail), indent=2, default=str))
    if output is not None:
        output.write_text(report.markdown(rounded(detail), TARGETS))
        log(f"wrote {output}")
    for note in notes:
        log(note)
    log(f"done in {detail['elapsed_s']:.0f}s")
    return result


async def _create_read_models(settings: Settings, params: ConnectionParams) -> None:
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    await runtime.close()


def main(argv: list[str] | None = None, *, quick: bool = False, output: str | None = None,
         install_postgraphile: bool = False, server_processes: int | None = None, profile: bool = False,
         config: Config | None = None) -> int:
    cfg = config or Config.for_mode(quick, server_processes=server_processes, profile=profile or None)
    if install_postgraphile:
        cfg.postgraphile = "install"
    out = Path(output) if output else servers.BENCH_DIR / ("RESULTS-quick.md" if quick else "RESULTS.md")
    command = "civicledger " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    result = run(cfg, command=command, output=out)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0
