import { randomUUID } from "node:crypto";
import type { Db } from "../db/database.js";
import { saveIdempotencyKey } from "../db/idempotency-keys.js";
import { toSnapshot } from "../db/number-columns.js";
import { readNumberForRequest } from "../db/numbers.js";
import { occupiesSiteOperatedBy } from "../db/sites.js";
import type { NumberRow } from "../db/tables.js";
import { findVisibleTransition, insertPendingTransitions, type NewTransition } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import { decide } from "../lifecycle/decide.js";
import type { OrganizationFacts, TransitionRequest } from "../lifecycle/number-state.js";
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

/** How often a request is checked again when another change to its number came first. */
const ACCEPT_ATTEMPTS = 3;

/**
 * Accepts a transition: checks it against the number's current row (refused at once if that row
 * already rules the action out), then records it and marks the number pending in one statement
 * that does so only if the number is still the row that was checked; if another change came
 * first, the request is checked again (and usually refused as update_in_progress). No
 * transaction spans the two round trips (docs/decisions.md, "The API accepts in two statements").
 * The job goes to the queue after the commit; if Redis is away the reconciler enqueues it later.
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
  const idempotency = idempotencyKey
    ? {
        apiKeyId: principal.keyId,
        key: idempotencyKey,
        requestHash,
        transitionId: id,
        createdAt: now,
        notBefore,
      }
    : null;
  try {
    for (let attempt = 1; ; attempt++) {
      const expectedVersion = await checkRequest(deps, principal, number, request, now);
      const transition = { id, number, request, actor: principal.actor, requestedAt: now, expectedVersion };
      if (await recordTransition(deps, transition, idempotency)) break;
      if (attempt === ACCEPT_ATTEMPTS)
        throw new AppError(
          "update_in_progress",
          `Number ${number} kept changing while the request was checked; try again.`,
        );
    }
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

/**
 * Checks a request against the number as it is now, throwing the refusal if there is one; returns
 * the version of the number it checked. The number, the named owner and the policy version come
 * in one round trip.
 */
async function checkRequest(
  deps: Dependencies,
  principal: Principal,
  number: string,
  request: TransitionRequest,
  now: Date,
): Promise<number> {
  const found = await readNumberForRequest(deps.db, number, principal.scope, request.ownerId ?? null);
  if (!found) throw notFound(`Number ${number}`);
  const { number: row, requestedOwner } = found;
  if (!mayRequest(principal, request.action))
    throw new AppError("forbidden", `A ${principal.role} key may not ${request.action} numbers.`);
  refuseIfPending(row);
  await ensureOwnerVisible(deps.db, principal, request.ownerId, requestedOwner);
  const snapshot = toSnapshot(row);
  const policies = await deps.policies.atVersion(deps.db, found.policyVersion);
  const context = await loadDecisionContext(
    deps.db,
    snapshot,
    request,
    { config: deps.config, policies },
    now,
    {
      requestedOwner,
    },
  );
  const decision = decide(snapshot, request, context);
  if (!decision.ok) throw new AppError(decision.code, decision.message);
  return row.version;
}

/**
 * Records the transition if its number is still at the version checked; with an Idempotency-Key,
 * the key too, in the same transaction. False when another change to the number came first.
 */
async function recordTransition(
  deps: Dependencies,
  transition: NewTransition,
  idempotency: Parameters<typeof saveIdempotencyKey>[1] | null,
): Promise<boolean> {
  if (!idempotency) return (await insertPendingTransitions(deps.db, [transition])).has(transition.id);
  return deps.db.transaction().execute(async (trx) => {
    if (!(await insertPendingTransitions(trx, [transition])).has(transition.id)) return false;
    await saveIdempotencyKey(trx, idempotency);
    return true;
  });
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
  db: Db,
  principal: Principal,
  ownerId: string | null | undefined,
  owner: OrganizationFacts | null,
) {
  if (!ownerId || principal.scope.kind === "all") return;
  const scope = principal.scope;
  const visible =
    owner &&
    (scope.kind === "partner"
      ? owner.id === scope.partnerId ||
        owner.partnerId === scope.partnerId ||
        // An operator acts for the occupiers of its sites (docs/sites.md).
        (await occupiesSiteOperatedBy(db, owner.id, scope.partnerId))
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
