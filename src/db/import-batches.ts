import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "kysely";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { ItemCode } from "../error-codes.js";
import { ANSWER_GRACE_MS, type Db, limitAnswerTime, survivesLostConnection } from "./database.js";
import { historySnapshotSql } from "./number-columns.js";
import { audienceSql } from "./scope.js";
import type { NewNumberRow } from "./tables.js";

/**
 * The SQL of a CSV import, on a connection of its own for the whole file. Two session tables:
 * `import_batch`, the staging table each batch is COPYed into, and `import_seen`, every number
 * of the file met so far with its first row, so a duplicate is recognised however far apart the
 * two rows are without the file's numbers ever being held in memory.
 */
export async function openImportSession(options: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(options);
  survivesLostConnection(client);
  if (typeof options.statement_timeout === "number")
    limitAnswerTime(client, options.statement_timeout + ANSWER_GRACE_MS);
  await client.connect();
  // Room for the session tables in memory (a million numbers in import_seen); freed on close.
  await client.query("SET temp_buffers = '128MB'");
  await client.query(`
    CREATE TEMP TABLE import_batch (
      row_no integer NOT NULL, number text NOT NULL, state text NOT NULL, vendor text NOT NULL,
      country text NOT NULL, sku text NOT NULL, capabilities text[] NOT NULL, routing text,
      golden boolean NOT NULL, ported_in boolean NOT NULL, visible_to_domain text, partner_id uuid,
      site_id uuid, range_name text, extension text, main_number boolean NOT NULL,
      locked_at timestamptz, lock_expires_at timestamptz, lock_remark text);
    CREATE TEMP TABLE import_seen (number text PRIMARY KEY, row_no integer NOT NULL);`);
  return client;
}

const BATCH_COLUMNS = [
  "row_no",
  "number",
  "state",
  "vendor",
  "country",
  "sku",
  "capabilities",
  "routing",
  "golden",
  "ported_in",
  "visible_to_domain",
  "partner_id",
  "site_id",
  "range_name",
  "extension",
  "main_number",
  "locked_at",
  "lock_expires_at",
  "lock_remark",
] as const;

export type StagedRow = NewNumberRow & { row_no: number };

/**
 * One value in COPY's text format: NULL is \N; backslash, tab and line breaks are escaped.
 * Written by hand rather than through a CSV writer: this runs for every cell of a million-row
 * file, and it is a quarter of the cost.
 */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `{${value.join(",")}}`; // capabilities: checked names, nothing to quote
  return String(value).replace(/[\\\t\n\r]/g, (char) => COPY_ESCAPES[char]!);
}
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** Replaces the staging table's rows with this batch, in one COPY. */
export async function stageBatch(client: pg.ClientBase, rows: StagedRow[]): Promise<void> {
  await client.query("TRUNCATE import_batch");
  if (rows.length === 0) return;
  const lines = rows.map((row) => BATCH_COLUMNS.map((column) => copyText(row[column])).join("\t"));
  const copy = client.query(copyFrom(`COPY import_batch (${BATCH_COLUMNS.join(", ")}) FROM STDIN`));
  await pipeline(Readable.from([`${lines.join("\n")}\n`]), copy);
}

export interface BatchOutcome {
  added: number;
  notAdded: {
    rowNo: number;
    number: string;
    code: Extract<ItemCode, "already_exists" | "duplicate_in_file">;
    firstRow: number;
  }[];
}

/**
 * Adds the staged rows in one statement: the first row of each number in the file (earlier
 * batches included) is inserted unless the number is already in inventory (ON CONFLICT DO
 * NOTHING), with its `add` history row; every other row is reported with why it was not added.
 * `onlyRow` narrows it to one staged row, to isolate a row the database refuses.
 */
export async function mergeBatch(
  client: pg.ClientBase,
  db: Db,
  options: { now: Date; actor: string; onlyRow?: number },
): Promise<BatchOutcome> {
  const { now, actor } = options;
  const onlyRow = options.onlyRow ?? null;
  const statement = sql<{ row_no: number | null; number: string; code: string; first_row: number }>`
    WITH batch AS MATERIALIZED (
      SELECT * FROM import_batch WHERE ${onlyRow}::integer IS NULL OR row_no = ${onlyRow}),
    first_seen AS (
      INSERT INTO import_seen (number, row_no)
      SELECT DISTINCT ON (number) number, row_no FROM batch ORDER BY number, row_no
      ON CONFLICT (number) DO NOTHING
      RETURNING number, row_no),
    added AS (
      INSERT INTO numbers (number, state, vendor, country, sku, capabilities, routing, golden, ported_in,
        visible_to_domain, partner_id, site_id, range_name, extension, main_number, locked_at,
        lock_expires_at, lock_remark, created_at, updated_at)
      SELECT b.number, b.state, b.vendor, b.country, b.sku, b.capabilities, b.routing, b.golden, b.ported_in,
        b.visible_to_domain, b.partner_id, b.site_id, b.range_name, b.extension, b.main_number, b.locked_at,
        b.lock_expires_at, b.lock_remark, ${now}, ${now}
      FROM batch b JOIN first_seen f ON f.row_no = b.row_no
      ORDER BY b.number -- in primary-key order: index pages fill up rather than split at random
      ON CONFLICT (number) DO NOTHING
      RETURNING number, state, owner_id, subscription_id, end_user_id, reservation_kind,
        reservation_expires_at, lock_expires_at, cooldown_until, deleted_reason, lock_remark, partner_id),
    history AS (
      INSERT INTO number_history (number, at, action, actor, remark, before, after, visible_to)
      SELECT added.number, ${now}, 'add', ${actor}, added.lock_remark, NULL, ${historySnapshotSql("added")},
        ${audienceSql(sql`ARRAY[added.owner_id]`, sql`ARRAY[added.partner_id]`)}
      FROM added)
    SELECT NULL::integer AS row_no, NULL AS number, 'added' AS code, count(*)::integer AS first_row FROM added
    UNION ALL
    SELECT b.row_no, b.number,
      CASE WHEN f.row_no IS NULL THEN 'duplicate_in_file' ELSE 'already_exists' END,
      coalesce(earlier.row_no, first_in_batch.row_no)
    FROM batch b
    LEFT JOIN first_seen f ON f.row_no = b.row_no
    LEFT JOIN import_seen earlier ON earlier.number = b.number -- before this statement: earlier batches
    LEFT JOIN first_seen first_in_batch ON first_in_batch.number = b.number
    WHERE f.row_no IS NULL OR NOT EXISTS (SELECT 1 FROM added a WHERE a.number = b.number)`;
  // Compiled by Kysely, run on the held connection: the session tables live only there.
  const compiled = statement.compile(db);
  const result = await client.query<{
    row_no: number | null;
    number: string;
    code: string;
    first_row: number;
  }>(compiled.sql, compiled.parameters as unknown[]);
  const rows = result.rows;
  return {
    added: rows.find((row) => row.code === "added")?.first_row ?? 0,
    notAdded: rows
      .filter((row) => row.code !== "added")
      .map((row) => ({
        rowNo: row.row_no!,
        number: row.number,
        code: row.code as BatchOutcome["notAdded"][number]["code"],
        firstRow: row.first_row,
      })),
  };
}

export const stagedRows = async (client: pg.ClientBase): Promise<{ rowNo: number; number: string }[]> =>
  (
    await client.query<{ rowNo: number; number: string }>(
      `SELECT row_no AS "rowNo", number FROM import_batch ORDER BY row_no`,
    )
  ).rows;
