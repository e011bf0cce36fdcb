import { sql } from "kysely";
import type { NoticeKind, NoticeStatus } from "../lifecycle/states.js";
import type { Db, Trx } from "./database.js";
import { audienceSql, type Scope, visibleIn } from "./scope.js";
import { batchIdSql, supportDesks } from "./sweeps.js";
import type { NoticeRow } from "./tables.js";

export interface NoticeWindow {
  /** The sweep's instant: expiries at or before it are applied, never noticed late. */
  at: Date;
  /** at + the notice period: expiries up to here are noticed now. */
  until: Date;
  runId: string;
  recordedAt: Date;
  platformSupportEmail: string;
}

/** Who could see the number when its notice was recorded: notices are read with this (visibleIn). */
const numberAudience = audienceSql(sql`ARRAY[numbers.owner_id]`, sql`ARRAY[numbers.partner_id]`);

/** A notice this call recorded: the number and the e-mail it travels in. */
export interface RecordedNotice {
  number: string;
  batchId: string;
}

/**
 * Records a notice for up to `limit` reservations expiring in (at, until] that have none for
 * their expiry: to the owner's billing e-mail (a customer) or owner e-mail (a partner). Only the
 * rows this statement inserted come back, so of two sweeps racing, exactly one sends each notice;
 * the caller repeats it until a batch comes back short, so no statement grows with the backlog.
 * A number with a pending transition is left for the next run (it may be extended or released).
 */
export async function recordReservationNotices(
  db: Db,
  window: NoticeWindow,
  limit: number,
): Promise<RecordedNotice[]> {
  const { rows } = await sql<RecordedNotice>`
    WITH due AS (
      SELECT numbers.number, numbers.reservation_expires_at AS expires_at,
        CASE WHEN organizations.kind = 'partner' THEN organizations.owner_email
          ELSE organizations.billing_email END AS recipient, ${numberAudience} AS visible_to
      FROM numbers JOIN organizations ON organizations.id = numbers.owner_id
      WHERE numbers.state = 'reserved' AND numbers.pending_transition_id IS NULL
        AND numbers.reservation_expires_at > ${window.at}
        AND numbers.reservation_expires_at <= ${window.until}
        AND NOT EXISTS (
          SELECT 1 FROM notices
          WHERE notices.number = numbers.number AND notices.kind = 'reservation_expiring'
            AND notices.expires_at = numbers.reservation_expires_at AND notices.audience = 'owner')
      LIMIT ${limit}
    )
    INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at, visible_to)
    SELECT gen_random_uuid(), due.number, 'reservation_expiring', due.expires_at, 'owner',
      due.recipient, ${batchIdSql(window.runId, sql`due.recipient`)}, ${window.recordedAt}::timestamptz,
      due.visible_to
    FROM due
    ON CONFLICT DO NOTHING
    RETURNING number, batch_id AS "batchId"`.execute(db);
  return rows;
}

/** As `recordReservationNotices`, for locks expiring in (at, until], to both support desks. */
export async function recordLockNotices(
  db: Db,
  window: NoticeWindow,
  limit: number,
): Promise<RecordedNotice[]> {
  const { rows } = await sql<RecordedNotice>`
    WITH due AS (
      SELECT numbers.number, numbers.lock_expires_at AS expires_at, support.audience, support.recipient,
        ${numberAudience} AS visible_to
      FROM numbers
      CROSS JOIN LATERAL (${supportDesks(sql`numbers.partner_id`, window.platformSupportEmail)}) AS support
      WHERE numbers.state = 'locked' AND numbers.pending_transition_id IS NULL
        AND numbers.lock_expires_at > ${window.at}
        AND numbers.lock_expires_at <= ${window.until}
        AND NOT EXISTS (
          SELECT 1 FROM notices
          WHERE notices.number = numbers.number AND notices.kind = 'lock_expiring'
            AND notices.expires_at = numbers.lock_expires_at AND notices.audience = support.audience)
      LIMIT ${limit}
    )
    INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at, visible_to)
    SELECT gen_random_uuid(), due.number, 'lock_expiring', due.expires_at, due.audience,
      due.recipient, ${batchIdSql(window.runId, sql`due.recipient`)}, ${window.recordedAt}::timestamptz,
      due.visible_to
    FROM due
    ON CONFLICT DO NOTHING
    RETURNING number, batch_id AS "batchId"`.execute(db);
  return rows;
}

