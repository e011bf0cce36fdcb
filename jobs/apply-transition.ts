import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { observeTransition } from "../src/metrics.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { createTransitionBatcher } from "../src/services/transition-batcher.js";
import { handleFailedApply } from "../src/services/transition-failures.js";
import { parsePayload } from "./payload.js";

export const queueName = QUEUE_NAMES.transitions;
export const payloadSchema = z.strictObject({ transitionId: z.uuid() });

/**
 * The handler of one worker role: the jobs it holds at once share commits through one batcher.
 * Safe to run twice: a finished transition is left alone. Errors throw, so BullMQ retries, until
 * the transition has failed TRANSITION_MAX_ATTEMPTS times and is rejected (handleFailedApply).
 */
export function createHandler(deps: Dependencies) {
  const batcher = createTransitionBatcher(deps);
  return async (jobDeps: Dependencies, data: unknown) => {
    const { transitionId } = parsePayload(payloadSchema, data);
    const log = jobDeps.log.child({ transitionId });
    const outcome = await batcher
      .apply(transitionId)
      .catch((error: unknown) => handleFailedApply({ ...jobDeps, log }, transitionId, error));
    if (!outcome) return outcome;
    observeTransition(outcome.action, outcome.status, outcome.requestedAt, outcome.finishedAt);
    log.info(
      { number: outcome.number, action: outcome.action, status: outcome.status },
      "transition finished",
    );
    return outcome;
  };
}
