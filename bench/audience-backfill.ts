/**
 * Migration 0010's back-fill of who may read each history entry, transition and notice, on a
 * database the size of a busy installation: 1,000,000 numbers, 2,000,000 history entries,
 * 500,000 transitions, 50,000 notices, 10,000 organisations under 100 partners. The baseline,
 * timed first in the same run, is the floor of any back-fill: one plain `UPDATE` setting a
 * constant on every history entry and transition. Reports both and the ratio.
 *
 * `npm run bench -- audience-backfill`. Starts its own PostgreSQL (fsync on) in a temp folder.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrateTo, migrateToJustBefore } from "../src/db/migrate.js";
import { startLocalPostgres } from "../src/local/postgres.js";

const NUMBERS = 1_000_000;
const CUSTOMERS = 10_000;
const PARTNERS = 100;
const AUDIENCES = "0010-audiences-and-failure-limits";
const say = (message: string) => process.stderr.write(`[audience-backfill bench] ${message}\n`);
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

/** Numbers in partners' and the platform's inventories, half of them having changed hands once. */
async function seed(db: Kysely<unknown>) {
  await sql`
    INSERT INTO organizations (id, name, kind, billing_email, owner_email, partner_id)
    SELECT md5('partner' || k)::uuid, 'Partner ' || k, 'partner', 'p@bench.test', 'p@bench.test', NULL
    FROM generate_series(0, ${PARTNERS - 1}::int) AS k`.execute(db);
  await sql`
    INSERT INTO organizations (id, name, kind, billing_email, owner_email, partner_id)
    SELECT md5('org' || k)::uuid, 'Org ' || k, 'customer', 'c@bench.test', 'c@bench.test',
      CASE WHEN k % 2 = 0 THEN md5('partner' || (k % ${PARTNERS}::int))::uuid END
    FROM generate_series(0, ${CUSTOMERS - 1}::int) AS k`.execute(db);
  await sql`
    INSERT INTO numbers (number, state, owner_id, vendor, country, sku, partner_id, reservation_expires_at)
    SELECT '+6580' || lpad(i::text, 7, '0'), CASE WHEN i % 2 = 0 THEN 'reserved' ELSE 'available' END,
      CASE WHEN i % 2 = 0 THEN md5('org' || (i % ${CUSTOMERS}::int))::uuid END, 'acme', 'SG', 'DID-SG',
      CASE WHEN i % 3 = 0 THEN md5('partner' || (i % ${PARTNERS}::int))::uuid END,
      CASE WHEN i % 2 = 0 THEN timestamptz '2027-01-01' + (i % 1000) * interval '1 minute' END
    FROM generate_series(1, ${NUMBERS}::int) AS i`.execute(db);
  say("numbers seeded");
  // Every number's `add`, and for every other one a reservation.
  await sql`
    INSERT INTO number_history (number, at, action, actor, before, after)
    SELECT number, now(), 'add', 'bench', NULL, '{"state": "available", "ownerId": null}'::jsonb FROM numbers`.execute(
    db,
  );
  await sql`
    INSERT INTO number_history (number, at, action, actor, before, after)
    SELECT number, now(), 'reserve', 'bench', '{"state": "available", "ownerId": null}'::jsonb,
      jsonb_build_object('state', 'reserved', 'ownerId', owner_id,
        'reservationExpiresAt', to_char(reservation_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM numbers WHERE owner_id IS NOT NULL`.execute(db);
  await sql`
    INSERT INTO number_history (number, at, action, actor, before, after)
    SELECT number, now(), 'release', 'bench', jsonb_build_object('state', 'reserved', 'ownerId', owner_id),
      '{"state": "available", "ownerId": null}'::jsonb
    FROM numbers WHERE owner_id IS NOT NULL`.execute(db);
  say("history seeded");
  await sql`
    INSERT INTO transitions (id, number, action, status, request, actor, before, after, requested_at, enqueued_at)
    SELECT md5(number)::uuid, number, 'reserve', 'applied', '{}', 'bench', '{"state": "available", "ownerId": null}'::jsonb,
      jsonb_build_object('state', 'reserved', 'ownerId', owner_id), now(), now()
    FROM numbers WHERE owner_id IS NOT NULL`.execute(db);
  await sql`
    INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at)
    SELECT md5('n' || number)::uuid, number, 'reservation_expiring', reservation_expires_at, 'owner',
      'c@bench.test', md5('b' || number)::uuid, now()
    FROM numbers WHERE owner_id IS NOT NULL AND number < '+65800100000'`.execute(db);
  await sql`VACUUM ANALYZE`.execute(db);
  const { rows } = await sql<{ history: number; transitions: number; notices: number }>`
    SELECT (SELECT count(*)::int FROM number_history) AS history, (SELECT count(*)::int FROM transitions) AS transitions,
      (SELECT count(*)::int FROM notices) AS notices`.execute(db);
  return rows[0]!;
}

export async function run() {
  const dataDir = await mkdtemp(join(tmpdir(), "numbers-bench-backfill-"));
  await chmod(dataDir, 0o755);
  const postgres = await startLocalPostgres({
    dataDir,
    database: "numbers_bench",
    ephemeral: false,
    log: say,
  });
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgres.url, max: 2 }) }),
  });
  try {
    await migrateToJustBefore(db, AUDIENCES);
    const rows = await seed(db);
    say(`seeded ${JSON.stringify(rows)}`);

    // The floor: rewrite every history entry and transition once, in one transaction, then undo.
    const baselineStarted = performance.now();
    await db.transaction().execute(async (trx) => {
      await sql`UPDATE number_history SET remark = 'bench'`.execute(trx);
      await sql`UPDATE transitions SET actor = 'bench2'`.execute(trx);
    });
    const baselineMs = performance.now() - baselineStarted;
    await sql`VACUUM ANALYZE number_history, transitions`.execute(db);
    say(`baseline ${seconds(baselineMs)} s`);

    const started = performance.now();
    const applied = await migrateTo(db, AUDIENCES);
    const migrationMs = performance.now() - started;
    if (applied[0] !== AUDIENCES) throw new Error(`expected ${AUDIENCES} first, applied ${applied.join()}`);
    say(`migration ${seconds(migrationMs)} s`);
    const { rows: check } = await sql<{ empty: number }>`
      SELECT count(*)::int AS empty FROM number_history WHERE visible_to = '{}' AND action <> 'add'`.execute(
      db,
    );
    return {
      rows,
      baselineSeconds: seconds(baselineMs),
      migrationSeconds: seconds(migrationMs),
      ratio: Number((migrationMs / baselineMs).toFixed(2)),
      historyRowsLeftWithoutAudience: check[0]!.empty,
    };
  } finally {
    await db.destroy();
    await postgres.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}
