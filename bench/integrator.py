"""Issue 12 item 6: five integrator-shaped GraphQL documents that nothing special-cases, side by side over HTTP.

Sides, measured by the same load generator (`bench/loadgen.py`), interleaved per round:
- `graphql`: our API (one uvicorn process, response cache off), the document as full query text in every request
  (no APQ: an integrator's own document), the planner or the resolvers, whichever takes it;
- `postgraphile`: PostGraphile 5 (one node process, no cache) on the same tables, the closest document its amber
  preset can express (smart tags declare the foreign keys; see `bench/postgraphile/server.mjs`);
- `raw`: one asyncpg query per request behind plain Starlette (`bench/serve_app.py:create_raw_app`), no auth.

The queries (a random resident / filter per request, from the bench's own population):
1. `family`   — a resident, their household, each member with their 10 newest timeline entries;
2. `caseload` — a page of 20 assistance cases of one district, each with its verification matrix;
3. `queue`    — a page of 20 of a linkage organisation's work queue, with its bucket counts;
4. `search`   — residents search by name and district (first 20);
5. `audit`    — an inspector's audit-log page (50 newest events of one program).

Before timing, every side answers the same sample requests and the row counts are compared: ours and raw must
match; PostGraphile's are reported as the same or not (the linkage queue is not a table: PostGraphile's side is
the organisation's referrals, the closest it can express without a database function). The search's names are
picked so that their substring match is their exact match, but PostGraphile's amber preset can only ask for an
equal name (`condition: {name}`, an index lookup) while ours and raw run the substring match (`ILIKE '%name%'` on
the name's gram index): the comparison favours PostGraphile there."""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from bench import servers
from bench.read_path import run_loadgen
from bench.stats import paired_ratio, summary
from civicledger.core.auth import Role, Scope, issue_token
from civicledger.core.db import ConnectionParams

TL = "edges { node { occurredAt program kind summary position } }"

OURS: dict[str, str] = {
    "family": "query Family($id: ID!) { resident(id: $id) { id name household { size members { relationship "
              "resident { id name timeline(first: 10) { " + TL + " } } } } } }",
    "caseload": "query Caseload($district: String) { assistanceCases(filter: {district: $district}, first: 20) "
                "{ edges { node { id program status householdSize appliedOn verificationRound sourcesAnswered "
                "verification { residentId source status mandatory } } } } }",
    "queue": "query Queue($org: ID!) { linkageWorkQueue(organisationId: $org, first: 20) { counts "
             "{ overdue dueSoon open } edges { node { kind bucket due urgency subItem { code } } } } }",
    "search": "query Search($name: String, $district: String) { residents(filter: {name: $name, district: "
              "$district}, first: 20) { edges { node { id name district } } } }",
    "audit": "query Audit($program: String) { auditLog(filter: {program: $program}, first: 50) "
             "{ edges { node { position streamId program kind occurredAt actor { id role office } } } } }",
}

# PostGraphile 5 (amber preset, index behaviours off, smart-tag foreign keys). `{rid}` is the inflected name of
# an `id` column (`rowId` in v5's amber preset).
PGL: dict[str, str] = {
    "family": "query Family($id: UUID!) { residentByRowId(rowId: $id) { rowId name householdByHouseholdId { size "
              "residentsByHouseholdId(orderBy: SEQ_ASC) { nodes { relationship rowId name "
              "clientTimelinesByResidentId(first: 10, orderBy: POSITION_DESC) { " + TL + " } } } } } }",
    "caseload": "query Caseload($district: String) { allAssistanceCases(condition: {district: $district}, "
                "first: 20, orderBy: SEQ_ASC) { nodes { rowId program status householdSize appliedOn "
                "verificationRound sourcesAnswered assistanceVerificationsByCaseId(orderBy: [MEMBER_ID_ASC, "
                "SOURCE_ASC]) { nodes { memberId source status } } } } }",
    "queue": "query Queue($org: UUID!) { allLinkageReferrals(condition: {organisationId: $org}, first: 20, "
             "orderBy: [ACCEPT_DUE_ASC, PRIMARY_KEY_ASC]) { totalCount nodes { rowId status acceptDue completeDue urgency "
             "subItem } } }",
    "search": "query Search($name: String, $district: String) { allResidents(condition: {name: $name, district: "
              "$district}, first: 20, orderBy: SEQ_ASC) { nodes { rowId name district } } }",
    "audit": "query Audit($program: String) { allAuditLogs(condition: {program: $program}, first: 50, orderBy: "
             "[OCCURRED_AT_DESC, POSITION_DESC]) { nodes { position streamId program kind occurredAt actorId "
             "actorRole actorOffice } } }",
}

