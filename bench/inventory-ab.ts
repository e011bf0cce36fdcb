/**
 * Search latency of two versions of the API in one run: the same 1,000,000-number database served
 * at once by the API of `BENCH_AB_BASE` (a git ref, default `main`; A) and by this working tree
 * (B), each request sent to both in turn (the order alternating), so both see the same machine.
 * On a shared machine only such a paired ratio says what a change costs a search.
 *
 * `BENCH_AB_BASE=<ref> npm run bench -- inventory-ab`. A is `git archive`d into a temp folder and
 * runs on this tree's node_modules; it creates and seeds the database with its own migrations and
 * generator, and B then migrates it forward as it starts, as a deployment would: B's new
 * migrations must be numbered after every one A has (the migrator refuses a database that applied
 * a later one), so compare a branch with the commit it started from, not with a newer main.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { BENCH_PARTNER_ID, pick, SEARCHES, STATES } from "./inventory-queries.js";
import { httpRequest, progress, REPO_ROOT, startApp, summarize } from "./support.js";

const ROWS = Number(process.env.BENCH_INVENTORY_ROWS ?? 1_000_000);
const ITERATIONS = 200;
const KEY = "bench-ab-admin-key-0123456789";
const HEADERS = { authorization: `Bearer ${KEY}` };
const QUERIES: Record<string, (index: number) => string> = {
  "limit=1 (round trip, key lookup, one row)": () => "limit=1",
  ...SEARCHES,
};

type Support = typeof import("./support.js");
type Data = typeof import("./inventory-data.js");

async function checkOut(ref: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "numbers-ab-"));
  const archive = execFileSync("git", ["archive", ref], { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", folder], { input: archive });
  await symlink(join(REPO_ROOT, "node_modules"), join(folder, "node_modules"));
  return folder;
}

async function timeGet(port: number, query: string, headers: Record<string, string>) {
  const started = performance.now();
  const response = await httpRequest(`http://127.0.0.1:${port}/v1/numbers?${query}`, "GET", {
    headers,
    maxSockets: 1,
  });
  if (response.status !== 200) throw new Error(`${query}: ${response.status} ${response.body.slice(0, 300)}`);
  return performance.now() - started;
}

export async function run(): Promise<object> {
  const ref = process.env.BENCH_AB_BASE ?? "main";
  const commit = execFileSync("git", ["rev-parse", ref], { cwd: REPO_ROOT }).toString().trim();
  const loadAtStart = loadavg().map((value) => Number(value.toFixed(1)));
  progress(`checking out ${ref} (${commit.slice(0, 8)})`);
  const baseFolder = await checkOut(commit);
  const base = (await import(pathToFileURL(join(baseFolder, "bench", "support.ts")).href)) as Support;
  const data = (await import(pathToFileURL(join(baseFolder, "bench", "inventory-data.ts")).href)) as Data;
  const stack = await base.startStack();
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  const apps: { stop(): Promise<void> }[] = [];
  try {
    progress(`seeding ${ROWS.toLocaleString("en")} numbers with ${ref}'s schema`);
    await data.seedInventory(pool, ROWS);
    const a = await base.startApp(stack, "api", { NUMBERS_ADMIN_KEY: KEY });
    apps.push(a);
    const b = await startApp(stack, "api", { NUMBERS_ADMIN_KEY: KEY });
    apps.push(b);
    const partner = await httpRequest(`http://127.0.0.1:${a.port}/v1/api-keys`, "POST", {
      headers: HEADERS,
      body: { role: "partner_admin", organizationId: BENCH_PARTNER_ID },
    });
    const partnerHeaders = { authorization: `Bearer ${JSON.parse(partner.body).key}` };
    const cases: [string, (index: number) => string, Record<string, string>][] = [
      ...Object.entries(QUERIES).map(
        ([name, query]): [string, (index: number) => string, Record<string, string>] => [
          name,
          query,
          HEADERS,
        ],
      ),
      ["partner scope, state filter", (i) => `state=${pick(STATES, i)}`, partnerHeaders],
    ];
    const latencyMs: Record<string, object> = {};
    for (const [name, query, headers] of cases) {
      progress(`A/B: ${name}`);
      const times = { a: [] as number[], b: [] as number[] };
      for (let i = -10; i < ITERATIONS; i++)
        for (const side of i % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const)) {
          const ms = await timeGet(side === "a" ? a.port : b.port, query(i + 10), headers);
          if (i >= 0) times[side].push(ms);
        }
      const before = summarize(times.a);
      const after = summarize(times.b);
      latencyMs[name] = {
        a: before,
        b: after,
        p50Ratio: Number((after.p50 / before.p50).toFixed(2)),
        p99Ratio: Number((after.p99 / before.p99).toFixed(2)),
      };
    }
    return {
      a: `${ref} (${commit})`,
      b: "working tree",
      rows: ROWS,
      loadAverage: { start: loadAtStart, end: loadavg().map((value) => Number(value.toFixed(1))) },
      latencyMs,
    };
  } finally {
    for (const app of apps.reverse()) await app.stop().catch(() => {});
    await pool.end().catch(() => {});
    await stack.stop();
    await rm(baseFolder, { recursive: true, force: true });
  }
}
