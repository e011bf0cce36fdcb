/**
 * What each index on `numbers` costs a write. On the seeded 1,000,000-number inventory: the rows
 * of an import file are inserted into `numbers` with their history rows (one INSERT … SELECT, the
 * database floor of an import), and a sample of numbers is moved to another state (a non-HOT
 * UPDATE, what every transition does). Measured with every index, with the primary key alone,
 * and with the primary key plus each secondary index in turn; an index's cost is what it adds to
 * the primary key alone, per row. Every variant runs in a transaction that is rolled back (DROP
 * INDEX included) and vacuumed away, so each starts from the same table; a first run warms the
 * caches and is not counted, and each figure is the best of two runs (the machine is shared).
 *
 * `npm run bench -- index-cost` (BENCH_INDEX_COST_ROWS: inventory size, BENCH_INDEX_COST_INSERTS:
 * rows inserted per variant, BENCH_INDEX_COST_ONLY: a comma list of the indexes to measure).
 */
import { createReadStream } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { seedInventory, writeImportFile } from "./inventory-data.js";
import { progress, startStack } from "./support.js";

const TOTAL = Number(process.env.BENCH_INDEX_COST_ROWS ?? 1_000_000);
const INSERTS = Number(process.env.BENCH_INDEX_COST_INSERTS ?? 100_000);
const UPDATES = Math.round(INSERTS / 5);

const INSERT_STATEMENT = `
  WITH added AS (
    INSERT INTO numbers (number, state, vendor, country, sku, capabilities, routing, golden, ported_in,
      range_name, created_at, updated_at)
    SELECT DISTINCT ON (number) number, 'available', vendor, country, sku, string_to_array(capabilities, '|'),
      nullif(routing, ''), golden::boolean, ported_in::boolean, range_name, now(), now()
    FROM raw_import WHERE number ~ '^\\+[1-9][0-9]{7,14}$' ORDER BY number
    RETURNING number, state)
  INSERT INTO number_history (number, at, action, actor, after, visible_to)
  SELECT number, now(), 'add', 'index-cost', jsonb_build_object('state', state), '{}' FROM added`;

/** A transition's write: available → reserved, with its timer and owner, every row rewritten. */
const UPDATE_STATEMENT = `
  UPDATE numbers SET state = 'reserved', owner_id = '00000000-0000-4000-9000-000000000001',
    reservation_kind = 'manual', reserved_at = now(), reservation_expires_at = now() + interval '28 days',
    updated_at = now(), version = version + 1
  WHERE number = ANY ($1::text[])`;

async function timed(client: pg.ClientBase, drop: string[], numbers: string[]) {
  await client.query("BEGIN");
  try {
    for (const index of drop) await client.query(`DROP INDEX ${pg.escapeIdentifier(index)}`);
    let started = performance.now();
    await client.query(INSERT_STATEMENT);
    const insertSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await client.query(UPDATE_STATEMENT, [numbers]);
    const updateSeconds = (performance.now() - started) / 1000;
    return { insertSeconds, updateSeconds };
  } finally {
    await client.query("ROLLBACK");
    await client.query("VACUUM numbers, number_history");
  }
}

export async function run(): Promise<object> {
  const loadAtStart = loadavg().map((value) => Number(value.toFixed(1)));
  progress("starting Postgres and Redis");
  const stack = await startStack();
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  try {
    progress(`seeding ${TOTAL.toLocaleString("en")} numbers`);
    await seedInventory(pool, TOTAL);
    const file = join(stack.dataDir, "import.csv");
    await writeImportFile(file, INSERTS);
    const client = await pool.connect();
    try {
      await client.query(`CREATE TABLE raw_import (number text, vendor text, country text, sku text,
        capabilities text, routing text, golden text, ported_in text, range_name text)`);
      await pipeline(
        createReadStream(file),
        client.query(copyFrom("COPY raw_import FROM STDIN WITH (FORMAT csv, HEADER true)")),
      );
      const numbers = (
        await client.query<{ number: string }>(
          `SELECT number FROM numbers WHERE state = 'available' ORDER BY md5(number) LIMIT ${UPDATES}`,
        )
      ).rows.map((row) => row.number);
      const secondary = (
        await client.query<{ name: string }>(
          `SELECT indexname AS name FROM pg_indexes
           WHERE tablename = 'numbers' AND indexname <> 'numbers_pkey' ORDER BY indexname`,
        )
      ).rows.map((row) => row.name);
      const only = process.env.BENCH_INDEX_COST_ONLY?.split(",").filter(Boolean);
      const candidates = only ? secondary.filter((name) => only.includes(name)) : secondary;

      const best = async (drop: string[]) => {
        const runs = [await timed(client, drop, numbers), await timed(client, drop, numbers)];
        return {
          insertSeconds: Math.min(...runs.map((run) => run.insertSeconds)),
          updateSeconds: Math.min(...runs.map((run) => run.updateSeconds)),
        };
      };
      progress("warming up");
      await timed(client, [], numbers);
      progress("every index");
      const all = await best([]);
      progress("primary key only");
      const primaryKeyOnly = await best(secondary);
      const variants: Record<string, { insertSeconds: number; updateSeconds: number }> = {};
      for (const index of candidates) {
        progress(`primary key and ${index}`);
        variants[index] = await best(secondary.filter((name) => name !== index));
      }
      const micros = (seconds: number, rows: number) => Number(((seconds * 1e6) / rows).toFixed(1));
      const costs = Object.fromEntries(
        Object.entries(variants).map(([index, variant]) => [
          index,
          {
            insertMicrosPerRow: micros(variant.insertSeconds - primaryKeyOnly.insertSeconds, INSERTS),
            updateMicrosPerRow: micros(variant.updateSeconds - primaryKeyOnly.updateSeconds, UPDATES),
          },
        ]),
      );
      return {
        rows: TOTAL,
        inserted: INSERTS,
        updated: UPDATES,
        loadAverage: { start: loadAtStart, end: loadavg().map((value) => Number(value.toFixed(1))) },
        everyIndex: {
          ...all,
          insertMicrosPerRow: micros(all.insertSeconds, INSERTS),
          updateMicrosPerRow: micros(all.updateSeconds, UPDATES),
        },
        primaryKeyOnly: {
          ...primaryKeyOnly,
          insertMicrosPerRow: micros(primaryKeyOnly.insertSeconds, INSERTS),
          updateMicrosPerRow: micros(primaryKeyOnly.updateSeconds, UPDATES),
        },
        costOfEachIndex: costs,
      };
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => {});
    await stack.stop();
  }
}
