"""bench/RESULTS.md from one run's details: the machine, the command, every figure with its spread, the
targets, and what the CPU accounting (and, with --profile, the profiles) say limits each figure."""

from __future__ import annotations

from typing import Any

TARGET_TEXT = {
    "append_ratio_1": "single-event commands/s ÷ raw single-row INSERT transactions/s (1 writer)",
    "append_scaling_4": "4 writer processes ÷ 1, single-event commands/s",
    "projection_events_per_s": "rebuild of all read models from zero: events in the log ÷ wall time",
    "timeline_flatness": "p50 of a 50-entry timeline page, 100,000-event resident ÷ 100-event resident",
    "graphql_vs_raw": "GraphQL timeline pages/s ÷ raw asyncpg + Starlette, same rows",
    "graphql_vs_postgraphile": "GraphQL timeline pages/s ÷ PostGraphile 5 on the same tables",
    "command_http_ratio_1": "`registerResident` over HTTP, commands/s ÷ a raw single-row INSERT over HTTP/s (1 writer)",
    "command_http_scaling_4": "`registerResident` over HTTP, 4 writers ÷ 1, one server process",
}


# What the accounting and profiles above point to, per target, when it is not met. Each names a change and
# what it would cost, so that a reader can weigh it; none is a guess about where the time goes.
WOULD = {
    "append_scaling_4": (
        "raw single-row INSERTs themselves scale only `append_scaling_4_raw` from 1 to 4 writers on this machine: "
        "4 writers and their 4 PostgreSQL backends share 2 cores, so past two busy processes only commit flushes "
        "overlap. The store does not serialise writers (the position lock is held for microseconds; 10-event "
        "commands scale `append_scaling_4_10ev`), so more cores is what would lift it."),
    "projection_events_per_s": (
        "each event is decrypted with its resident's key and decoded into a domain event before any read model sees "
        "it (the rebuild profile's top frames: `_unseal_state`, `to_domain_event`, UUID construction), and the "
        "processes share 2 cores with PostgreSQL writing the rows. A rebuild that skipped decoding for read models "
        "that need only metadata (the audit log already does) and a faster codec (msgspec structs instead of "
        "dict → dataclass) would take the largest share off; more cores scale it near-linearly (one process per "
        "core, each reading the log once)."),
    "timeline_flatness": "keyset pagination on (resident, position) is in place; a miss means the index is not used.",
    "graphql_vs_raw": "the server profile shows where our request path spends beyond the raw query.",
    "command_http_ratio_1": (
        "the server CPU per command (`command_http_server_cpu_ms_1` ms) against the raw side's: "
        "`python -m bench.command_http --profile` py-spies the server to show where it goes."),
    "command_http_scaling_4": (
        "the raw side's own scaling (`raw_http_scaling_4`) bounds it on this machine: one server process and the "
        "writers' PostgreSQL backends share its cores."),
    "graphql_vs_postgraphile": "the server profiles show where each side spends its time.",
}


def append_ratio_would(d: dict[str, Any]) -> str:
    """Where the single-event command's time goes against a raw INSERT, and how much would have to go."""
    cells = d["append"]["cells"]
    raw, reg = cells["raw_1"]["ops_per_s"]["median"], cells["register_1"]["ops_per_s"]["median"]
    store = cells.get("store_1", {}).get("ops_per_s", {}).get("median")
    if not (raw and reg and store):
        return "the append cells did not all run; see the table above."
    raw_ms, reg_ms, store_ms = 1000 / raw, 1000 / reg, 1000 / store
    needed = raw_ms / 0.6
    python_ms = reg_ms - store_ms
    guarantees = ("Dropping the ID-number claim or the resident's key row from the command's transaction would break "
                  "the uniqueness and erasure guarantees, so we do not. Group commit (several concurrent commands in "
                  "one transaction, acknowledged together) raises commands per commit under load, not for one "
                  "closed-loop writer. Multi-event commands already reach `append_10ev_events_vs_raw_rows` events per "
                  "raw row.")
    if store_ms <= needed:
        return (f"the store alone (a registration's three rows — the event with its hash-chain link, the ID-number "
                f"claim, the resident's key — in one append call) runs at `append_ratio_1_store_only` of a raw INSERT, "
                f"so what keeps the figure below 0.6 is the command path in Python: {python_ms:.3f} ms of the "
                f"{reg_ms:.3f} ms a command takes. 0.6 means {needed:.3f} ms a command, a cut of "
                f"{reg_ms - needed:.3f} ms ({(reg_ms - needed) / python_ms:.0%} of the Python path). The append "
                "profile spreads that path over the aggregate's event construction in `eventsourcing`, ID-number "
                "validation, key generation and AES-GCM sealing and psycopg's parameters, none dominant: it would "
                "take a different shape — events built without the library's decorator machinery and a one-pass "
                "codec (msgspec) — rather than a local fix. " + guarantees)
    return (f"the store alone runs at `append_ratio_1_store_only` of a raw INSERT ({store_ms:.3f} ms against "
            f"{raw_ms:.3f} ms; 0.6 means {needed:.3f} ms for the whole command): a registration commits three rows "
            "(the event with its hash-chain link, the ID-number claim, the resident's key) and their index entries "
            "where the raw side commits one, so no Python speed-up alone reaches 0.6. " + guarantees)


