/**
 * The inventory benchmark's part for the API for people: `GET /v1/numbers/counts` at 1,000,000
 * numbers (HTTP and SQL), what the names behind the ids cost a search page (the same statements
 * with and without the name columns, interleaved in one run), and EXPLAIN (ANALYZE) of both.
 */
import type { CompiledQuery } from "kysely";
import { createDatabase } from "../src/db/database.js";
import { countMatching, countMatchingQuery } from "../src/db/number-counts.js";
import { selectNumberNames } from "../src/db/number-names.js";
import type { Scope } from "../src/db/scope.js";
import {
  matchesFilters,
  type NumberFilters,
  type NumberSort,
  selectMatching,
  sortKeyText,
} from "../src/db/search.js";
import { BENCH_PARTNER_ID, pick, STATES, VENDORS } from "./inventory-queries.js";
import { httpRequest, progress, summarize } from "./support.js";

const ITERATIONS = 200;
const ALL: Scope = { kind: "all" };
const BY_NUMBER: NumberSort = { field: "number", descending: false };

const COUNT_QUERIES: Record<string, (index: number) => NumberFilters> = {
  "counts, state filter": (i) => ({ state: pick(STATES, i) }),
  "counts, vendor filter": (i) => ({ vendor: pick(VENDORS, i) }),
  "counts, vendor+state": (i) => ({ vendor: pick(VENDORS, i), state: pick(STATES, i + 1) }),
  "counts, no filter (every number)": () => ({}),
};

const toQuery = (filters: NumberFilters) =>
  new URLSearchParams(
    Object.entries(filters).map(([name, value]): [string, string] => [name, String(value)]),
  ).toString();

/** `GET /v1/numbers/counts` through the api process, and the same statement as SQL only. */
export async function measureCounts(base: string, headers: Record<string, string>, databaseUrl: string) {
  const http: Record<string, ReturnType<typeof summarize>> = {};
  for (const [name, filters] of Object.entries(COUNT_QUERIES)) {
    progress(`latency: ${name}`);
    const times: number[] = [];
    for (let i = -10; i < ITERATIONS; i++) {
      const started = performance.now();
      const response = await httpRequest(`${base}/v1/numbers/counts?${toQuery(filters(i + 10))}`, "GET", {
        headers,
        maxSockets: 1,
      });
      if (response.status !== 200)
        throw new Error(`${name}: ${response.status} ${response.body.slice(0, 300)}`);
      if (i >= 0) times.push(performance.now() - started);
    }
    http[name] = summarize(times);
  }
  // The statement beside the plainest count of the same rows (`SELECT count(*) … WHERE filters`),
  // alternating: on a shared machine their ratio is the figure that holds from run to run.
  const { db } = createDatabase({ url: databaseUrl, poolSize: 1 });
  const sql: Record<string, ReturnType<typeof summarize>> = {};
  const bareCount: Record<string, ReturnType<typeof summarize>> = {};
  try {
    for (const [name, filters] of Object.entries(COUNT_QUERIES)) {
      const times: number[] = [];
      const bare: number[] = [];
      for (let i = -10; i < ITERATIONS; i++) {
        for (const plain of i % 2 === 0 ? [false, true] : [true, false]) {
          const started = performance.now();
          if (plain)
            await db
              .selectFrom("numbers")
              .where(matchesFilters(filters(i + 10)))
              .select((eb) => eb.fn.countAll().as("count"))
              .execute();
          else await countMatching(db, ALL, filters(i + 10));
          if (i >= 0) (plain ? bare : times).push(performance.now() - started);
        }
      }
      sql[name] = summarize(times);
      bareCount[name] = summarize(bare);
    }
  } finally {
    await db.destroy();
  }
  return { http, sql, bareCount };
}

const PAGE_QUERIES: Record<string, [(index: number) => NumberFilters, NumberSort]> = {
  "state filter": [(i) => ({ state: pick(STATES, i) }), BY_NUMBER],
  "vendor+state": [(i) => ({ vendor: pick(VENDORS, i), state: pick(STATES, i + 1) }), BY_NUMBER],
  "sort -updatedAt page 1": [() => ({}), { field: "updatedAt", descending: true }],
  "sort vendor page 1 (sorted in memory)": [() => ({}), { field: "vendor", descending: false }],
  "a partner key's scope, state filter": [(i) => ({ state: pick(STATES, i) }), BY_NUMBER],
};
const PARTNER: Scope = { kind: "partner", partnerId: BENCH_PARTNER_ID };

/**
 * A page of 100 read with and without the name columns, alternating, so both see the same
 * machine: what the names add to a search is the difference, whatever else runs beside it.
 */
export async function measureNamesCost(databaseUrl: string) {
  progress("names: search pages with and without the name columns, interleaved");
  const { db } = createDatabase({ url: databaseUrl, poolSize: 1 });
  const result: Record<
    string,
    { without: ReturnType<typeof summarize>; withNames: ReturnType<typeof summarize> }
  > = {};
  try {
    for (const [name, [filters, sort]] of Object.entries(PAGE_QUERIES)) {
      const scope = name.startsWith("a partner") ? PARTNER : ALL;
      const page = (index: number, names: boolean) => {
        const query = selectMatching(db, scope, filters(index), sort)
          .selectAll("numbers")
          .select(sortKeyText(sort));
        return (names ? query.select(selectNumberNames(scope)) : query).limit(101).execute();
      };
      const without: number[] = [];
      const withNames: number[] = [];
      for (let i = -10; i < ITERATIONS; i++) {
        for (const names of i % 2 === 0 ? [false, true] : [true, false]) {
          const started = performance.now();
          await page(i + 10, names);
          if (i >= 0) (names ? withNames : without).push(performance.now() - started);
        }
      }
      result[name] = { without: summarize(without), withNames: summarize(withNames) };
    }
  } finally {
    await db.destroy();
  }
  return result;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the counts and of a names page that must sort in memory. */
export async function explainPeopleQueries(databaseUrl: string) {
  const { db } = createDatabase({ url: databaseUrl, poolSize: 1 });
  const plans: Record<string, string[]> = {};
  const explain = async (name: string, compiled: CompiledQuery) => {
    const { rows } = await db.executeQuery<{ "QUERY PLAN": string }>({
      ...compiled,
      sql: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${compiled.sql}`,
    });
    plans[name] = rows.map((row) => row["QUERY PLAN"]);
  };
  try {
    await explain("counts, state=available", countMatchingQuery(db, ALL, { state: "available" }).compile());
    await explain("counts, vendor=telstra", countMatchingQuery(db, ALL, { vendor: "telstra" }).compile());
    const byVendor: NumberSort = { field: "vendor", descending: false };
    await explain(
      "sort=vendor page with names (names after the LIMIT)",
      selectMatching(db, ALL, {}, byVendor)
        .selectAll("numbers")
        .select(selectNumberNames(ALL))
        .select(sortKeyText(byVendor))
        .limit(101)
        .compile(),
    );
    await explain(
      "a partner key, state=deleted, with names",
      selectMatching(db, PARTNER, { state: "deleted" }, BY_NUMBER)
        .selectAll("numbers")
        .select(selectNumberNames(PARTNER))
        .limit(101)
        .compile(),
    );
  } finally {
    await db.destroy();
  }
  return plans;
}