EXPECT = {"family": '"resident', "caseload": '"', "queue": '"', "search": '"', "audit": '"'}


def _count(name: str, side: str, body: Any) -> int | None:
    """Rows in an answer: what the row-count check compares."""
    try:
        data = body["data"]
        if side == "postgraphile":
            root = next(iter(data.values()))
            if name == "family":
                members = root["householdByHouseholdId"]["residentsByHouseholdId"]["nodes"] \
                    if root["householdByHouseholdId"] else []
                return 1 + len(members) + sum(len(m["clientTimelinesByResidentId"]["edges"]) for m in members)
            if name == "caseload":
                return len(root["nodes"]) + sum(len(n["assistanceVerificationsByCaseId"]["nodes"])
                                                for n in root["nodes"])
            return len(root["nodes"])
        root = next(iter(data.values()))
        if name == "family":
            members = root["household"]["members"] if root["household"] else []
            return 1 + len(members) + sum(len(m["resident"]["timeline"]["edges"]) for m in members)
        if name == "caseload":
            return len(root["edges"]) + sum(len(e["node"]["verification"]) for e in root["edges"])
        return len(root["edges"])
    except (KeyError, TypeError, AttributeError, StopIteration):
        return None


@dataclass
class Workload:
    """The variables of each query's requests (random picks from the population) and the PostGraphile ones."""

    ours: dict[str, list[dict[str, Any]]]
    pgl: dict[str, list[dict[str, Any]]]
    population: dict[str, int]


def workload(params: ConnectionParams, ids: list[str], *, per_query: int = 400, seed: int = 7) -> Workload:
    rng = random.Random(seed)
    with psycopg.connect(params.url) as conn:
        in_household = [str(r[0]) for r in conn.execute(
            "SELECT id FROM residents WHERE household_id IS NOT NULL AND id = ANY(%s::uuid[])", (ids,)).fetchall()]
        districts = [r[0] for r in conn.execute(
            "SELECT district FROM assistance_cases GROUP BY district HAVING count(*) > 0").fetchall()]
        orgs = [str(r[0]) for r in conn.execute(
            "SELECT organisation_id FROM linkage_referrals WHERE organisation_id IS NOT NULL"
            " GROUP BY organisation_id").fetchall()]
        # Names whose substring match is their exact match in the district: the same rows on every side.
        names = conn.execute(
            "SELECT r.name, r.district FROM residents r WHERE NOT r.erased GROUP BY r.name, r.district HAVING"
            " count(*) = (SELECT count(*) FROM residents s WHERE s.district = r.district AND s.name ILIKE"
            " '%%' || r.name || '%%') LIMIT 2000").fetchall()
        programs = [r[0] for r in conn.execute("SELECT DISTINCT program FROM audit_log").fetchall()]
    picks_ids = in_household or ids
    ours: dict[str, list[dict[str, Any]]] = {k: [] for k in OURS}
    pgl: dict[str, list[dict[str, Any]]] = {k: [] for k in OURS}
    for _ in range(per_query):
        rid = rng.choice(picks_ids)
        ours["family"].append({"id": rid})
        pgl["family"].append({"id": rid})
        if districts:
            d = rng.choice(districts)
            ours["caseload"].append({"district": d})
            pgl["caseload"].append({"district": d})
        if orgs:
            o = rng.choice(orgs)
            ours["queue"].append({"org": o})
            pgl["queue"].append({"org": o})
        if names:
            n, d = rng.choice(names)
            ours["search"].append({"name": n, "district": d})
            pgl["search"].append({"name": n, "district": d})
        if programs:
            p = rng.choice(programs)
            ours["audit"].append({"program": p})
            pgl["audit"].append({"program": p})
    return Workload(ours, pgl, {"residents_in_households": len(in_household), "case_districts": len(districts),
                                "linkage_organisations": len(orgs), "search_names": len(names),
                                "audit_programs": len(programs)})


