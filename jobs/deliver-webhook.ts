import type { WorkerOptions } from "bullmq";
import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { attemptDelivery } from "../src/services/webhook-delivery.js";
import { DeliveryFailed, retryDelayMs } from "../src/services/webhook-retry.js";

export const queueName = QUEUE_NAMES.webhooks;
/** Most of an attempt is waiting on a receiver (up to 10 s), so many run at once. */
export const concurrency = 32;
export const payloadSchema = z.object({ eventId: z.uuid(), webhookId: z.uuid() });

/**
 * The queue waits as long as the attempt recorded in next_attempt_at; an error from elsewhere
 * (the database) falls back to the same curve.
 */
export function workerSettings(deps: Dependencies): WorkerOptions["settings"] {
  return {
    backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
      error instanceof DeliveryFailed
        ? error.retryInMs
        : retryDelayMs(attemptsMade, deps.config.webhookRetryBaseMs),
  };
}

/** One attempt (job id = event + webhook). A receiver's refusal throws, so BullMQ retries. */
export async function handle(deps: Dependencies, data: unknown) {
  const key = payloadSchema.parse(data);
  const log = deps.log.child({ eventId: key.eventId, webhookId: key.webhookId });
  return attemptDelivery({ ...deps, log }, key);
}
