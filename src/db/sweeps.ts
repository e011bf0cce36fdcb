import { setTimeout as sleep } from "node:timers/promises";
import { type RawBuilder, sql } from "kysely";
import type pg from "pg";
import { EXPIRIES, type Expiry } from "../lifecycle/expiries.js";
import { PERIOD_NAMES, type ResolvedPeriods } from "../lifecycle/policies.js";
import type { State } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import { changeSetSql, columnOf, historySnapshotSql } from "./number-columns.js";
import { cooldownPolicyPick } from "./policies.js";
import { audienceSql } from "./scope.js";

/**
 * Expiry sweeps: one statement per batch changes the due numbers, writes their history and (for
 * locks) records the "lock expired" notices, so a crash can never leave a change without its
 * history or its notice. The batch is claimed with `FOR UPDATE SKIP LOCKED` and joined back on
 * `ctid` (joining on `number` gets a plan that reads the whole table per batch, see
 * docs/benchmarks.md#sweeps); numbers locked by a worker right now, or with a pending transition,
 * are left for the next run. What each expiry does is the pure `EXPIRIES` rule, written as SQL by
 * `changeSetSql`.
 */

/** Who could see a swept number: its owner before and after, its inventory partner (unchanged). */
const changedAudience = audienceSql(
  sql`ARRAY[changed.owner_before, changed.owner_after]`,
  sql`ARRAY[changed.partner_id]`,
);

export interface ExpiryBatch {
  at: Date;
  limit: number;
}

/** Where a number's cooldown comes from when no policy sets one, and the floor the law puts under it. */
export interface CooldownDefaults {
  /** COOLDOWN_DAYS: the cooldown of a number no policy gives one. */
  defaultCooldownDays: number;
  /** Numbers of this country never cool down for fewer days than this. */
  legalMinimum: { country: string; days: number };
}

/** Number and the state it went to. */
export interface ExpiredNumber {
  number: string;
  state: State;
}

/**
 * Each row's own period stands in for this one when the statement runs: the pure change is taken
 * with it, and the columns a period decides are then computed per row (`COOLDOWN_PERIOD_COLUMNS`).
 */
const ANY_PERIODS = Object.freeze(
  Object.fromEntries(PERIOD_NAMES.map((name) => [name, { days: 1, policy: null }])) as ResolvedPeriods,
);

/**
 * The number's cooldown as `resolvePeriods` picks it (`cooldownPolicyPick`, the configured default,
 * the legal minimum), and whether it cools: in service since last available, for more than 0 days.
 */
function cooldownPeriodCte(defaults: CooldownDefaults) {
  const { legalMinimum, defaultCooldownDays } = defaults;
  return sql`period_of AS (
      SELECT due.*, due.in_service_since_available AND period.days > 0 AS cools, period.days,
        policy.country AS policy_country, policy.number_class AS policy_class
      FROM due
      LEFT JOIN LATERAL (${cooldownPolicyPick("due")}) AS policy ON due.in_service_since_available
      CROSS JOIN LATERAL (
        SELECT CASE WHEN due.country = ${legalMinimum.country}::text
          THEN greatest(coalesce(policy.days, ${defaultCooldownDays}::numeric), ${legalMinimum.days}::numeric)
          ELSE coalesce(policy.days, ${defaultCooldownDays}::numeric) END AS days
      ) AS period
    )`;
}

/** The columns a started cooldown's period decides, from each row's `period_of` (as `due`). */
const COOLDOWN_PERIOD_COLUMNS = (at: Date) => ({
  // N days are N × 24 h: an interval of days would follow the session's daylight saving.
  cooldown_until: sql`${at}::timestamptz + due.days * interval '24 hours'`,
  timer_policy_country: sql`due.policy_country`,
  timer_policy_class: sql`due.policy_class`,
});

/**
 * The CTEs `due` (the claimed batch), `changed` (the numbers as changed, with the expiry that was
 * due as `expires_at`) and `history`, for one expiry; the caller adds what follows `changed`. An
 * expiry whose change depends on the number's own period (reservation expiry: its cooldown) adds
 * `period_of`, and the change's CASE follows whether the number cools.
 */
