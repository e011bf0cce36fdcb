import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { observeTransition } from "../src/metrics.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { createTransitionBatcher } from "../src/services/transition-batcher.js";

export const queueName = QUEUE_NAMES.transitions;
export const payloadSchema = z.object({ transitionId: z.uuid() });

/**
 * The handler of one worker role: the jobs it holds at once share commits through one batcher.
 * Safe to run twice: a finished transition is left alone. Database errors throw, so BullMQ retries.
 */
export function createHandler(deps: Dependencies) {
  const batcher = createTransitionBatcher(deps);
  return async (jobDeps: Dependencies, data: unknown) => {
    const { transitionId } = payloadSchema.parse(data);
    const outcome = await batcher.apply(transitionId);
    if (!outcome) return outcome;
    observeTransition(outcome.action, outcome.status, outcome.requestedAt, outcome.finishedAt);
    jobDeps.log
      .child({ transitionId })
      .info(
        { number: outcome.number, action: outcome.action, status: outcome.status },
        "transition finished",
      );
    return outcome;
  };
}
