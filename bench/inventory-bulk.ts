import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import pino from "pino";
import { closeDependencies, createDependencies } from "../src/bootstrap.js";
import { parseConfig } from "../src/config.js";
import { createDatabase } from "../src/db/database.js";
import { numbersCsvCopyStatement } from "../src/db/number-csv.js";
import { importNumbersFile } from "../src/services/import-numbers.js";
import { writeImportFile } from "./inventory-data.js";
import { type BenchStack, progress, rate, ratio } from "./support.js";

const MiB = 1024 * 1024;

/** Resident and peak memory of a process from /proc; the peak can be reset (clear_refs 5). */
function memoryOf(pid: number) {
  const field = (name: string) => {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
  };
  return {
    rssMiB: () => field("VmRSS"),
    peakMiB: () => field("VmHWM"),
    resetPeak: () => {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Streams a COPY TO STDOUT into nothing; returns seconds and bytes. */
async function copyOut(pool: pg.Pool, statement: string) {
  const client = await pool.connect();
  try {
    const started = performance.now();
    let bytes = 0;
    for await (const chunk of client.query(copyTo(statement))) bytes += (chunk as Buffer).length;
    return { seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    client.release();
  }
}

/** Downloads a URL into nothing, as fast as it comes; returns seconds and bytes. */
function download(url: string, headers: Record<string, string>): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`${url}: ${response.statusCode}`));
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on("end", () => resolve({ seconds: (performance.now() - started) / 1000, bytes }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/**
 * `GET /v1/numbers.csv` of every row from the api process, against `COPY (the same SELECT) TO
 * STDOUT` run here, alternated twice; the api process's peak memory is reset before each download.
 */
export async function measureCsvExport(options: {
  pool: pg.Pool;
  base: string;
  headers: Record<string, string>;
  apiPid: number;
  databaseUrl: string;
}) {
  const { db } = createDatabase({ url: options.databaseUrl, poolSize: 1 });
  const statement = numbersCsvCopyStatement(db, { kind: "all" }, {}, { field: "number", descending: false });
  await db.destroy();
  const rows = Number((await options.pool.query("SELECT count(*) AS count FROM numbers")).rows[0].count);
  const api = memoryOf(options.apiPid);
  const copies: { seconds: number; bytes: number }[] = [];
  const downloads: { seconds: number; bytes: number; rssBeforeMiB: number; peakMiB: number }[] = [];
  for (let round = 1; round <= 2; round++) {
    progress(`csv export round ${round}: COPY baseline`);
    copies.push(await copyOut(options.pool, statement));
    progress(`csv export round ${round}: GET /v1/numbers.csv`);
    api.resetPeak();
    const rssBeforeMiB = api.rssMiB();
    const result = await download(`${options.base}/v1/numbers.csv`, options.headers);
    downloads.push({ ...result, rssBeforeMiB, peakMiB: api.peakMiB() });
  }
  const selectStar = await copyOut(options.pool, "COPY (SELECT * FROM numbers) TO STDOUT WITH (FORMAT csv)");
  const best = <T extends { seconds: number }>(runs: T[]) =>
    runs.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  const copy = best(copies);
  const exported = best(downloads);
  return {
    rows,
    megabytes: Math.round(exported.bytes / MiB),
    sameBytesAsCopy: exported.bytes === copy.bytes,
    copyRowsPerSecond: copies.map((run) => rate(rows, run.seconds)),
    exportRowsPerSecond: downloads.map((run) => rate(rows, run.seconds)),
    ratioOfBest: ratio(copy.seconds, exported.seconds),
    copySelectStarRowsPerSecond: rate(rows, selectStar.seconds),
    apiRss: downloads.map((run) => ({
      beforeMiB: run.rssBeforeMiB,
      peakMiB: run.peakMiB,
      growthMiB: run.peakMiB - run.rssBeforeMiB,
    })),
  };
}

/** Raw COPY of the file into a table of text columns: what Postgres alone needs to take it in. */
async function rawCopy(pool: pg.Pool, file: string, table: string) {
  await pool.query(`CREATE TABLE ${table} (number text, vendor text, country text, sku text,
    capabilities text, routing text, golden text, ported_in text, range_name text)`);
  const client = await pool.connect();
  try {
    const started = performance.now();
    await pipeline(
      createReadStream(file),
      client.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`)),
    );
    return (performance.now() - started) / 1000;
  } finally {
    client.release();
  }
}

/**
 * What the database alone needs to add the file's rows to `numbers` with its indexes and their
 * history rows (no checks, no batches): one INSERT … SELECT from the raw COPY's table, measured
 * inside a transaction that is rolled back (and vacuumed away) so the import still finds them new.
 */
async function databaseFloor(pool: pg.Pool, table: string) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const started = performance.now();
    await client.query(`
      WITH added AS (
        INSERT INTO numbers (number, state, vendor, country, sku, capabilities, routing, golden, ported_in,
          range_name, created_at, updated_at)
        SELECT DISTINCT ON (number) number, 'available', vendor, country, sku, string_to_array(capabilities, '|'),
          routing, golden::boolean, ported_in::boolean, range_name, now(), now()
        FROM ${table} WHERE number ~ '^\\+[1-9][0-9]{7,14}$' ORDER BY number
        RETURNING number, state)
      INSERT INTO number_history (number, at, action, actor, after, visible_to)
      SELECT number, now(), 'add', 'floor', jsonb_build_object('state', state), '{}' FROM added`);
    const seconds = (performance.now() - started) / 1000;
    await client.query("ROLLBACK");
    await client.query("VACUUM numbers, number_history");
    return seconds;
  } finally {
    client.release();
  }
}

/**
 * The import job's code (`importNumbersFile`, what a worker or the CLI runs) on a file of
 * `rows` new numbers into the seeded inventory, between two raw COPYs of the same file.
 */
export async function measureImport(options: { pool: pg.Pool; stack: BenchStack; rows: number }) {
  const file = join(options.stack.dataDir, "import.csv");
  progress(`writing a ${options.rows.toLocaleString("en")}-row import file`);
  await writeImportFile(file, options.rows);
  progress("import: raw COPY baseline");
  const rawBefore = await rawCopy(options.pool, file, "raw_import_before");
  progress("import: database floor (INSERT … SELECT into numbers, rolled back)");
  const floorInsert = await databaseFloor(options.pool, "raw_import_before");

  const config = { ...parseConfig({}), databasePoolSize: 4, databaseStatementTimeoutMs: 3_600_000 };
  const deps = createDependencies(
    config,
    { databaseUrl: options.stack.databaseUrl, redisUrl: options.stack.redisUrl },
    pino({ level: "silent" }),
  );
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  let summary: Awaited<ReturnType<typeof importNumbersFile>>;
  try {
    progress("import: importNumbersFile");
    summary = await importNumbersFile(deps, {
      file,
      actor: "import:bench.csv",
      rejectsFile: `${file}.rejects.csv`,
      onProgress: (at) => {
        if (at.rows % 100_000 < 5_000) progress(`import: ${at.rows.toLocaleString("en")} rows`);
      },
    });
  } finally {
    clearInterval(sampler);
    await closeDependencies(deps);
  }
  progress("import: raw COPY baseline again");
  const rawAfter = await rawCopy(options.pool, file, "raw_import_after");
  const rawSeconds = Math.min(rawBefore, rawAfter);
  return {
    rows: summary.rows,
    added: summary.added,
    alreadyPresent: summary.alreadyPresent,
    refused: summary.refused,
    importSeconds: summary.seconds,
    importRowsPerSecond: summary.rowsPerSecond,
    rawCopyRowsPerSecond: [rate(options.rows, rawBefore), rate(options.rows, rawAfter)],
    ratioToFasterRawCopy: ratio(rawSeconds, summary.seconds),
    databaseFloorRowsPerSecond: rate(options.rows, rawBefore + floorInsert),
    ratioToDatabaseFloor: ratio(rawBefore + floorInsert, summary.seconds),
    rssBeforeMiB: Math.round(rssBefore / MiB),
    rssPeakMiB: Math.round(rssPeak / MiB),
    rssGrowthMiB: Math.round((rssPeak - rssBefore) / MiB),
  };
}
