/**
 * Sweep benchmark: 1,000,000 numbers, 100,000 of them due. Times the production expiry sweep
 * (`runSweeps`: batched set-based statements with history) against a single bulk UPDATE of the
 * same rows without history (the baseline), alternating in the same run, and reports the ratio of
 * medians. A small policy set is in force (BENCH_POLICIES) and some numbers are golden or
 * ported in, so every expiry to cooldown picks its own cooldown. Then the notice pass for 10,000 recipients: recording the notices, enqueueing one
 * e-mail per recipient, and delivering them (to the .eml outbox) with the production mail worker.
 *
 * `npm run bench -- sweep`, or on its own: `npx tsx bench/sweep.ts`.
 * Starts its own PostgreSQL (fsync on) and Redis in a temp folder and removes them afterwards.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "bullmq";
import { sql } from "kysely";
import pino from "pino";
import * as sendNotice from "../jobs/send-notice.js";
import { closeDependencies, createDependencies, migrate } from "../src/bootstrap.js";
import { parseConfig } from "../src/config.js";
import { recordReservationNotices } from "../src/db/notices.js";
import { replacePolicySet } from "../src/db/policies.js";
import type { Dependencies } from "../src/dependencies.js";
import type { NumberPolicy } from "../src/lifecycle/policies.js";
import { startLocalPostgres } from "../src/local/postgres.js";
import { startLocalRedis } from "../src/local/redis.js";
import { workerConnection } from "../src/queues.js";
import { enqueuePendingNotices } from "../src/services/notices.js";
import { runSweeps, SWEEP_BATCH_SIZE } from "../src/services/sweeps.js";

const TOTAL = 1_000_000;
const RECIPIENTS = 10_000;
const ROUNDS = 3;
const DAY_MS = 86_400_000;
/** The instant the expiry sweep acts as of; 100k reservations expired in the day before it. */
const AT = new Date("2027-01-01T00:00:00.000Z");
/** The notice pass acts as of here: 50k reservations (5 per recipient) expire in the 7 days after. */
const NOTICE_AT = new Date(AT.getTime() + 60 * DAY_MS);

const say = (message: string) => process.stderr.write(`[sweep bench] ${message}\n`);
const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(task: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await task();
  return { ms: performance.now() - started, result };
}

/**
 * A policy set of the size an operator keeps (a few countries and classes); the seeded numbers
 * are SG, some golden, some ported in, so the sweep's per-number cooldown pick finds matches.
 */
const BENCH_POLICIES: NumberPolicy[] = [
  { country: "SG", class: null, cooldownDays: 40 },
  { country: "SG", class: "sku:DID-SG", lockDays: 30 },
  { country: "US", class: null, cooldownDays: 45 },
  { country: "US", class: "ported_in", cooldownDays: 100 },
  { country: null, class: "ported_in", cooldownDays: 84, subscriptionExpiredDays: 84 },
  { country: "US", class: "golden", cooldownDays: 90 },
  { country: null, class: "golden", cooldownDays: 90, reservationDays: 56 },
  { country: "GB", class: null, cooldownDays: 30 },
];