function expiryCtes(expiry: Expiry, batch: ExpiryBatch, defaults?: CooldownDefaults) {
  const due = sql.ref(columnOf(expiry.due));
  // Literals, not parameters: each expiry's partial index (0001) matches `state = 'reserved'` etc.
  const state = sql.lit(expiry.state);
  const context = { now: batch.at, periods: ANY_PERIODS };
  const withPeriod = expiry.period !== null;
  if (withPeriod && (expiry.period !== "cooldownDays" || !defaults))
    throw new Error(`The sweeps know each number's cooldown period only, not ${expiry.period}.`);
  const set = changeSetSql("n", {
    when: withPeriod ? sql<boolean>`due.cools` : sql<boolean>`n.in_service_since_available`,
    whenTrue: expiry.change({ inServiceSinceAvailable: true }, context),
    whenFalse: expiry.change({ inServiceSinceAvailable: false }, context),
    perRowWhenTrue: withPeriod ? COOLDOWN_PERIOD_COLUMNS(batch.at) : {},
  });
  return sql`
    WITH due AS (
      SELECT ctid AS row_id, ${due} AS expires_at, ${historySnapshotSql("numbers")} AS before,
        owner_id AS owner_before, in_service_since_available, country, sku, ported_in, golden
      FROM numbers
      WHERE state = ${state} AND ${due} <= ${batch.at} AND pending_transition_id IS NULL
      LIMIT ${batch.limit}
      FOR UPDATE SKIP LOCKED
    ), ${withPeriod ? sql`${cooldownPeriodCte(defaults!)},` : sql``} changed AS (
      UPDATE numbers AS n
      SET ${set}, updated_at = ${batch.at}, version = n.version + 1
      FROM ${withPeriod ? sql`period_of AS due` : sql`due`}
      WHERE n.ctid = due.row_id AND n.state = ${state} AND n.pending_transition_id IS NULL
      RETURNING n.number, n.state, n.partner_id, due.expires_at, due.before, ${historySnapshotSql("n")} AS after,
        due.owner_before, n.owner_id AS owner_after
    ), history AS (
      INSERT INTO number_history (number, at, action, actor, remark, transition_id, before, after, visible_to)
      SELECT number, ${batch.at}::timestamptz, ${sql.lit(expiry.action)}, 'system', NULL, NULL, before, after,
        ${changedAudience}
      FROM changed
    )`;
}

/**
 * Reserved numbers whose expiry has passed go back to inventory: available, or cooldown for the
 * number's own cooldown period (`backToInventory` with the period `resolvePeriods` gives it).
 */
export async function expireReservations(
  db: Db,
  batch: ExpiryBatch & CooldownDefaults,
): Promise<ExpiredNumber[]> {
  const { rows } = await sql<ExpiredNumber>`${expiryCtes(EXPIRIES.reservation, batch, batch)}
    SELECT number, state FROM changed`.execute(db);
  return rows;
}

/** Cooldown numbers whose `cooldown_until` has passed become available. */
export async function endCooldowns(db: Db, batch: ExpiryBatch): Promise<ExpiredNumber[]> {
  const { rows } = await sql<ExpiredNumber>`${expiryCtes(EXPIRIES.cooldown, batch)}
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
  const { rows } = await sql<ExpiredLock>`${expiryCtes(EXPIRIES.lock, batch)}, notified AS (
      INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at, visible_to)
      SELECT gen_random_uuid(), changed.number, 'lock_expired', changed.expires_at,
        support.audience, support.recipient, ${batchIdSql(batch.runId, sql`support.recipient`)},
        ${batch.recordedAt}::timestamptz, ${changedAudience}
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

/** How often a by-hand sweep asks again for the lock while another sweep runs. */
const LOCK_RETRY_MS = 250;

/**
 * Runs `task` while this process holds the sweep lock (a session advisory lock on a connection
 * of its own, freed by Postgres if the process dies). `wait: false` gives up at once and returns
 * null when another sweep is running — what a scheduler tick wants; by-hand runs wait their turn,
 * asking again every quarter second rather than blocking in one statement, which
 * statement_timeout would cut short while a long sweep runs.
 */
export async function withSweepLock<T>(
  pool: pg.Pool,
  options: { wait: boolean },
  task: () => Promise<T>,
): Promise<T | null> {
  const client = await pool.connect();
  let locked = false;
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1, $2) AS locked",
        [...SWEEP_LOCK],
      );
      locked = rows[0]?.locked === true;
      if (locked) break;
      if (!options.wait) return null;
      await sleep(LOCK_RETRY_MS);
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
