/**
 * Inventory benchmark: 1,000,000 numbers with realistic spreads. Latency (p50/p99) of the hot
 * searches through the HTTP API of a separate api process; the CSV export of every row beside
 * `COPY (SELECT …) TO STDOUT` of the same statement; the import of a 1,000,000-row file beside a
 * raw `COPY` of the same file; EXPLAIN (ANALYZE) of the hot queries; and the web console's first
 * page in Chromium (p95 of 20 cold loads).
 *
 * `npm run bench -- inventory` (the runner in bench/run.ts records the JSON).
 * `BENCH_INVENTORY_PARTS=console` measures only the console (after seeding); the default is all.
 * Starts its own PostgreSQL (fsync on) and Redis in a temp folder and removes them afterwards.
 */
import { loadavg } from "node:os";
import pg from "pg";
import { createDatabase } from "../src/db/database.js";
import { selectNumberNames } from "../src/db/number-names.js";
import type { Scope } from "../src/db/scope.js";
import {
  type NumberFilters,
  type NumberSort,
  type SeekPosition,
  selectMatching,
  sortKeyText,
} from "../src/db/search.js";
import { parseSearch, searchQuerySchema } from "../src/services/search.js";
import { decodeCursor } from "../src/services/search-cursor.js";
import { measureConsoleLoad } from "./console-load.js";
import { measureCsvExport, measureImport } from "./inventory-bulk.js";
import { seedInventory } from "./inventory-data.js";
import { explainPeopleQueries, measureCounts, measureNamesCost } from "./inventory-people.js";
import { BENCH_PARTNER_ID, pick, SEARCHES, STATES } from "./inventory-queries.js";
import { type AppProcess, httpRequest, progress, startApp, startStack, summarize } from "./support.js";

const TOTAL = Number(process.env.BENCH_INVENTORY_ROWS ?? 1_000_000);
/** Which parts to measure: a comma list of console, search, export, import; all by default. */
const PARTS = new Set((process.env.BENCH_INVENTORY_PARTS ?? "all").split(","));
const measures = (part: string) => PARTS.has("all") || PARTS.has(part);
const ITERATIONS = 200;
const ADMIN_KEY = "bench-inventory-admin-key-0123456789";
const HEADERS = { authorization: `Bearer ${ADMIN_KEY}` };

const QUERIES: Record<string, (index: number) => string> = {
  ...SEARCHES,
  "expiresBefore (7 days)": () => `expiresBefore=${new Date(Date.now() + 7 * 86_400_000).toISOString()}`,
};

async function timeGet(
  base: string,
  query: string,
  headers = HEADERS,
): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const response = await httpRequest(`${base}/v1/numbers?${query}`, "GET", { headers, maxSockets: 1 });
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${query}: ${response.status} ${response.body.slice(0, 300)}`);
  return { ms, body: response.body };
}

async function measure(base: string, query: (index: number) => string, headers = HEADERS) {
  for (let i = 0; i < 10; i++) await timeGet(base, query(i + 10_000), headers);
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) times.push((await timeGet(base, query(i), headers)).ms);
  return summarize(times);
}

/** What every request costs before the search: an HTTP round trip, then authentication as well. */
async function measureFloor(base: string) {
  const health: number[] = [];
  for (let i = 0; i < ITERATIONS + 10; i++) {
    const started = performance.now();
    await httpRequest(`${base}/health`, "GET", { maxSockets: 1 });
    if (i >= 10) health.push(performance.now() - started);
  }
  return {
    "GET /health (HTTP round trip)": summarize(health),
    "limit=1 (round trip, API key lookup, one row)": await measure(base, () => "limit=1"),
  };
}

async function measureQueries(base: string) {
  const latency: Record<string, ReturnType<typeof summarize>> = await measureFloor(base);
  for (const [name, query] of Object.entries(QUERIES)) {
    progress(`latency: ${name}`);
    latency[name] = await measure(base, query);
  }
  progress("latency: walking 499 pages of sort=-updatedAt by cursor");
  const walk: number[] = [];
  let cursor = "";
  for (let page = 1; page < 500; page++) {
    const { ms, body } = await timeGet(base, `sort=-updatedAt${cursor ? `&cursor=${cursor}` : ""}`);
    walk.push(ms);
    cursor = encodeURIComponent(JSON.parse(body).nextCursor);
  }
  latency["sort -updatedAt, each of pages 1-499 by cursor"] = summarize(walk);
  latency["sort -updatedAt page 500 by cursor"] = await measure(
    base,
    () => `sort=-updatedAt&cursor=${cursor}`,
  );
  const partner = await httpRequest(`${base}/v1/api-keys`, "POST", {
    headers: HEADERS,
    body: { role: "partner_admin", organizationId: BENCH_PARTNER_ID },
  });
  const partnerHeaders = { authorization: `Bearer ${JSON.parse(partner.body).key}` };
  progress("latency: a partner key's scope");
  latency["partner scope, state filter"] = await measure(
    base,
    (i) => `state=${pick(STATES, i)}`,
    partnerHeaders,
  );
  latency["sort vendor page 1 (no index on the sort)"] = await measure(base, () => "sort=vendor");
  return { latency, page500Cursor: decodeURIComponent(cursor) };
}

/**
 * The same searches as SQL only (the statement the API runs, on one connection here), to tell the
 * database's share of a request's time from HTTP, authentication and JSON on a busy machine.
 */
async function measureSql(databaseUrl: string, page500Cursor: string) {
  const { db } = createDatabase({ url: databaseUrl, poolSize: 1 });
  const statement = async (query: string) => {
    const { sort, filters, cursor } = parseSearch(
      searchQuerySchema.parse(Object.fromEntries(new URLSearchParams(query))),
    );
    const after = cursor ? await decodeCursor({ db }, cursor, sort, filters) : undefined;
    return selectMatching(db, { kind: "all" }, filters, sort, after)
      .selectAll("numbers")
      .select(selectNumberNames({ kind: "all" }))
      .select(sortKeyText(sort))
      .limit(101);
  };
  const queries: Record<string, (index: number) => string> = {
    ...QUERIES,
    "sort -updatedAt page 500 by cursor": () => `sort=-updatedAt&cursor=${encodeURIComponent(page500Cursor)}`,
  };
  const latency: Record<string, ReturnType<typeof summarize>> = {};
  try {
    for (const [name, query] of Object.entries(queries)) {
      for (let i = 0; i < 10; i++) await (await statement(query(i + 10_000))).execute();
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const started = performance.now();
        await (await statement(query(i))).execute();
        times.push(performance.now() - started);
      }
      latency[name] = summarize(times);
    }
  } finally {
    await db.destroy();
  }
  return latency;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the statements the API runs for the hot searches. */
async function explainHotQueries(databaseUrl: string, page500Cursor: string) {
  const { db } = createDatabase({ url: databaseUrl, poolSize: 1 });
  const byNumber: NumberSort = { field: "number", descending: false };
  const recent: NumberSort = { field: "updatedAt", descending: true };
  const partner: Scope = { kind: "partner", partnerId: BENCH_PARTNER_ID };
  const all: Scope = { kind: "all" };
  const cases: [string, NumberFilters, NumberSort, SeekPosition?, Scope?][] = [
    ["state=locked", { state: "locked" }, byNumber],
    ["q=+6562* (prefix as a range)", { q: { kind: "prefix", digits: "6562" } }, byNumber],
    ["q=4567 (substring: trigram matches first)", { q: { kind: "contains", digits: "4567" } }, byNumber],
    ["q=*4567 (suffix: reversed index matches first)", { q: { kind: "suffix", digits: "4567" } }, byNumber],
    ["vendor=telstra&state=available", { vendor: "telstra", state: "available" }, byNumber],
    ["sort=-updatedAt, page 1", {}, recent],
    [
      "sort=-updatedAt, page 500 by cursor",
      {},
      recent,
      await decodeCursor({ db }, page500Cursor, recent, {}),
    ],
    ["expiresBefore=<in 7 days>", { expiresBefore: new Date(Date.now() + 7 * 86_400_000) }, byNumber],
    ["a partner key, state=deleted", { state: "deleted" }, byNumber, undefined, partner],
  ];
  const plans: Record<string, string[]> = {};
  try {
    for (const [name, filters, sort, after, scope] of cases) {
      const compiled = selectMatching(db, scope ?? all, filters, sort, after)
        .selectAll("numbers")
        .select(selectNumberNames(scope ?? all))
        .select(sortKeyText(sort))
        .limit(101)
        .compile();
      const { rows } = await db.executeQuery<{ "QUERY PLAN": string }>({
        ...compiled,
        sql: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${compiled.sql}`,
      });
      plans[name] = rows.map((row) => row["QUERY PLAN"]);
    }
  } finally {
    await db.destroy();
  }
  return plans;
}