/** A notice as one e-mail of a sweep carries it. */
export interface BatchedNotice {
  recipient: string;
  kind: NoticeKind;
  number: string;
  expiresAt: Date;
}

/**
 * The notices of the given e-mails (a sweep's own: their ids come from its run), by recipient,
 * kind and number. In a dry run this reads the rows the rolled-back transaction recorded.
 */
export async function noticesInBatches(db: Db, batchIds: string[]): Promise<BatchedNotice[]> {
  if (batchIds.length === 0) return [];
  const rows = await db
    .selectFrom("notices")
    .select(["recipient", "kind", "number", "expires_at"])
    .where("batch_id", "=", sql<string>`ANY(${batchIds}::uuid[])`)
    .orderBy("recipient")
    .orderBy("kind")
    .orderBy("number")
    .execute();
  return rows.map((row) => ({
    recipient: row.recipient,
    kind: row.kind as NoticeKind,
    number: row.number,
    expiresAt: row.expires_at,
  }));
}

/** E-mails with notices still unsent: each needs a mail job (a lost one is rebuilt from here). */
export async function pendingBatchIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom("notices")
    .select("batch_id")
    .distinct()
    .where("status", "=", "pending")
    .execute();
  return rows.map((row) => row.batch_id);
}

/**
 * The next `limit` unsent notices of one recipient's batch, in a fixed order (so the notices of
 * each e-mail of a split batch are the same however often it is retried), locked until the
 * caller's transaction ends: a second sender of the same batch waits here and then finds them sent.
 */
export async function lockPendingBatch(trx: Trx, batchId: string, limit: number): Promise<NoticeRow[]> {
  return trx
    .selectFrom("notices")
    .selectAll()
    .where("batch_id", "=", batchId)
    .where("status", "=", "pending")
    .orderBy("kind")
    .orderBy("expires_at")
    .orderBy("number")
    .orderBy("audience")
    .limit(limit)
    .forUpdate()
    .execute();
}

/** How many notices a batch has, and how many of them went out already. */
export async function countBatch(db: Db, batchId: string): Promise<{ total: number; sent: number }> {
  const row = await db
    .selectFrom("notices")
    .select((eb) => [
      eb.fn.countAll<number>().as("total"),
      eb.fn.count<number>("id").filterWhere("status", "=", "sent").as("sent"),
    ])
    .where("batch_id", "=", batchId)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), sent: Number(row.sent) };
}

/** Returns the notices as now stored (their webhook events carry them). */
export async function markSent(trx: Trx, ids: string[], sentAt: Date): Promise<NoticeRow[]> {
  if (ids.length === 0) return [];
  return trx
    .updateTable("notices")
    .set({ status: "sent", sent_at: sentAt, attempts: sql`attempts + 1`, last_error: null })
    .where("id", "=", sql<string>`ANY(${ids}::uuid[])`)
    .returningAll()
    .execute();
}

/**
 * Counts a failed attempt; the last one leaves the notices `failed` for people to see. Returns
 * the notices it touched, as now stored.
 */
export async function recordSendFailure(
  db: Db,
  batchId: string,
  failure: { error: string; final: boolean },
): Promise<NoticeRow[]> {
  return db
    .updateTable("notices")
    .set({
      attempts: sql`attempts + 1`,
      last_error: failure.error.slice(0, 2000),
      ...(failure.final ? { status: "failed" } : {}),
    })
    .where("batch_id", "=", batchId)
    .where("status", "=", "pending")
    .returningAll()
    .execute();
}

export interface NoticeFilter {
  number?: string;
  kind?: NoticeKind;
  status?: NoticeStatus;
  limit: number;
}

/** The notices a key may read: recorded while their number was in its scope; oldest first. */
export async function listNotices(db: Db, scope: Scope, filter: NoticeFilter): Promise<NoticeRow[]> {
  let query = db.selectFrom("notices").selectAll("notices").where(visibleIn(scope, "notices.visible_to"));
  if (filter.number) query = query.where("notices.number", "=", filter.number);
  if (filter.kind) query = query.where("notices.kind", "=", filter.kind);
  if (filter.status) query = query.where("notices.status", "=", filter.status);
  return query
    .orderBy("notices.created_at")
    .orderBy("notices.number")
    .orderBy("notices.kind")
    .orderBy("notices.audience")
    .limit(filter.limit)
    .execute();
}
