import { createHash } from "node:crypto";
import { deleteExpiredIdempotencyKeys, findIdempotencyKey } from "../db/idempotency-keys.js";
import { findTransition, requestJson } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import type { TransitionRequest } from "../lifecycle/number-state.js";
import type { Principal } from "./principal.js";
import type { AcceptedTransition } from "./transitions.js";

/** An Idempotency-Key answers with the transition it first produced for this long, per API key. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** Keys saved before this instant no longer count. */
export const idempotencyWindowStart = (now: Date) => new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS);

/** What makes two requests "the same": the number and every field of the request. */
export function hashRequest(number: string, request: TransitionRequest): string {
  const fields = Object.entries(requestJson(request)).sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256")
    .update(JSON.stringify([number, fields]))
    .digest("hex");
}

/**
 * The transition an Idempotency-Key already produced, as it was accepted (with its current
 * status); null when the key is new. The same key with another request is refused.
 */
export async function replayIdempotent(
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
  const { id, number, action, status, requested_at } = transition;
  return { id, number, action, status, requestedAt: requested_at };
}

/** Scheduler task: keys past the window are deleted (they are ignored from then on anyway). */
export async function forgetExpiredIdempotencyKeys(deps: Dependencies): Promise<void> {
  await deleteExpiredIdempotencyKeys(deps.db, idempotencyWindowStart(deps.clock.now()));
}