def _body(query: str | None, variables: dict[str, Any], op: str | None = None) -> str:
    body: dict[str, Any] = {"variables": variables}
    if query is not None:
        body["query"] = query
    if op is not None:
        body["op"] = op
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class Integrator:
    def __init__(self, params: ConnectionParams, *, jwt_secret: str, integrator_auth: dict[str, str],
                 log: Callable[[str], None]) -> None:
        self.params = params
        self.log = log
        inspector = issue_token(jwt_secret, subject="bench-inspector", role=Role.INSPECTOR, office="CITY-INSPECTORATE",
                                scopes=frozenset({Scope.READ, Scope.AUDIT}), ttl_seconds=6 * 3600)
        self.auth = {name: integrator_auth for name in OURS}
        self.auth["audit"] = {"Authorization": f"Bearer {inspector}"}
        self.notes: list[str] = []

    def _spec(self, server: servers.Server, name: str, path: str, bodies: list[str], headers: dict[str, str],
              concurrency: int, window: float, warmup: float) -> dict[str, Any]:
        return {"mode": "throughput", "host": "127.0.0.1", "port": server.port, "path": path,
                "headers": {"Content-Type": "application/json", "Accept": "application/json", **headers},
                "bodies": bodies, "expect": EXPECT[name], "concurrency": concurrency, "duration": window,
                "warmup": warmup, "seed": 11}

    def bodies(self, wl: Workload) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for name in OURS:
            if not wl.ours[name]:
                continue
            out[name] = {"graphql": [_body(OURS[name], v) for v in wl.ours[name]],
                         "raw": [_body(None, v, name) for v in wl.ours[name]],
                         "postgraphile": [_body(PGL[name], v) for v in wl.pgl[name]]}
        return out

    def check(self, started: dict[str, servers.Server], bodies: dict[str, dict[str, list[str]]],
              samples: int = 5) -> dict[str, Any]:
        """Row counts of the same sample requests on every side; raises when ours and raw differ; notes (and
        drops the query from PostGraphile's side) when PostGraphile's answer fails."""
        report: dict[str, Any] = {}
        for name, per_side in bodies.items():
            counts: dict[str, list[int | None]] = {}
            if "postgraphile" not in started:
                per_side.pop("postgraphile", None)
            for side in list(per_side):
                server = started["ours" if side == "graphql" else side]
                path = "/raw/integrator" if side == "raw" else "/graphql"
                headers = self.auth[name] if side != "raw" else {}
                counts[side] = []
                for body in per_side[side][:samples]:
                    status, answer = servers.post(server.port, path, json.loads(body), headers)
                    if status != 200 or not isinstance(answer, dict) or answer.get("errors"):
                        why = f"{name} on {side}: HTTP {status} {str(answer)[:600]}"
                        if side != "postgraphile":
                            raise RuntimeError(why)
                        self.notes.append(f"generic_vs_postgraphile is null: {why}")
                        self.log(why)
                        per_side.pop("postgraphile")
                        counts.pop("postgraphile")
                        break
                    counts[side].append(_count(name, "postgraphile" if side == "postgraphile" else "ours", answer))
            if counts["graphql"] != counts["raw"]:
                raise RuntimeError(f"{name}: row counts differ, ours {counts['graphql']} raw {counts['raw']}")
            same = counts.get("postgraphile") == counts["graphql"]
            report[name] = {"rows": counts, "postgraphile_same_rows": same if "postgraphile" in counts else None}
            self.log(f"integrator {name}: rows ours {counts['graphql']} = raw; postgraphile {counts.get('postgraphile')}"
                     f" ({'same' if same else 'closest equivalent, see RESULTS.md'})")
        return report

    def throughput(self, started: dict[str, servers.Server], bodies: dict[str, dict[str, list[str]]], *,
                   rounds: int, window: float, warmup: float, concurrency: int) -> dict[str, Any]:
        rps: dict[str, dict[str, list[float]]] = {n: {s: [] for s in b} for n, b in bodies.items()}
        p50: dict[str, dict[str, list[float]]] = {n: {s: [] for s in b} for n, b in bodies.items()}
        for r in range(rounds):
            line = []
            for name in bodies:
                sides = list(bodies[name])
                order = sides[r % len(sides):] + sides[: r % len(sides)]
                for side in order:
                    server = started["ours" if side == "graphql" else side]
                    path = "/raw/integrator" if side == "raw" else "/graphql"
                    headers = self.auth[name] if side != "raw" else {}
                    result = run_loadgen(self._spec(server, name, path, bodies[name][side], headers, concurrency,
                                                    window, warmup), f"integrator-{name}-{side}")
                    if result["errors"]:
                        raise RuntimeError(f"integrator {name} on {side}: {result['errors']} failed requests, "
                                           f"first: {result['first_error']}")
                    rps[name][side].append(result["rps"])
                    if result["latency_ms"]["p50"] is not None:
                        p50[name][side].append(result["latency_ms"]["p50"])
                line.append(f"{name} " + "/".join(f"{rps[name][s][-1]:,.0f}" for s in sides))
            self.log(f"integrator round {r + 1}/{rounds} (graphql/raw/postgraphile req/s): " + ", ".join(line))
        per_query: dict[str, Any] = {}
        for name in bodies:
            sides = list(bodies[name])
            entry: dict[str, Any] = {s: {"rps": summary(rps[name][s]), "p50_ms": summary(p50[name][s])} for s in sides}
            entry["vs_raw"] = paired_ratio(rps[name]["graphql"], rps[name]["raw"])
            if "postgraphile" in sides:
                entry["vs_postgraphile"] = paired_ratio(rps[name]["graphql"], rps[name]["postgraphile"])
            per_query[name] = entry
        out: dict[str, Any] = {"queries": per_query, "rounds": rounds, "window_s": window, "concurrency": concurrency}
        ratios = [q["vs_postgraphile"]["median"] for q in per_query.values()
                  if q.get("vs_postgraphile") and q["vs_postgraphile"].get("median")]
        out["generic_vs_postgraphile"] = (math.exp(sum(math.log(x) for x in ratios) / len(ratios))
                                          if ratios and len(ratios) == len(OURS) else None)
        raw_ratios = [q["vs_raw"]["median"] for q in per_query.values() if q["vs_raw"].get("median")]
        out["generic_vs_raw"] = (math.exp(sum(math.log(x) for x in raw_ratios) / len(raw_ratios))
                                 if raw_ratios else None)
        return out


