import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, NumberRow, TransitionRow } from "./tables.js";

type Db = Kysely<Database> | Transaction<Database>;

export interface NewTransition {
  id: string;
  number: string;
  action: string;
  request: Record<string, unknown>;
  actor: string;
  requestedAt: Date;
}

export function toTransitionView(row: TransitionRow) {
  return {
    id: row.id,
    number: row.number,
    action: row.action,
    status: row.status as "pending" | "applied" | "rejected",
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    requestedAt: row.requested_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    before: (row.before ?? null) as Record<string, unknown> | null,
    after: (row.after ?? null) as Record<string, unknown> | null,
  };
}
export type TransitionView = ReturnType<typeof toTransitionView>;

/**
 * Records new transitions and marks their numbers pending, in one statement: a number is never
 * pending without its transition row, nor the other way round.
 */
export async function insertPendingTransitions(trx: Transaction<Database>, transitions: NewTransition[]) {
  if (transitions.length === 0) return;
  await trx
    .with("inserted", (db) =>
      db
        .insertInto("transitions")
        .values(
          transitions.map((t) => ({
            id: t.id,
            number: t.number,
            action: t.action,
            status: "pending",
            request: JSON.stringify(t.request),
            actor: t.actor,
            requested_at: t.requestedAt,
            // Wall-clock time of the database, not the business clock: staleness is operational.
            enqueued_at: sql<Date>`now()`,
          })),
        )
        .returning(["id", "number", "action", "requested_at"]),
    )
    .updateTable("numbers")
    .from("inserted")
    .set((eb) => ({
      pending_transition_id: eb.ref("inserted.id"),
      pending_action: eb.ref("inserted.action"),
      pending_since: eb.ref("inserted.requested_at"),
    }))
    .whereRef("numbers.number", "=", "inserted.number")
    .execute();
}

export async function findTransition(db: Db, id: string): Promise<TransitionRow | null> {
  return (await db.selectFrom("transitions").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
}

/**
 * The pending transition and its number, both locked, in one statement; null when a worker
 * already finished it (a redelivered job).
 */
export async function lockPendingWithNumber(
  trx: Transaction<Database>,
  id: string,
): Promise<{ transition: TransitionRow; number: NumberRow } | null> {
  const row = await trx
    .selectFrom("transitions as t")
    .innerJoin("numbers", "numbers.number", "t.number")
    .selectAll("numbers")
    .select([
      "t.id as t_id",
      "t.action as t_action",
      "t.status as t_status",
      "t.request as t_request",
      "t.actor as t_actor",
      "t.error_code as t_error_code",
      "t.error_message as t_error_message",
      "t.before as t_before",
      "t.after as t_after",
      "t.requested_at as t_requested_at",
      "t.enqueued_at as t_enqueued_at",
      "t.finished_at as t_finished_at",
    ])
    .where("t.id", "=", id)
    .where("t.status", "=", "pending")
    .forUpdate()
    .executeTakeFirst();
  if (!row) return null;
  const {
    t_id,
    t_action,
    t_status,
    t_request,
    t_actor,
    t_error_code,
    t_error_message,
    t_before,
    t_after,
    t_requested_at,
    t_enqueued_at,
    t_finished_at,
    ...number
  } = row;
  return {
    number,
    transition: {
      id: t_id,
      number: number.number,
      action: t_action,
      status: t_status,
      request: t_request,
      actor: t_actor,
      error_code: t_error_code,
      error_message: t_error_message,
      before: t_before,
      after: t_after,
      requested_at: t_requested_at,
      enqueued_at: t_enqueued_at,
      finished_at: t_finished_at,
    },
  };
}

export interface HistoryEntry {
  number: string;
  at: Date;
  action: string;
  actor: string;
  remark: string | null;
  transitionId: string | null;
  before: unknown;
  after: unknown;
}

const historyValues = (entry: HistoryEntry) => ({
  number: entry.number,
  at: entry.at,
  action: entry.action,
  actor: entry.actor,
  remark: entry.remark,
  transition_id: entry.transitionId,
  before: JSON.stringify(entry.before),
  after: JSON.stringify(entry.after),
});

/** A history entry for a change made outside a transition (an attribute edit). */
export async function insertHistoryEntry(trx: Transaction<Database>, entry: HistoryEntry) {
  await trx.insertInto("number_history").values(historyValues(entry)).execute();
}

/** Finishes a transition and, when it changed the number, writes its history entry in the same statement. */
export async function finishTransition(
  trx: Transaction<Database>,
  id: string,
  outcome: {
    status: "applied" | "rejected";
    before: unknown;
    after: unknown;
    errorCode?: string;
    errorMessage?: string;
    finishedAt: Date;
  },
  history: HistoryEntry | null = null,
): Promise<TransitionRow> {
  const finish = {
    status: outcome.status,
    before: JSON.stringify(outcome.before),
    after: JSON.stringify(outcome.after),
    error_code: outcome.errorCode ?? null,
    error_message: outcome.errorMessage ?? null,
    finished_at: outcome.finishedAt,
  };
  if (!history)
    return trx
      .updateTable("transitions")
      .set(finish)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  return trx
    .with("history", (db) => db.insertInto("number_history").values(historyValues(history)))
    .updateTable("transitions")
    .set(finish)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Pending transitions last handed to the queue more than `olderThanSeconds` ago (database clock):
 * the reconciler hands them over again (a wiped Redis or a lost job). Claims them by moving
 * `enqueued_at`, so two schedulers running at once do not both take the same rows.
 */
export async function claimStalePending(db: Kysely<Database>, olderThanSeconds: number, limit: number) {
  const rows = await db
    .updateTable("transitions")
    .set({ enqueued_at: sql<Date>`now()` })
    .where("id", "in", (eb) =>
      eb
        .selectFrom("transitions")
        .select("id")
        .where("status", "=", "pending")
        .where("enqueued_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .orderBy("enqueued_at")
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(["id"])
    .execute();
  return rows.map((row) => row.id);
}

export async function listHistory(db: Db, number: string) {
  const rows = await db
    .selectFrom("number_history")
    .selectAll()
    .where("number", "=", number)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({
    at: row.at.toISOString(),
    action: row.action,
    actor: row.actor,
    remark: row.remark,
    transitionId: row.transition_id,
    before: row.before as Record<string, unknown> | null,
    after: row.after as Record<string, unknown>,
  }));
}

export async function findIdempotencyKey(db: Db, apiKeyId: string, key: string, notBefore: Date) {
  return (
    (await db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("api_key_id", "=", apiKeyId)
      .where("key", "=", key)
      .where("created_at", ">=", notBefore)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Records the key with the transition it produced. A concurrent request with the same key hits
 * the primary key and fails with 23505; the caller then answers from the winner's row.
 */
export async function saveIdempotencyKey(
  trx: Transaction<Database>,
  entry: {
    apiKeyId: string;
    key: string;
    requestHash: string;
    transitionId: string;
    createdAt: Date;
    notBefore: Date;
  },
) {
  await trx
    .deleteFrom("idempotency_keys")
    .where("api_key_id", "=", entry.apiKeyId)
    .where("key", "=", entry.key)
    .where("created_at", "<", entry.notBefore)
    .execute();
  await trx
    .insertInto("idempotency_keys")
    .values({
      api_key_id: entry.apiKeyId,
      key: entry.key,
      request_hash: entry.requestHash,
      transition_id: entry.transitionId,
      created_at: entry.createdAt,
    })
    .execute();
}

export async function deleteExpiredIdempotencyKeys(db: Db, before: Date) {
  await db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
}