/** Organisations and a million numbers: every tenth reserved and due, 50k in the notice window. */
async function seed(deps: Dependencies) {
  await deps.db
    .transaction()
    .execute((trx) => replacePolicySet(trx, BENCH_POLICIES, { at: AT, actor: "bench" }));
  const at = AT.toISOString();
  const noticeAt = NOTICE_AT.toISOString();
  await sql`
    INSERT INTO organizations (id, name, kind, billing_email, owner_email)
    SELECT md5('org' || k)::uuid, 'Org ' || k, 'customer', 'billing-' || k || '@bench.test', 'owner-' || k || '@bench.test'
    FROM generate_series(0, ${RECIPIENTS - 1}::int) AS k`.execute(deps.db);
  await sql`
    INSERT INTO numbers (number, state, owner_id, reservation_kind, reserved_at, reservation_expires_at,
      in_service_since_available, lock_expires_at, locked_at, cooldown_until, subscription_id,
      vendor, country, sku, golden, ported_in, updated_at)
    SELECT '+6580' || lpad(i::text, 7, '0'),
      CASE WHEN i % 10 IN (0, 1) THEN 'reserved' WHEN i % 10 = 6 THEN 'assigned'
        WHEN i % 10 = 7 THEN 'locked' WHEN i % 10 = 8 THEN 'cooldown' ELSE 'available' END,
      CASE WHEN i % 20 = 1 THEN md5('org' || ((i / 20) % ${RECIPIENTS}::int))::uuid
        WHEN i % 10 IN (0, 1, 6) THEN md5('org' || ((i / 10) % ${RECIPIENTS}::int))::uuid END,
      CASE WHEN i % 10 IN (0, 1) THEN 'manual' END,
      CASE WHEN i % 10 IN (0, 1) THEN ${at}::timestamptz - interval '28 days' END,
      CASE WHEN i % 10 = 0 THEN ${at}::timestamptz - (i % 1440) * interval '1 minute'
        WHEN i % 20 = 1 THEN ${noticeAt}::timestamptz + (1 + i % 10000) * interval '1 minute'
        WHEN i % 20 = 11 THEN ${at}::timestamptz + interval '200 days' END,
      (i % 50 = 0 OR i % 10 = 6),
      CASE WHEN i % 10 = 7 THEN ${at}::timestamptz + interval '300 days' END,
      CASE WHEN i % 10 = 7 THEN ${at}::timestamptz - interval '1 day' END,
      CASE WHEN i % 10 = 8 THEN ${at}::timestamptz + interval '100 days' END,
      CASE WHEN i % 10 = 6 THEN 'sub-' || i END,
      'acme', 'SG', 'DID-SG', i % 7 = 0, i % 11 = 0, ${at}::timestamptz - interval '30 days'
    FROM generate_series(1, ${TOTAL}::int) AS i`.execute(deps.db);
  await sql`
    CREATE TABLE bench_due AS SELECT * FROM numbers
    WHERE state = 'reserved' AND reservation_expires_at <= ${at}::timestamptz`.execute(deps.db);
  await settle(deps);
}

/** Puts the due rows back as they were and clears what a sweep wrote, so each round starts alike. */
async function restore(deps: Dependencies) {
  await sql`
    UPDATE numbers AS n SET state = b.state, owner_id = b.owner_id, reservation_kind = b.reservation_kind,
      reserved_at = b.reserved_at, reservation_expires_at = b.reservation_expires_at,
      in_service_since_available = b.in_service_since_available, cooldown_until = NULL,
      timer_started_at = b.timer_started_at, timer_policy_country = b.timer_policy_country,
      timer_policy_class = b.timer_policy_class, updated_at = b.updated_at, version = b.version
    FROM bench_due AS b WHERE n.number = b.number`.execute(deps.db);
  await sql`TRUNCATE number_history`.execute(deps.db);
  await settle(deps);
}

async function settle(deps: Dependencies) {
  await sql`VACUUM ANALYZE numbers`.execute(deps.db);
  await sql`VACUUM ANALYZE number_history`.execute(deps.db);
  await sql`CHECKPOINT`.execute(deps.db);
}

/** The baseline: the same rows to the same states in one statement, without history. */
async function bulkUpdate(deps: Dependencies): Promise<number> {
  const cooldownUntil = new Date(AT.getTime() + deps.config.cooldownDays * DAY_MS);
  const result = await sql`
    UPDATE numbers SET
      state = CASE WHEN in_service_since_available THEN 'cooldown' ELSE 'available' END,
      cooldown_until = CASE WHEN in_service_since_available THEN ${cooldownUntil}::timestamptz END,
      owner_id = NULL, subscription_id = NULL, end_user_id = NULL, reservation_kind = NULL,
      reserved_at = NULL, reservation_expires_at = NULL, in_service_since_available = false,
      updated_at = ${AT}, version = version + 1
    WHERE state = 'reserved' AND reservation_expires_at <= ${AT} AND pending_transition_id IS NULL`.execute(
    deps.db,
  );
  return Number(result.numAffectedRows);
}

