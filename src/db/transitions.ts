import { type Kysely, sql, type Transaction } from "kysely";
import { audienceOf, audienceSql, type NumberFacts, type Scope, visibleIn } from "./scope.js";
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
 * pending without its transition row, nor the other way round. Each row records who could see
 * the number when it was asked for (the number is unchanged until the transition finishes).
 * One array per column, so any number of transitions takes the same few parameters.
 */
export async function insertPendingTransitions(trx: Transaction<Database>, transitions: NewTransition[]) {
  if (transitions.length === 0) return;
  const column = <K extends keyof NewTransition>(key: K) => transitions.map((t) => t[key]);
  await sql`
    WITH input AS (
      SELECT * FROM unnest(${column("id")}::uuid[], ${column("number")}::text[], ${column("action")}::text[],
        ${transitions.map((t) => JSON.stringify(t.request))}::jsonb[], ${column("actor")}::text[],
        ${column("requestedAt")}::timestamptz[])
        AS t(id, number, action, request, actor, requested_at)
    ), inserted AS (
      INSERT INTO transitions (id, number, action, status, request, actor, requested_at, enqueued_at, visible_to)
      -- enqueued_at: wall-clock time of the database, not the business clock: staleness is operational.
      SELECT input.id, input.number, input.action, 'pending', input.request, input.actor, input.requested_at,
        now(), ${audienceSql(sql`ARRAY[numbers.owner_id]`, sql`ARRAY[numbers.partner_id]`)}
      FROM input JOIN numbers ON numbers.number = input.number
      RETURNING id, number, action, requested_at
    )
    UPDATE numbers SET pending_transition_id = inserted.id, pending_action = inserted.action,
      pending_since = inserted.requested_at
    FROM inserted WHERE numbers.number = inserted.number`.execute(trx);
}

export async function findTransition(db: Db, id: string): Promise<TransitionRow | null> {
  return (await db.selectFrom("transitions").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
}

/**
 * A transition as `scope` may read it: recorded while its number was in that scope, or asked for
 * by `actor` (a key always sees what it asked for); null otherwise.
 */
export async function findVisibleTransition(
  db: Db,
  id: string,
  scope: Scope,
  actor: string,
): Promise<TransitionRow | null> {
  return (
    (await db
      .selectFrom("transitions")
      .selectAll()
      .where("id", "=", id)
      .where((eb) => eb.or([visibleIn(scope, "transitions.visible_to"), eb("actor", "=", actor)]))
      .executeTakeFirst()) ?? null
  );
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
      "t.visible_to as t_visible_to",
      "t.failed_attempts as t_failed_attempts",
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
    t_visible_to,
    t_failed_attempts,
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
      visible_to: t_visible_to,
      failed_attempts: t_failed_attempts,
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

const historyValues = (entry: HistoryEntry, facts: NumberFacts) => ({
  number: entry.number,
  at: entry.at,
  action: entry.action,
  actor: entry.actor,
  remark: entry.remark,
  transition_id: entry.transitionId,
  before: JSON.stringify(entry.before),
  after: JSON.stringify(entry.after),
  visible_to: audienceOf(facts),
});

/**
 * Finishes a transition and, when it changed the number, writes its history entry in the same
 * statement. `facts` are the number before and after: whoever could see it then may read both.
 */
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
  facts: NumberFacts,
  history: HistoryEntry | null = null,
): Promise<TransitionRow> {
  const finish = {
    status: outcome.status,
    before: JSON.stringify(outcome.before),
    after: JSON.stringify(outcome.after),
    error_code: outcome.errorCode ?? null,
    error_message: outcome.errorMessage ?? null,
    finished_at: outcome.finishedAt,
    // Those who could see the number when it was asked for, and those who can see it after.
    visible_to: sql<
      string[]
    >`ARRAY(SELECT unnest(transitions.visible_to) UNION SELECT unnest(${audienceOf(facts)}))`,
  };
  if (!history)
    return trx
      .updateTable("transitions")
      .set(finish)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  return trx
    .with("history", (db) => db.insertInto("number_history").values(historyValues(history, facts)))
    .updateTable("transitions")
    .set(finish)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Counts one failed try at applying a still-pending transition, in its own statement (the try's
 * transaction rolled back). Returns the count, or null when the transition is no longer pending.
 */
export async function countFailedAttempt(db: Db, id: string): Promise<number | null> {
  const row = await db
    .updateTable("transitions")
    .set((eb) => ({ failed_attempts: eb("failed_attempts", "+", 1) }))
    .where("id", "=", id)
    .where("status", "=", "pending")
    .returning("failed_attempts")
    .executeTakeFirst();
  return row?.failed_attempts ?? null;
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

/** The number's history that `scope` may read (recorded while the number was in it), oldest first. */
export async function listHistory(db: Db, number: string, scope: Scope) {
  const rows = await db
    .selectFrom("number_history")
    .selectAll()
    .where("number", "=", number)
    .where(visibleIn(scope, "number_history.visible_to"))
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
