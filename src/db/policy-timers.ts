import { sql } from "kysely";
import type { ReservationKind, State } from "../lifecycle/states.js";
import type { TimerField } from "../lifecycle/timers.js";
import type { Db } from "./database.js";
import { historySnapshotSql } from "./number-columns.js";
import { audienceSql } from "./scope.js";

/** A number whose running timer was computed from a period, with what its policies look at. */
export interface TimerRow {
  number: string;
  state: State;
  reservation_kind: ReservationKind | null;
  timer_started_at: Date;
  reservation_expires_at: Date | null;
  lock_expires_at: Date | null;
  cooldown_until: Date | null;
  country: string;
  sku: string;
  ported_in: boolean;
  golden: boolean;
  version: number;
  pending_transition_id: string | null;
}

/**
 * The numbers with a period timer among the next `limit` numbers after `after`, by primary key:
 * two bounded statements per page (the page's last number, then the timers up to it), so a walk
 * over a million numbers never reads more than one page at a time. `next` is null on the last page.
 */
export async function readTimerPage(
  db: Db,
  after: string,
  limit: number,
): Promise<{ timers: TimerRow[]; next: string | null }> {
  const boundary = await db
    .selectFrom("numbers")
    .select("number")
    .where("number", ">", after)
    .orderBy("number")
    .offset(limit - 1)
    .limit(1)
    .executeTakeFirst();
  let query = db
    .selectFrom("numbers")
    .select([
      "number",
      "state",
      "reservation_kind",
      "reservation_expires_at",
      "lock_expires_at",
      "cooldown_until",
      "country",
      "sku",
      "ported_in",
      "golden",
      "version",
      "pending_transition_id",
    ])
    .select(sql<Date>`timer_started_at`.as("timer_started_at"))
    .where("number", ">", after)
    .where("timer_started_at", "is not", null)
    .where("state", "in", ["reserved", "locked", "cooldown"]);
  if (boundary) query = query.where("number", "<=", boundary.number);
  const timers = await query.orderBy("number").execute();
  return { timers, next: boundary?.number ?? null };
}

export interface TimerUpdate {
  number: string;
  /** The version the change was computed from: a number changed since is left alone. */
  version: number;
  field: TimerField;
  expiresAt: Date;
  policyCountry: string | null;
  policyClass: string | null;
  remark: string;
}

/**
 * Writes recomputed expiries and their history entries (actor `system`) in one statement, for
 * the numbers still at the version they were read at and not pending. Rows are locked in number
 * order, as the worker locks them, so the two cannot deadlock. Returns the numbers changed.
 */
export async function writeTimerUpdates(db: Db, updates: TimerUpdate[], at: Date): Promise<Set<string>> {
  if (updates.length === 0) return new Set();
  const column = <K extends keyof TimerUpdate>(key: K) => updates.map((update) => update[key]);
  const setExpiry = (field: TimerField, name: string) =>
    sql`${sql.ref(name)} = CASE WHEN due.field = ${field} THEN due.expires_at ELSE n.${sql.ref(name)} END`;
  const { rows } = await sql<{ number: string }>`
    WITH input AS (
      SELECT * FROM unnest(${column("number")}::text[], ${column("version")}::int[], ${column("field")}::text[],
        ${column("expiresAt")}::timestamptz[], ${column("policyCountry")}::text[], ${column("policyClass")}::text[],
        ${column("remark")}::text[])
        AS t(number, version, field, expires_at, policy_country, policy_class, remark)
    ), due AS (
      SELECT input.*, ${historySnapshotSql("n")} AS before, n.owner_id, n.partner_id
      FROM input JOIN numbers AS n ON n.number = input.number
      WHERE n.version = input.version AND n.pending_transition_id IS NULL
      ORDER BY n.number
      FOR UPDATE OF n
    ), changed AS (
      UPDATE numbers AS n
      SET ${setExpiry("reservation.expiresAt", "reservation_expires_at")},
        ${setExpiry("lock.expiresAt", "lock_expires_at")},
        ${setExpiry("cooldownUntil", "cooldown_until")},
        timer_policy_country = due.policy_country, timer_policy_class = due.policy_class,
        updated_at = ${at}, version = n.version + 1
      FROM due
      WHERE n.number = due.number
      RETURNING n.number, due.remark, due.before, ${historySnapshotSql("n")} AS after, due.owner_id, due.partner_id
    ), history AS (
      INSERT INTO number_history (number, at, action, actor, remark, transition_id, before, after, visible_to)
      SELECT number, ${at}::timestamptz, 'policy_applied', 'system', remark, NULL, before, after,
        ${audienceSql(sql`ARRAY[changed.owner_id]`, sql`ARRAY[changed.partner_id]`)}
      FROM changed
    )
    SELECT number FROM changed`.execute(db);
  return new Set(rows.map((row) => row.number));
}
