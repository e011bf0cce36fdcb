import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type pg from "pg";
import { historySnapshotSql } from "./numbers.js";
import { cooldownPolicyPick } from "./policies.js";
import type { Database } from "./tables.js";

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Expiry sweeps: one statement per batch changes the due numbers, writes their history and (for
 * locks) records the "lock expired" notices, so a crash can never leave a change without its
 * history or its notice. The batch is claimed with `FOR UPDATE SKIP LOCKED` and joined back on
 * `ctid` (joining on `number` gets a plan that reads the whole table per batch, see
 * PERFORMANCE.md); numbers locked by a worker right now, or with a pending transition, are left
 * for the next run.
 */

/**
 * Every hold a number can carry, cleared as `returnToInventory` clears them (EMPTY_HOLD; the timer
 * columns, which the reservation sweep may set again, are left to each statement), and the last
 * holder's call settings and PIN, as release and deallocate clear them.
 */
const CLEAR_HOLD = sql.raw(`owner_id = NULL, subscription_id = NULL, end_user_id = NULL,
  reservation_kind = NULL, reserved_at = NULL, reservation_expires_at = NULL, locked_at = NULL,
  lock_expires_at = NULL, lock_remark = NULL, deleted_reason = NULL, in_service_since_available = false,
  settings = '{}', pin_hash = NULL`);

/** No timer runs any more, so no policy set one. */
const NO_TIMER = sql.raw("timer_started_at = NULL, timer_policy_country = NULL, timer_policy_class = NULL");

export interface ExpiryBatch {
  at: Date;
  limit: number;
}

/** Number and the state it went to. */
export interface ExpiredNumber {
  number: string;
  state: string;
}

export interface ReservationExpiryBatch extends ExpiryBatch {
  /** COOLDOWN_DAYS: the cooldown of a number no policy gives one. */
  defaultCooldownDays: number;
  /** Numbers of this country never cool down for fewer days than this. */
  legalMinimum: { country: string; days: number };
}

/**
 * Reserved numbers whose expiry has passed go back to inventory: to cooldown for the number's
 * own cooldown period when they were in service since last available and that period is not 0,
 * else to available — exactly what the pure `returnToInventory` decides with now = `at` and the
 * periods `resolvePeriods` gives the number (its cooldown picked by `cooldownPolicyPick`).
 */
export async function expireReservations(db: Db, batch: ReservationExpiryBatch): Promise<ExpiredNumber[]> {
  const { legalMinimum } = batch;
  const { rows } = await sql<ExpiredNumber>`
    WITH due AS (
      SELECT ctid AS row_id, ${historySnapshotSql("numbers")} AS before, in_service_since_available,
        country, sku, ported_in, golden
      FROM numbers
      WHERE state = 'reserved' AND reservation_expires_at <= ${batch.at}
        AND pending_transition_id IS NULL
      LIMIT ${batch.limit}
      FOR UPDATE SKIP LOCKED
    ), cooling AS (
      SELECT due.row_id, due.before, due.in_service_since_available AND period.days > 0 AS cools,
        period.days, policy.country AS policy_country, policy.number_class AS policy_class
      FROM due
      LEFT JOIN LATERAL (${cooldownPolicyPick("due")}) AS policy ON due.in_service_since_available
      CROSS JOIN LATERAL (
        SELECT CASE WHEN due.country = ${legalMinimum.country}::text
          THEN greatest(coalesce(policy.days, ${batch.defaultCooldownDays}::numeric), ${legalMinimum.days}::numeric)
          ELSE coalesce(policy.days, ${batch.defaultCooldownDays}::numeric) END AS days
      ) AS period
    ), changed AS (
      UPDATE numbers AS n
      SET state = CASE WHEN cooling.cools THEN 'cooldown' ELSE 'available' END,
        -- N days are N × 24 h: an interval of days would follow the session's daylight saving.
        cooldown_until = CASE WHEN cooling.cools
          THEN ${batch.at}::timestamptz + cooling.days * interval '24 hours' END,
        timer_started_at = CASE WHEN cooling.cools THEN ${batch.at}::timestamptz END,
        timer_policy_country = CASE WHEN cooling.cools THEN cooling.policy_country END,
        timer_policy_class = CASE WHEN cooling.cools THEN cooling.policy_class END,
        ${CLEAR_HOLD}, updated_at = ${batch.at}, version = n.version + 1
      FROM cooling
      WHERE n.ctid = cooling.row_id AND n.state = 'reserved' AND n.pending_transition_id IS NULL
      RETURNING n.number, n.state, cooling.before, ${historySnapshotSql("n")} AS after
    ), history AS (${historyInsert("reservation_expired", batch.at)})
    SELECT number, state FROM changed`.execute(db);
  return rows;
}

/** Cooldown numbers whose `cooldown_until` has passed become available. */
export async function endCooldowns(db: Db, batch: ExpiryBatch): Promise<ExpiredNumber[]> {
  const { rows } = await sql<ExpiredNumber>`
    WITH due AS (
      SELECT ctid AS row_id, ${historySnapshotSql("numbers")} AS before
      FROM numbers
      WHERE state = 'cooldown' AND cooldown_until <= ${batch.at} AND pending_transition_id IS NULL
      LIMIT ${batch.limit}
      FOR UPDATE SKIP LOCKED
    ), changed AS (
      UPDATE numbers AS n
      SET state = 'available', cooldown_until = NULL, ${CLEAR_HOLD}, ${NO_TIMER},
        updated_at = ${batch.at}, version = n.version + 1
      FROM due
      WHERE n.ctid = due.row_id AND n.state = 'cooldown' AND n.pending_transition_id IS NULL
      RETURNING n.number, n.state, due.before, ${historySnapshotSql("n")} AS after
    ), history AS (${historyInsert("cooldown_ended", batch.at)})
    SELECT number, state FROM changed`.execute(db);
  return rows;
}

