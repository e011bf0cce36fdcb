import { sql } from "kysely";
import type { OrganizationFacts, TransitionRequest } from "../lifecycle/number-state.js";
import type { TransitionOutcome } from "../lifecycle/states.js";
import type { Db, Trx } from "./database.js";
import { type HistoryEntry, historyValues } from "./history.js";
import { DECISION_FACTS, requestedOwnerOf } from "./numbers.js";
import { runPrepared } from "./prepared.js";
import { audienceOf, audienceSql, type NumberFacts, type Scope, visibleIn } from "./scope.js";
import type { NumberRow, TransitionRow } from "./tables.js";

export interface NewTransition {
  id: string;
  number: string;
  request: TransitionRequest;
  actor: string;
  requestedAt: Date;
  /** Record it only if the number is still at this version (the API decided on that row). */
  expectedVersion?: number;
}

/** A transition row with its request read back into the one domain shape. */
export type Transition = Omit<TransitionRow, "request"> & { request: TransitionRequest };

/**
 * A request as `transitions.request` keeps it: every field present (null when not given), the
 * instant as ISO text. Idempotency keys hash this same form.
 */
export function requestJson(request: TransitionRequest) {
  return {
    action: request.action,
    remark: request.remark ?? null,
    ownerId: request.ownerId ?? null,
    subscriptionId: request.subscriptionId ?? null,
    until: request.until ? request.until.toISOString() : null,
    reason: request.reason ?? null,
    endUserId: request.endUserId ?? null,
    // Only when set, so a request without it is stored (and hashed) as it was before it existed.
    ...(request.permanent ? { permanent: true } : {}),
  };
}

function toTransition(row: TransitionRow): Transition {
  const stored = row.request as ReturnType<typeof requestJson>;
  return { ...row, request: { ...stored, until: stored.until ? new Date(stored.until) : null } };
}

/**
 * Records new transitions and marks their numbers pending, in one statement: a number is never
 * pending without its transition row, nor the other way round. A number that is already pending,
 * or no longer at the transition's `expectedVersion`, gets none: the statement locks each number
 * and checks both on its latest row, so of two racing requests only one is recorded. Returns the
 * ids recorded. Each row records who could see the number when it was asked for (the number is
 * unchanged until the transition finishes). A prepared statement (prepared.ts); any number of
 * transitions takes the same few parameters.
 */
