import { countFailedAttempt } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { isTransient } from "../dependency-errors.js";
import { transitionFailures } from "../metrics.js";
import { type AppliedOutcome, rejectUnappliable } from "./apply-transition.js";

/**
 * A try at applying a transition threw (an error, not a rule refusal: those are outcomes). Each
 * such failure is counted on the transition's row, so the count survives lost jobs and the
 * reconciler's re-enqueueing; after TRANSITION_MAX_ATTEMPTS the transition is rejected with
 * `internal_error`, which lifts its number's pending marker and tells the webhooks. Failures of
 * the infrastructure (Postgres unreachable, a deadlock, a statement timeout) are not counted: the
 * work waits for the database to come back rather than being refused.
 *
 * Returns the rejected outcome; throws `error` again when the job should be retried.
 */
export async function handleFailedApply(
  deps: Dependencies,
  transitionId: string,
  error: unknown,
): Promise<AppliedOutcome | null> {
  if (isTransient(error)) throw error;
  const attempts = await countFailedAttempt(deps.db, transitionId);
  if (attempts === null) return null; // finished meanwhile (another worker)
  const max = deps.config.transitionMaxAttempts;
  if (attempts < max) {
    transitionFailures.inc({ outcome: "retry" });
    deps.log.warn({ err: error, attempts, maxAttempts: max }, "transition failed to apply; will retry");
    throw error;
  }
  const outcome = await rejectUnappliable(
    deps,
    transitionId,
    `The change could not be applied: it failed ${attempts} times with an internal error. The number is unchanged and free for new requests; request it again, and tell the platform's operators if it keeps failing.`,
  );
  if (outcome) {
    transitionFailures.inc({ outcome: "rejected" });
    deps.log.error(
      { err: error, attempts, number: outcome.number },
      "transition rejected after failing to apply",
    );
  }
  return outcome;
}