export interface LockExpiryBatch extends ExpiryBatch {
  /** Notices recorded by this statement travel in the e-mail `batchIdFor(recipient)`. */
  runId: string;
  platformSupportEmail: string;
  recordedAt: Date;
}

export interface ExpiredLock extends ExpiredNumber {
  /** Mail batches that carry this number's "lock expired" notices (empty if already recorded). */
  batchIds: string[];
}

/**
 * Locks with an expiry that has passed: the number becomes available, and the "lock expired"
 * notices for the inventory partner's support desk and the platform's are recorded in the same
 * statement — after the lock fields are cleared nothing else remembers which expiry it was.
 */
export async function expireLocks(db: Db, batch: LockExpiryBatch): Promise<ExpiredLock[]> {
  const { rows } = await sql<ExpiredLock>`
    WITH due AS (
      SELECT ctid AS row_id, lock_expires_at, ${historySnapshotSql("numbers")} AS before
      FROM numbers
      WHERE state = 'locked' AND lock_expires_at <= ${batch.at} AND pending_transition_id IS NULL
      LIMIT ${batch.limit}
      FOR UPDATE SKIP LOCKED
    ), changed AS (
      UPDATE numbers AS n
      SET state = 'available', cooldown_until = NULL, ${CLEAR_HOLD}, ${NO_TIMER},
        updated_at = ${batch.at}, version = n.version + 1
      FROM due
      WHERE n.ctid = due.row_id AND n.state = 'locked' AND n.pending_transition_id IS NULL
      RETURNING n.number, n.state, n.partner_id, due.lock_expires_at, due.before,
        ${historySnapshotSql("n")} AS after
    ), history AS (${historyInsert("lock_expired", batch.at)}
    ), notified AS (
      INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at)
      SELECT gen_random_uuid(), changed.number, 'lock_expired', changed.lock_expires_at,
        support.audience, support.recipient, ${batchIdSql(batch.runId, sql`support.recipient`)},
        ${batch.recordedAt}::timestamptz
      FROM changed
      CROSS JOIN LATERAL (${supportDesks(sql`changed.partner_id`, batch.platformSupportEmail)}) AS support
      ON CONFLICT DO NOTHING
      RETURNING number, batch_id
    )
    SELECT changed.number, changed.state,
      coalesce(array_agg(DISTINCT notified.batch_id::text)
        FILTER (WHERE notified.batch_id IS NOT NULL), '{}') AS "batchIds"
    FROM changed LEFT JOIN notified ON notified.number = changed.number
    GROUP BY changed.number, changed.state`.execute(db);
  return rows;
}

function historyInsert(action: string, at: Date) {
  return sql`
    INSERT INTO number_history (number, at, action, actor, remark, transition_id, before, after)
    SELECT number, ${at}::timestamptz, ${action}::text, 'system', NULL, NULL, before, after FROM changed`;
}

/** The support desks told about a lock: the inventory partner's (if it has one) and the platform's. */
export function supportDesks(partnerId: RawBuilder<unknown>, platformSupportEmail: string) {
  return sql`
    SELECT 'partner_support' AS audience, organizations.support_email AS recipient
    FROM organizations
    WHERE organizations.id = ${partnerId} AND organizations.support_email IS NOT NULL
    UNION ALL
    SELECT 'platform_support', ${platformSupportEmail}::text`;
}

/**
 * One e-mail per recipient per sweep: its id is derived from the run and the address, so every
 * statement of a run puts a recipient's notices into the same e-mail without coordinating.
 */
export function batchIdSql(runId: string, recipient: RawBuilder<unknown>) {
  return sql`md5(${runId}::text || ':' || lower(${recipient}))::uuid`;
}

// Any constant pair works; it only has to differ from other advisory locks taken in this database.
const SWEEP_LOCK = [0x6e756d62, 0x73776570] as const;

/**
 * Runs `task` while this process holds the sweep lock (a session advisory lock on a connection
 * of its own, freed by Postgres if the process dies). `wait: false` gives up at once and returns
 * null when another sweep is running — what a scheduler tick wants; by-hand runs wait their turn.
 */
export async function withSweepLock<T>(
  pool: pg.Pool,
  options: { wait: boolean },
  task: () => Promise<T>,
): Promise<T | null> {
  const client = await pool.connect();
  let locked = false;
  try {
    if (options.wait) {
      await client.query("SELECT pg_advisory_lock($1, $2)", [...SWEEP_LOCK]);
      locked = true;
    } else {
      const { rows } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1, $2) AS locked",
        [...SWEEP_LOCK],
      );
      locked = rows[0]?.locked === true;
      if (!locked) return null;
    }
    return await task();
  } finally {
    // A failed unlock means the connection is gone, and with it the lock: drop the client.
    const unlocked = locked
      ? await client.query("SELECT pg_advisory_unlock($1, $2)", [...SWEEP_LOCK]).then(
          () => true,
          () => false,
        )
      : true;
    client.release(!unlocked);
  }
}