export async function insertPendingTransitions(db: Db, transitions: NewTransition[]): Promise<Set<string>> {
  if (transitions.length === 0) return new Set();
  const rows = await runPrepared(
    db,
    sql<{ id: string }>`
    WITH input AS (${transitionsInput(transitions)}), free AS (
      SELECT numbers.number, numbers.owner_id, numbers.partner_id
      FROM numbers JOIN input ON numbers.number = input.number
      WHERE numbers.pending_transition_id IS NULL AND (input.version IS NULL OR numbers.version = input.version)
      ORDER BY numbers.number
      FOR UPDATE OF numbers
    ), inserted AS (
      INSERT INTO transitions (id, number, action, status, request, actor, requested_at, enqueued_at, visible_to)
      -- enqueued_at: wall-clock time of the database, not the business clock: staleness is operational.
      SELECT input.id, input.number, input.action, 'pending', input.request, input.actor, input.requested_at,
        now(), ${audienceSql(sql`ARRAY[free.owner_id]`, sql`ARRAY[free.partner_id]`)}
      FROM input JOIN free ON free.number = input.number
      RETURNING id, number, action, requested_at
    )
    UPDATE numbers SET pending_transition_id = inserted.id, pending_action = inserted.action,
      pending_since = inserted.requested_at
    FROM inserted WHERE numbers.number = inserted.number
    RETURNING inserted.id`,
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * The new transitions as rows (id, number, action, request, actor, requested_at, version). One is given as
 * plain values: its prepared statement then has a generic plan as good as a planned one, where
 * Postgres would guess a hundred rows for arrays and plan every run again.
 */
function transitionsInput(transitions: NewTransition[]) {
  const request = (t: NewTransition) => JSON.stringify(requestJson(t.request));
  const [only] = transitions;
  if (transitions.length === 1 && only)
    return sql`SELECT ${only.id}::uuid AS id, ${only.number}::text AS number, ${only.request.action}::text AS action,
      ${request(only)}::jsonb AS request, ${only.actor}::text AS actor, ${only.requestedAt}::timestamptz AS requested_at,
      ${only.expectedVersion ?? null}::integer AS version`;
  const column = <T>(value: (t: NewTransition) => T) => transitions.map(value);
  return sql`SELECT * FROM unnest(${column((t) => t.id)}::uuid[], ${column((t) => t.number)}::text[],
      ${column((t) => t.request.action)}::text[], ${column(request)}::jsonb[],
      ${column((t) => t.actor)}::text[], ${column((t) => t.requestedAt)}::timestamptz[],
      ${column((t) => t.expectedVersion ?? null)}::integer[])
      AS t(id, number, action, request, actor, requested_at, version)`;
}

export async function findTransition(db: Db, id: string): Promise<Transition | null> {
  const row = await db.selectFrom("transitions").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toTransition(row) : null;
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
): Promise<Transition | null> {
  const row = await db
    .selectFrom("transitions")
    .selectAll()
    .where("id", "=", id)
    .where((eb) => eb.or([visibleIn(scope, "transitions.visible_to"), eb("actor", "=", actor)]))
    .executeTakeFirst();
  return row ? toTransition(row) : null;
}

/** A pending transition with its number, both locked; see lockPendingWithNumbers. */
export interface LockedTransition {
  transition: Transition;
  number: NumberRow;
  /** The organisation the request names as owner, unlocked; null when it names none or one that does not exist. */
  requestedOwner: OrganizationFacts | null;
  /** The version of the policy set when they were locked (PolicyCache.atVersion). */
  policyVersion: number;
}

/**
 * The pending transitions among `ids` and their numbers, locked in number order (so two batches
 * cannot deadlock), with what deciding them needs besides: one statement for a whole batch of the
 * worker. A transition a worker already finished (a redelivered job) is not among them. Each row
 * may be read ahead of the others' changes: applying a transition writes only its own number.
 */
export async function lockPendingWithNumbers(trx: Trx, ids: string[]): Promise<LockedTransition[]> {
  if (ids.length === 0) return [];
  // A prepared statement (prepared.ts).
  const rows = await runPrepared(
    trx,
    trx
      .selectFrom("transitions as t")
      .innerJoin("numbers", "numbers.number", "t.number")
      .leftJoin("organizations as requested_owner", (join) =>
        join.on(sql<string>`requested_owner.id`, "=", sql<string>`(t.request->>'ownerId')::uuid`),
      )
      .selectAll("numbers")
      .select(DECISION_FACTS)
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
      .where("t.id", "=", sql<string>`ANY(${ids}::uuid[])`)
      .where("t.status", "=", "pending")
      .orderBy("numbers.number")
      .forUpdate(["t", "numbers"]),
  );
  return rows.map((row) => {
    const {
      owner_org_id,
      owner_org_kind,
      owner_org_partner_id,
      policy_version,
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
      requestedOwner: requestedOwnerOf(row),
      policyVersion: policy_version,
      transition: toTransition({
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
      }),
    };
  });
}

export interface Outcome {
  status: TransitionOutcome;
  before: unknown;
  after: unknown;
  errorCode?: string;
  errorMessage?: string;
  finishedAt: Date;
}

/** The columns that finish a transitions row; `facts` are the number before and after. */
export function finishColumns(outcome: Outcome, facts: NumberFacts) {
  return {
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
}

/**
 * Finishes a transition and, when it changed the number, writes its history entry in the same
 * statement. `facts` are the number before and after: whoever could see it then may read both.
 */
export async function finishTransition(
  trx: Trx,
  id: string,
  outcome: Outcome,
  facts: NumberFacts,
  history: HistoryEntry | null = null,
): Promise<TransitionRow> {
  const finish = finishColumns(outcome, facts);
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
export async function claimStalePending(db: Db, olderThanSeconds: number, limit: number) {
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
