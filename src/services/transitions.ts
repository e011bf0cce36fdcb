import { randomUUID } from "node:crypto";
import type { Trx } from "../db/database.js";
import { saveIdempotencyKey } from "../db/idempotency-keys.js";
import { toSnapshot } from "../db/number-columns.js";
import { lockNumber } from "../db/numbers.js";
import { findOrganization } from "../db/organizations.js";
import { occupiesSiteOperatedBy } from "../db/sites.js";
import type { NumberRow } from "../db/tables.js";
import { findVisibleTransition, insertPendingTransitions } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import { decide } from "../lifecycle/decide.js";
import type { TransitionRequest } from "../lifecycle/number-state.js";
import type { Action, TransitionStatus } from "../lifecycle/states.js";
import { TRANSITION_JOB_OPTIONS, withTimeout } from "../queues.js";
import { loadDecisionContext } from "./decision-context.js";
import { hashRequest, idempotencyWindowStart, replayIdempotent } from "./idempotency.js";
import { mayRequest, type Principal } from "./principal.js";

export interface AcceptedTransition {
  id: string;
  number: string;
  action: Action;
  status: TransitionStatus;
  requestedAt: Date;
}

/**
 * Accepts a transition: in one Postgres transaction the number is locked, refused at once if its
 * current row already rules the action out, and marked pending with a new `transitions` row. The
 * job goes to the queue after commit; if Redis is away the reconciler enqueues it later.
 */
export async function requestTransition(
  deps: Dependencies,
  principal: Principal,
  number: string,
  request: TransitionRequest,
  idempotencyKey?: string,
): Promise<AcceptedTransition> {
  const requestHash = hashRequest(number, request);
  const now = deps.clock.now();
  const notBefore = idempotencyWindowStart(now);
  if (idempotencyKey) {
    const replay = await replayIdempotent(deps, principal, idempotencyKey, requestHash, notBefore);
    if (replay) return replay;
  }

  const id = randomUUID();
  try {
    await deps.db.transaction().execute(async (trx) => {
      const row = await lockNumber(trx, number, principal.scope);
      if (!row) throw notFound(`Number ${number}`);
      if (!mayRequest(principal, request.action))
        throw new AppError("forbidden", `A ${principal.role} key may not ${request.action} numbers.`);
      refuseIfPending(row);
      await ensureOwnerVisible(trx, principal, request.ownerId);
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
        { id, number, request, actor: principal.actor, requestedAt: now },
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
  return { id, number, action: request.action, status: "pending", requestedAt: now };
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
async function ensureOwnerVisible(trx: Trx, principal: Principal, ownerId: string | null | undefined) {
  if (!ownerId || principal.scope.kind === "all") return;
  const scope = principal.scope;
  const owner = await findOrganization(trx, ownerId);
  const visible =
    owner &&
    (scope.kind === "partner"
      ? owner.id === scope.partnerId ||
        owner.partnerId === scope.partnerId ||
        // An operator acts for the occupiers of its sites (docs/sites.md).
        (await occupiesSiteOperatedBy(trx, owner.id, scope.partnerId))
      : owner.id === scope.organizationId);
  if (!visible)
    throw new AppError("unknown_organization", `No organisation you can act for has the id ${ownerId}.`);
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
  const row = await findVisibleTransition(deps.db, id, principal.scope, principal.actor);
  if (!row) throw notFound(`Transition ${id}`);
  return row;
}