# -- `python -m bench.integrator`: these five documents alone -------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """The integrator-shaped documents alone, on a bench-shaped database (the quick bench's append cells, demo
    population and histories, then every read model brought up to date); `--keep` keeps the database (and what
    the next run needs to reuse it, in bench/.work/integrator-db.json) and `--reuse` measures on it again (the
    migrations and read models are brought to this checkout's head first)."""
    import argparse
    import asyncio
    import base64
    import secrets
    import sys

    from bench import append, harness, population, projections, read_path
    from bench.writers import WriterPool
    from civicledger.core.db import drop_database, ensure_database
    from civicledger.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.integrator", description=main.__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per query and side (default 2)")
    parser.add_argument("--window", type=float, default=3.0, help="seconds per query, side and round (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--residents", type=int, default=1000, help="demo residents (default 1,000: --quick's)")
    parser.add_argument("--queries", help="comma-separated subset of " + ",".join(OURS))
    parser.add_argument("--keep", action="store_true", help="keep the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="measure on the database kept by --keep")
    parser.add_argument("--drop", action="store_true", help="drop the database kept by --keep, and exit")
    args = parser.parse_args(argv)
    log = harness.Log()
    state_path = servers.WORK_DIR / "integrator-db.json"
    server = ConnectionParams.from_url(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
    admin = server.with_dbname("postgres")
    if args.drop or args.reuse:
        state = json.loads(state_path.read_text())
        if args.drop:
            drop_database(admin, state["db"])
            state_path.unlink()
            log(f"dropped {state['db']}")
            return 0
        name, ids = state["db"], state["ids"]
        master_key, jwt_secret = base64.b64decode(state["master_key"]), state["jwt_secret"]
    else:
        name = f"civicledger_bench_{secrets.token_hex(5)}"
        master_key, jwt_secret = secrets.token_bytes(32), secrets.token_urlsafe(32)
        ensure_database(admin, name)
        log(f"fresh database {name}")
    params = server.with_dbname(name)
    settings = Settings(database_url=params.url, master_key=master_key, jwt_secret=jwt_secret,
                        environment="production", read_pool_size=8)
    pgl_unavailable = harness.prepare_postgraphile(harness.Config.for_mode(True), log)
    try:
        asyncio.run(harness._create_read_models(settings, params))
        if not args.reuse:
            pool = WriterPool(4, db_url=params.url, master_key=master_key)
            try:
                append.run(pool, params.url, rounds=3, window=1.5, log=log)  # the quick bench's append cells
                ids = population.load_demo(pool, args.residents, log)
                population.fill_histories(pool, ids, 60, log)
            finally:
                pool.close()
        asyncio.run(projections.run(settings, params, repetitions=1, log=log))
        if args.keep:
            state_path.parent.mkdir(parents=True, exist_ok=True)
            state_path.write_text(json.dumps({"db": name, "ids": ids, "jwt_secret": jwt_secret,
                                              "master_key": base64.b64encode(master_key).decode()}))
        reader = read_path.ReadPath(params, jwt_secret=jwt_secret, master_key_b64=base64.b64encode(master_key).decode(),
                                    processes=1, read_pool_size=8, log=log)
        try:
            started = reader.start(postgraphile=pgl_unavailable is None, sample_id=ids[0])
            gen = Integrator(params, jwt_secret=jwt_secret, integrator_auth=reader.auth, log=log)
            bodies = gen.bodies(workload(params, ids))
            if args.queries:
                bodies = {k: v for k, v in bodies.items() if k in args.queries.split(",")}
            rows = gen.check(started, bodies)
            result = gen.throughput(started, bodies, rounds=args.rounds, window=args.window, warmup=args.warmup,
                                    concurrency=args.concurrency)
        finally:
            reader.close()
    finally:
        if not (args.keep or args.reuse):
            drop_database(admin, name)
            log(f"dropped {name}")
    figures = {"generic_vs_postgraphile": result["generic_vs_postgraphile"], "generic_vs_raw": result["generic_vs_raw"]}
    for query, entry in result["queries"].items():
        for side in ("graphql", "postgraphile", "raw"):
            if side in entry:
                figures[f"rps_{query}_{side}"] = entry[side]["rps"].get("median")
        figures[f"{query}_vs_postgraphile"] = (entry.get("vs_postgraphile") or {}).get("median")
        figures[f"{query}_vs_raw"] = entry["vs_raw"].get("median")
    sys.stdout.write(json.dumps({"rows": rows, **{k: (round(v, 3) if isinstance(v, float) else v)
                                                  for k, v in figures.items()}}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