export async function run(): Promise<object> {
  const loadAtStart = loadavg().map((value) => Number(value.toFixed(1)));
  progress("starting Postgres and Redis");
  const stack = await startStack();
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  let api: AppProcess | undefined;
  try {
    progress(`seeding ${TOTAL.toLocaleString("en")} numbers`);
    let started = performance.now();
    await seedInventory(pool, TOTAL);
    const seedSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
    api = await startApp(stack, "api", { NUMBERS_ADMIN_KEY: ADMIN_KEY });
    const base = `http://127.0.0.1:${api.port}`;
    let consoleLoad: object | undefined;
    if (measures("console")) {
      progress("console: first page in Chromium");
      consoleLoad = await measureConsoleLoad(base, ADMIN_KEY);
    }
    let searches: object = {};
    if (measures("search")) {
      const { latency, page500Cursor } = await measureQueries(base);
      progress("latency of the same statements as SQL only");
      const sqlLatency = await measureSql(stack.databaseUrl, page500Cursor);
      const counts = await measureCounts(base, HEADERS, stack.databaseUrl);
      const namesCost = await measureNamesCost(stack.databaseUrl);
      progress("EXPLAIN ANALYZE of the hot queries");
      const plans = {
        ...(await explainHotQueries(stack.databaseUrl, page500Cursor)),
        ...(await explainPeopleQueries(stack.databaseUrl)),
      };
      searches = { latencyMs: latency, sqlLatencyMs: sqlLatency, counts, namesCost, plans };
    }
    const csvExport = measures("export")
      ? await measureCsvExport({
          pool,
          base,
          headers: HEADERS,
          apiPid: api.pid,
          databaseUrl: stack.databaseUrl,
        })
      : undefined;
    await api.stop();
    api = undefined;
    started = performance.now();
    // BENCH_INVENTORY_SKIP_IMPORT=1 leaves out the import (minutes) when only the searches changed.
    const importResult =
      process.env.BENCH_INVENTORY_SKIP_IMPORT || !measures("import")
        ? "skipped"
        : await measureImport({ pool, stack, rows: TOTAL });
    progress(`import measured in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return {
      rows: TOTAL,
      // The machine is shared: its load average says how much else ran beside the benchmark.
      loadAverage: { start: loadAtStart, end: loadavg().map((value) => Number(value.toFixed(1))) },
      seedSeconds,
      console: consoleLoad,
      ...searches,
      csvExport,
      import: importResult,
    };
  } finally {
    await api?.stop().catch(() => {});
    await pool.end().catch(() => {});
    await stack.stop();
  }
}