def met(key: str, value: float | None) -> bool | None:
    from bench.harness import TARGETS

    if value is None:
        return None
    op, target = TARGETS[key]
    return value >= target if op == ">=" else value <= target


def _n(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def _spread(s: dict[str, Any] | None, digits: int = 2) -> str:
    if not s or s.get("median") is None:
        return "—"
    if s.get("n", 0) <= 1:
        return _n(s["median"], digits)
    return f"{_n(s['median'], digits)} ({_n(s['min'], digits)}–{_n(s['max'], digits)}, n={s['n']})"


def markdown(d: dict[str, Any], targets: dict[str, tuple[str, float]]) -> str:
    f = d["figures"]
    m = d["machine"]
    cfg = d["config"]
    out: list[str] = []
    w = out.append
    w(f"# Benchmark results{' (quick)' if cfg['quick'] else ''}\n")
    w(f"- **Command:** `{d['command']}` (from the repository root; `DATABASE_URL` set to the machine's PostgreSQL,"
      " or an embedded one when unset)")
    w(f"- **Date:** {d['started_at']} UTC, {d['elapsed_s']:.0f} s in all")
    w(f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}")
    w(f"- **PostgreSQL:** {m['postgresql']}")
    w(f"- **Python:** {m['python']}; PostGraphile {d.get('read', {}).get('postgraphile_version') or '—'} on Node 22")
    la = d.get("load_average", {})
    w(f"- **Load average** (1, 5, 15 min) before: {la.get('before')}, after: {la.get('after')} — other work on the"
      " machine shows up here; figures are medians of interleaved rounds with their spread (min–max).")
    w(f"- **Sizes:** {cfg['writers']} writer processes; append {cfg['append_rounds']} rounds × "
      f"{cfg['append_window_s']} s per cell; demo population {d['population']['demo_residents']:,} residents with "
      f"{cfg['history_events']} history events each; long history {d['population']['long_events']:,} events; "
      f"{cfg['server_processes']} server process(es) per side, read pool {cfg['read_pool_size']}; "
      f"read {cfg['read_rounds']} rounds × {cfg['read_window_s']} s, {cfg['concurrency']} keep-alive connections.\n")

    w("## Targets\n")
    w("| figure | what | value | target | met |")
    w("|---|---|---|---|---|")
    for key, (op, target) in targets.items():
        w(f"| `{key}` | {TARGET_TEXT[key]} | {_n(f.get(key))} | {op} {_n(float(target))} | "
          f"{_n(f['targets_met'].get(key))} |")
    w("")

    a = d["append"]
    w("## Append (write path)\n")
    w(f"Payload: {a['payload_bytes']} bytes per event (the stored, encrypted registration event; the raw rows carry"
      " random bytes of that size). Raw = one prepared `INSERT` of an event-shaped row (uuid, version, topic, bytea,"
      " identity position with a unique index) per autocommit transaction, psycopg, one connection per writer.\n")
    w("| cell | commands/s (median, min–max) | events/s | p50 ms | p99 ms |")
    w("|---|---|---|---|---|")
    for name, c in a["cells"].items():
        w(f"| {name} | {_spread(c['ops_per_s'], 0)} | {_spread(c['events_per_s'], 0)} | "
          f"{_n(c['latency_ms']['p50'])} | {_n(c['latency_ms']['p99'])} |")
    w("")
    w("| ratio | median (min–max) |")
    w("|---|---|")
    for name, r in a["ratios"].items():
        w(f"| {name} | {_spread(r)} |")
    w("")

    p = d["projections"]
    w("## Projections (rebuild from zero)\n")
    w(f"{p['events_in_log']:,} events in the log; every read model rebuilt at once as `civicledger rebuild` does it "
      f"(the read models split over {p.get('processes', '?')} processes, one per core, each reading the log once and "
      f"handing every batch to its read models): **{_spread(p['events_per_s'], 0)} events/s** of wall time, process"
      " start-up included.\n")
    w("| projection | events it applied per second of its process's wall time |")
    w("|---|---|")
    for name, q in p["per_projection"].items():
        w(f"| {name} | {_spread(q['applied_events_per_s'], 0)} |")
    w("")

    t = d["timeline_flatness"]
    w("## Timeline page latency (sequential requests, one keep-alive connection, A B A B)\n")
    w("| server | 100,000 events p50 / p99 ms | 100 events p50 / p99 ms | ratio of p50 |")
    w("|---|---|---|---|")
    for name, x in t.items():
        w(f"| {name} | {_n(x['long_ms']['p50'])} / {_n(x['long_ms']['p99'])} | {_n(x['short_ms']['p50'])} / "
          f"{_n(x['short_ms']['p99'])} | {_n(x['ratio_p50'])} |")
    w("")

    r = d["read"]
    w(f"## Read path throughput ({r['concurrency']} connections, closed loop, {r['rounds']} interleaved rounds)\n")
    w("Sides: `graphql` = our API, automatic persisted query (hash only after the first request), response caches"
      " off; `graphql_text` = the same with the full query text in every request; `graphql_cached` = response caches"
      " on; `raw` = one asyncpg query + orjson behind plain Starlette, no auth; `postgraphile` = PostGraphile 5,"
      " full query text, the same JWT verified, no cache.\n")
    w("| side | requests/s | p50 ms | p99 ms | server CPU ms/request | PostgreSQL CPU ms/request | server cores busy |"
      " load generator core | machine CPU busy |")
    w("|---|---|---|---|---|---|---|---|---|")
    for name, s in r["sides"].items():
        rps, cpu = s["rps"]["median"], s["server_cpu_ms_per_request"]["median"]
        db = (s.get("database_cpu_ms_per_request") or {}).get("median")
        cores = rps * cpu / 1000 if rps and cpu else None
        w(f"| {name} | {_spread(s['rps'], 0)} | {_spread(s['latency_ms_p50'])} | {_spread(s['latency_ms_p99'])} | "
          f"{_n(cpu, 3)} | {_n(db, 3)} | {_n(cores)} | {_n(s['loadgen_cpu_util']['median'])} | "
          f"{_n(s['machine_cpu_busy']['median'])} |")
    w("")
    w("| ratio | median (min–max) |")
    w("|---|---|")
    for name, x in r["ratios"].items():
        w(f"| {name} | {_spread(x)} |")
    w("")

    w("## What limits each figure (from this run's accounting)\n")
    for line in limits(d):
        w(f"- {line}")
    w("")
    unmet = [key for key, ok in f["targets_met"].items() if ok is False]
    if unmet:
        w("## What would reach the targets not met\n")
        for key in unmet:
            text = append_ratio_would(d) if key == "append_ratio_1" else WOULD[key]
            for name, value in f.items():  # the figures the text names, with this run's values
                if isinstance(value, (int, float)) and f"`{name}`" in text:
                    text = text.replace(f"`{name}`", f"`{name}` ({_n(value)})")
            w(f"- `{key}`: {text}")
        w("")
    if d.get("notes"):
        w("## Notes\n")
        for note in d["notes"]:
            w(f"- {note}")
        w("")
    _issue12(d, w)
    profiles = {**{f"append {k}": v for k, v in a.get("profiles", {}).items()}}
    if p.get("profile"):
        profiles["projection rebuild"] = p["profile"]
    profiles.update(d.get("server_profiles") or {})
    if profiles:
        w("## Profiles (--profile; top functions by own time)\n")
        for name, text in profiles.items():
            w(f"<details><summary>{name}</summary>\n\n```\n{text}\n```\n</details>\n")
    w("## All figures (the JSON line)\n")
    w("```json")
    import json

    w(json.dumps(f, ensure_ascii=False, indent=1))
    w("```")
    return "\n".join(out) + "\n"


def limits(d: dict[str, Any]) -> list[str]:
    """Plain statements the accounting supports; the profiles (with --profile) say where inside."""
    lines = []
    cfg = d["config"]
    procs = cfg["server_processes"]
    r = d["read"]
    for name, s in r["sides"].items():
        rps, cpu = s["rps"]["median"], s["server_cpu_ms_per_request"]["median"]
        if not rps or not cpu:
            continue
        cores = rps * cpu / 1000
        lg = s["loadgen_cpu_util"]["median"] or 0
        busy = s["machine_cpu_busy"]["median"] or 0
        if cores >= 0.85 * procs:
            why = f"its server process{'es' if procs > 1 else ''} used {cores:.2f} of {procs} core(s): CPU-bound in the server"
        elif busy >= 0.9:
            why = (f"the machine's CPUs were {busy:.0%} busy (server {cores:.2f} cores, load generator {lg:.2f},"
                   " the rest PostgreSQL and other work): bound by the 2 cores shared with PostgreSQL")
        else:
            why = f"server {cores:.2f} cores, load generator {lg:.2f}, machine {busy:.0%} busy: latency-bound (waits)"
        lines.append(f"`{name}` at {rps:,.0f} requests/s, {cpu:.3f} ms of server CPU per request — {why}.")
    cells = d["append"]["cells"]
    raw1, reg1 = cells["raw_1"]["ops_per_s"]["median"], cells["register_1"]["ops_per_s"]["median"]
    store1 = cells.get("store_1", {}).get("ops_per_s", {}).get("median")
    if raw1 and reg1:
        text = (f"Append: a raw INSERT transaction takes {1000 / raw1:.3f} ms, a registration command "
                f"{1000 / reg1:.3f} ms end to end (p50 {cells['register_1']['latency_ms']['p50']:.3f} ms)")
        if store1:
            text += (f"; the store alone (recorder + append function, the same event, claim and key, already mapped)"
                     f" {1000 / store1:.3f} ms — so {1000 / reg1 - 1000 / store1:.3f} ms is the command path in Python"
                     f" (validation, aggregate, encryption, metadata) and {1000 / store1 - 1000 / raw1:.3f} ms the store's"
                     " extra over a raw INSERT (client-side parameters, the append function: lock, sequence, hash"
                     " chain, claim and key rows)")
        lines.append(text + "; the append profile (full runs, --profile) shows the writer process's side.")
    ratios = d["append"]["ratios"]
    reg_scale, raw_scale = ratios["append_scaling_4"]["median"], ratios["append_scaling_4_raw"]["median"]
    if reg_scale and raw_scale:
        lines.append(f"Scaling: 4 writer processes give {reg_scale:.2f}× the commands/s of one and {raw_scale:.2f}× the "
                     f"raw inserts/s, on {d['machine']['cores']} cores shared by the writers, their PostgreSQL backends"
                     " (and anything else running): past 2 busy processes only waiting (commit flushes, locks) can"
                     " overlap.")
    proj = d["projections"]
    if proj["events_per_s"]["median"]:
        lines.append(f"Rebuild: {proj['events_per_s']['median']:,.0f} events/s over {proj['events_in_log']:,} events in "
                     f"{proj.get('processes', '?')} processes on {d['machine']['cores']} cores; each process decodes "
                     "every event it reads (decryption with the resident's key, JSON, the domain event) before its "
                     "read models batch their rows; the rebuild profile (full runs, --profile, one process) shows "
                     "where the time goes.")
    return lines


def _issue12(d: dict[str, Any], w: Any) -> None:
    """The write mix with the response cache on and off, and the rebuild of a demo-shaped log (issue 12)."""
    cw, rr, gen = d.get("cache_writes"), d.get("rebuild_realistic"), d.get("integrator")
    ch = d.get("command_http")
    if ch:
        w("## Commands over HTTP (`command_http_ratio_1` ≥ 0.5, `command_http_scaling_4` ≥ 1.5)\n")
        w(f"`registerResident` (a never-used ID number each, response cache off) against a raw single-row INSERT"
          f" over HTTP (bench/command_http.py), one server process per side, {ch.get('rounds_n')} interleaved rounds"
          f" of {ch.get('window_s')} s per side and writer count, in a database of its own.\n")
        w("| side | 1 writer, requests/s | 4 writers, requests/s | 4 ÷ 1 | server CPU ms/command, 1 / 4 writers |")
        w("|---|---|---|---|---|")
        w(f"| ours | {_spread(ch['rps_ours1'], 0)} | {_spread(ch['rps_ours4'], 0)} |"
          f" {_spread(ch['command_http_scaling_4'])} | {_n((ch.get('server_cpu_ms_each_1') or {}).get('median'), 3)}"
          f" / {_n((ch.get('server_cpu_ms_each_4') or {}).get('median'), 3)} |")
        w(f"| raw | {_spread(ch['rps_raw1'], 0)} | {_spread(ch['rps_raw4'], 0)} | {_spread(ch['raw_http_scaling_4'])}"
          " | — |")
        w(f"\n**ours ÷ raw, 1 writer: {_spread(ch['command_http_ratio_1'])}**\n")
    if gen:
        w("## Integrator-shaped documents (`generic_vs_postgraphile`, target ≥ 1.0)\n")
        w(f"Full query text in every request, one process per side, response cache off, {gen['concurrency']}"
          f" connections, {gen['rounds']} rounds of {gen['window_s']}s per query and side (see bench/integrator.py"
          " for the documents and what PostGraphile's side can express).\n")
        w("| query | ours req/s | PostGraphile req/s | raw req/s | ours ÷ PostGraphile | ours ÷ raw | same rows |")
        w("|---|---|---|---|---|---|---|")
        for name, q in gen["queries"].items():
            same = (gen.get("rows") or {}).get(name, {}).get("postgraphile_same_rows")
            w(f"| {name} | {_n(q['graphql']['rps'].get('median'), 0)} |"
              f" {_n((q.get('postgraphile') or {}).get('rps', {}).get('median'), 0)} |"
              f" {_n(q['raw']['rps'].get('median'), 0)} | {_n((q.get('vs_postgraphile') or {}).get('median'))} |"
              f" {_n(q['vs_raw'].get('median'))} | {'yes' if same else ('no' if same is False else '—')} |")
        w(f"\n**geometric mean, ours ÷ PostGraphile: {_n(gen.get('generic_vs_postgraphile'))}**;"
          f" ours ÷ raw: {_n(gen.get('generic_vs_raw'))}\n")
    if cw:
        gain = cw["cache_gain_under_writes"]
        w("## Response cache under writes (`cache_gain_under_writes`, target ≥ 1.0)\n")
        w(f"{cw['write_share']:.0%} writes (`correctResidentDetails`), the rest the resident's file with 20 timeline"
          f" entries, over {cw['residents']} residents, {cw['concurrency']} connections, one server process with"
          " its projection runner per side.\n")
        w("| side | requests/s (median, min–max) |")
        w("|---|---|")
        for side in ("on", "off"):
            r = cw[f"rps_{side}"]
            w(f"| cache {side} | {_n(r.get('median'))} ({_n(r.get('min'))}–{_n(r.get('max'))}) |")
        w(f"\n**on ÷ off: {_n(gain.get('median'))}** ({_n(gain.get('min'))}–{_n(gain.get('max'))})\n")
    if rr:
        w("## Rebuild of a demo-shaped log (`rebuild_realistic_events_per_s`, target ≥ 30,000)\n")
        made = (f"the demo's {rr['demo_events']:,} events through the services and {rr['copies']} copies of them"
                f" through the recorder" if rr.get("copies") else "the demo through the services")
        cpu = ", ".join(_n(c) for c in (rr.get("process_cpu_s") or {}).values())
        w(f"{rr['events_in_log']:,} events ({rr['residents']:,} demo residents; {made}): {_n(rr['events_per_s'])}"
          f" events/s with {rr['processes']} processes (CPU s per process: {cpu or '?'}),"
          f" {_n(rr['one_process_events_per_s'])} events/s in one (CPU s: {_n(rr.get('one_process_cpu_s'))}).\n")