async function expiryRounds(deps: Dependencies) {
  const baseline: number[] = [];
  const sweep: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first so neither always meets the warmer cache.
    const order = round % 2 === 0 ? ["baseline", "sweep"] : ["sweep", "baseline"];
    for (const which of order) {
      if (which === "baseline") {
        const { ms, result } = await timed(() => bulkUpdate(deps));
        if (result !== TOTAL / 10) throw new Error(`baseline updated ${result} rows`);
        baseline.push(ms);
      } else {
        const { ms, result } = await timed(() => runSweeps(deps, { at: AT }));
        if (result.reservationsExpired !== TOTAL / 10)
          throw new Error(`sweep expired ${result.reservationsExpired} reservations`);
        sweep.push(ms);
      }
      say(
        `round ${round + 1}: ${which} ${seconds(which === "baseline" ? baseline.at(-1)! : sweep.at(-1)!)} s`,
      );
      await restore(deps);
    }
  }
  return {
    due: TOTAL / 10,
    bulkUpdateSeconds: { median: seconds(median(baseline)), runs: baseline.map(seconds) },
    sweepSeconds: { median: seconds(median(sweep)), runs: sweep.map(seconds) },
    ratio: Number((median(sweep) / median(baseline)).toFixed(2)),
  };
}

/** Record, enqueue and deliver one e-mail per recipient, with the production mail worker. */
async function noticePass(deps: Dependencies, redisUrl: string) {
  const window = {
    at: NOTICE_AT,
    until: new Date(NOTICE_AT.getTime() + 7 * DAY_MS),
    runId: "00000000-0000-4000-8000-000000000001",
    recordedAt: NOTICE_AT,
    platformSupportEmail: deps.config.platformSupportEmail,
  };
  // In batches of SWEEP_BATCH_SIZE, as the sweep records them.
  const recorded = await timed(async () => {
    const rows: Awaited<ReturnType<typeof recordReservationNotices>> = [];
    for (;;) {
      const batch = await recordReservationNotices(deps.db, window, SWEEP_BATCH_SIZE);
      rows.push(...batch);
      if (batch.length < SWEEP_BATCH_SIZE) return rows;
    }
  });
  const emails = new Set(recorded.result.map((row) => row.batchId)).size;
  const enqueued = await timed(() => enqueuePendingNotices(deps));

  const connection = workerConnection(redisUrl, () => {}); // a benchmark: failures end it anyway
  const delivered = await timed(async () => {
    const worker = new Worker(sendNotice.queueName, (job) => sendNotice.handle(deps, job.data, job), {
      connection,
      prefix: deps.queuePrefix,
      concurrency: sendNotice.concurrency,
    });
    for (;;) {
      const { count } = await deps.db
        .selectFrom("notices")
        .select(({ fn }) => fn.countAll<number>().as("count"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      if (count === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await worker.close();
  });
  connection.disconnect();
  return {
    recipients: emails,
    notices: recorded.result.length,
    recordSeconds: seconds(recorded.ms),
    enqueueSeconds: seconds(enqueued.ms),
    deliverSeconds: seconds(delivered.ms),
    emailsPerSecond: Math.round(emails / (delivered.ms / 1000)),
    mailWorkerConcurrency: sendNotice.concurrency,
    transport: "outbox (.eml files)",
  };
}

export async function run() {
  const dataDir = await mkdtemp(join(tmpdir(), "numbers-bench-sweep-"));
  await chmod(dataDir, 0o755); // as root, Postgres runs as the postgres user and must enter it
  const postgres = await startLocalPostgres({ dataDir, database: "numbers_bench", log: say });
  const redis = await startLocalRedis({ dataDir, log: say });
  // Seeding a million rows takes statements far longer than the API's 30 s: no limit here.
  const config = {
    ...parseConfig({}),
    dataDir,
    logLevel: "silent" as const,
    queuePrefix: "bench",
    databaseStatementTimeoutMs: 3_600_000,
  };
  const deps = createDependencies(
    config,
    { databaseUrl: postgres.url, redisUrl: redis.url },
    pino({ level: "silent" }),
  );
  try {
    await migrate(deps);
    say(`seeding ${TOTAL} numbers`);
    const seeded = await timed(() => seed(deps));
    say(`seeded in ${seconds(seeded.ms)} s`);
    const expiry = await expiryRounds(deps);
    say(`expiry: sweep ${expiry.sweepSeconds.median} s vs bulk UPDATE ${expiry.bulkUpdateSeconds.median} s`);
    const notices = await noticePass(deps, redis.url);
    say(`notices: ${notices.recipients} e-mails in ${notices.deliverSeconds} s`);
    return { numbers: TOTAL, policies: BENCH_POLICIES.length, expiry, notices };
  } finally {
    await closeDependencies(deps);
    await redis.stop().catch(() => {});
    await postgres.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}
