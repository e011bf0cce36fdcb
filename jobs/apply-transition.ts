import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { observeTransition } from "../src/metrics.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { applyTransition } from "../src/services/transitions.js";

export const queueName = QUEUE_NAMES.transitions;
export const payloadSchema = z.object({ transitionId: z.uuid() });

/** Safe to run twice: a finished transition is left alone. Database errors throw, so BullMQ retries. */
export async function handle(deps: Dependencies, data: unknown) {
  const { transitionId } = payloadSchema.parse(data);
  const log = deps.log.child({ transitionId });
  const outcome = await applyTransition({ ...deps, log }, transitionId);
  if (!outcome) return outcome;
  observeTransition(outcome.action, outcome.status, outcome.requestedAt, outcome.finishedAt);
  log.info({ number: outcome.number, action: outcome.action, status: outcome.status }, "transition finished");
  return outcome;
}
