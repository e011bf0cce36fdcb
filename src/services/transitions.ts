import { createHash, randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { lockNumber, toSnapshot } from "../db/numbers.js";
import { inScope } from "../db/scope.js";
import { occupiesSiteOperatedBy } from "../db/sites.js";
import type { Database, NumberRow } from "../db/tables.js";
import {
  findIdempotencyKey,
  findTransition,
  insertPendingTransitions,
  saveIdempotencyKey,
  toTransitionView,
} from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import { decide } from "../lifecycle/decide.js";
import { addDays } from "../lifecycle/periods.js";
import type { Action, DeleteReason } from "../lifecycle/states.js";
import { TRANSITION_JOB_OPTIONS, withTimeout } from "../queues.js";
import { loadDecisionContext } from "./decision-context.js";
import { mayRequest, type Principal } from "./principal.js";
import { fromStored, type StoredRequest } from "./transition-request.js";

const IDEMPOTENCY_HOURS = 24;

export interface TransitionInput {
  action: Action;
  remark?: string;
  ownerId?: string;
  subscriptionId?: string;
  until?: Date;
  reason?: DeleteReason;
  endUserId?: string;
  permanent?: boolean;
}

export interface AcceptedTransition {
  id: string;
  number: string;
  action: string;
  status: "pending" | "applied" | "rejected";
  requestedAt: string;
}

const toStored = (input: TransitionInput): StoredRequest => ({
  action: input.action,
  remark: input.remark ?? null,
  ownerId: input.ownerId ?? null,
  subscriptionId: input.subscriptionId ?? null,
  until: input.until ? input.until.toISOString() : null,
  reason: input.reason ?? null,
  endUserId: input.endUserId ?? null,
  // Only when set, so the idempotency hash of a request without it stays what it was.
  ...(input.permanent ? { permanent: true } : {}),
});

/**
 * Accepts a transition: in one Postgres transaction the number is locked, refused at once if its
 * current row already rules the action out, and marked pending with a new `transitions` row. The
 * job goes to the queue after commit; if Redis is away the reconciler enqueues it later.
 */
export async function requestTransition(
  deps: Dependencies,
  principal: Principal,
  number: string,
  input: TransitionInput,
  idempotencyKey?: string,
): Promise<AcceptedTransition> {
  const requestHash = hashRequest(number, toStored(input));
  const now = deps.clock.now();
  const notBefore = addDays(now, -IDEMPOTENCY_HOURS / 24);
  if (idempotencyKey) {
    const replay = await replayIdempotent(deps, principal, idempotencyKey, requestHash, notBefore);
    if (replay) return replay;
  }

  const id = randomUUID();
  try {
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockNumber(trx, number, principal.scope);
      if (!row) throw notFound(`Number ${number}`);
      if (!mayRequest(principal, input.action))
        throw new AppError("forbidden", `A ${principal.role} key may not ${input.action} numbers.`);
      refuseIfPending(row);
      await ensureOwnerVisible(trx, principal, input.ownerId);
      const request = fromStored(toStored(input));
      const snapshot = toSnapshot(row);
      const decision = decide(
        snapshot,
        request,
        await loadDecisionContext(
          trx,
          snapshot,
          request,
          { config: deps.config, policies: await deps.policies.current(trx) },
          now,
        ),
      );
      if (!decision.ok) throw new AppError(decision.code, decision.message);

      await insertPendingTransitions(trx, [
        {
          id,
          number,
          action: input.action,
          request: { ...toStored(input) },
          actor: principal.actor,
          requestedAt: now,
        },
      ]);
      if (idempotencyKey)
        await saveIdempotencyKey(trx, {
          apiKeyId: principal.keyId,
          key: idempotencyKey,
          requestHash,
          transitionId: id,
          createdAt: now,
          notBefore,
        });
    });
  } catch (error) {
    // Two requests raced with one Idempotency-Key: the loser answers from the winner's row.
    if (idempotencyKey && (error as { code?: string }).code === "23505") {
      const replay = await replayIdempotent(deps, principal, idempotencyKey, requestHash, notBefore);
      if (replay) return replay;
    }
    throw error;
  }
  await enqueueTransitions(deps, [id]);
  return { id, number, action: input.action, status: "pending", requestedAt: now.toISOString() };
}

/** Any change to a number waits for the transition in flight (409 update_in_progress). */
export function refuseIfPending(row: NumberRow) {
  if (row.pending_transition_id)
    throw new AppError(
      "update_in_progress",
      `Number ${row.number} has an update in progress (${row.pending_action}); try again when it has finished.`,
      [{ transitionId: row.pending_transition_id, action: row.pending_action }],
    );
}

/** A partner may name itself or its own customers as owner; a customer only itself. */
async function ensureOwnerVisible(
  trx: Transaction<Database>,
  principal: Principal,
  ownerId: string | undefined,
) {
  if (!ownerId || principal.scope.kind === "all") return;
  const scope = principal.scope;
  const owner = await trx
    .selectFrom("organizations")
    .select(["id", "partner_id"])
    .where("id", "=", ownerId)
    .executeTakeFirst();
  const visible =
    owner &&
    (scope.kind === "partner"
      ? owner.id === scope.partnerId ||
        owner.partner_id === scope.partnerId ||
        // An operator acts for the occupiers of its sites (site telephony, seed 002).
        (await occupiesSiteOperatedBy(trx, owner.id, scope.partnerId))
      : owner.id === scope.organizationId);
  if (!visible)
    throw new AppError("unknown_organization", `No organisation you can act for has the id ${ownerId}.`);
}

async function replayIdempotent(
  deps: Dependencies,
  principal: Principal,
  key: string,
  requestHash: string,
  notBefore: Date,
): Promise<AcceptedTransition | null> {
  const saved = await findIdempotencyKey(deps.db, principal.keyId, key, notBefore);
  if (!saved) return null;
  if (saved.request_hash !== requestHash)
    throw new AppError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used for a different request; use a new key for a new request.",
    );
  const transition = await findTransition(deps.db, saved.transition_id);
  if (!transition) return null;
  const view = toTransitionView(transition);
  return {
    id: view.id,
    number: view.number,
    action: view.action,
    status: view.status,
    requestedAt: view.requestedAt,
  };
}

function hashRequest(number: string, request: StoredRequest): string {
  const canonical = JSON.stringify([number, Object.entries(request).sort(([a], [b]) => a.localeCompare(b))]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Hands transitions to the queue. Failure is not an error for the caller: the rows are in
 * Postgres and the reconciler enqueues whatever has no job.
 */
export async function enqueueTransitions(deps: Dependencies, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await withTimeout(
      deps.queues.transitions.addBulk(
        ids.map((id) => ({
          name: "apply",
          data: { transitionId: id },
          opts: { ...TRANSITION_JOB_OPTIONS, jobId: id },
        })),
      ),
      2_000,
      "enqueue",
    );
  } catch (error) {
    deps.log.warn(
      { err: error, transitions: ids.length },
      "could not enqueue transitions; the reconciler will",
    );
  }
}

export async function getTransition(deps: Dependencies, principal: Principal, id: string) {
  const row = await findTransition(deps.db, id);
  if (!row) throw notFound(`Transition ${id}`);
  const visible = await deps.db
    .selectFrom("numbers")
    .select("number")
    .where("number", "=", row.number)
    .where(inScope(principal.scope))
    .executeTakeFirst();
  // A transition is visible when its number is, or when this key asked for it.
  if (!visible && row.actor !== principal.actor) throw notFound(`Transition ${id}`);
  return toTransitionView(row);
}
