import { DelayedError, type Job, type WorkerOptions } from "bullmq";
import { z } from "zod";
import type { Dependencies } from "../src/dependencies.js";
import { QUEUE_NAMES } from "../src/queues.js";
import { attemptDelivery } from "../src/services/webhook-delivery.js";
import { DeliveryFailed, retryDelayMs } from "../src/services/webhook-retry.js";
import { parsePayload } from "./payload.js";

export const queueName = QUEUE_NAMES.webhooks;
/** Most of an attempt is waiting on a receiver (up to 10 s), so many run at once. */
export const concurrency = 32;
export const payloadSchema = z.strictObject({ eventId: z.uuid(), webhookId: z.uuid() });

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

/**
 * One attempt (job id = event + webhook). A receiver's refusal throws, so BullMQ retries. A
 * delivery whose server is paused or busy goes back to the delayed set until its time, without
 * using up an attempt and without holding one of the queue's slots meanwhile.
 */
export async function handle(deps: Dependencies, data: unknown, job?: Job, token?: string) {
  const key = parsePayload(payloadSchema, data);
  const log = deps.log.child({ eventId: key.eventId, webhookId: key.webhookId });
  const result = await attemptDelivery({ ...deps, log }, key);
  if (result.outcome !== "postponed" || !job) return result.outcome;
  await job.moveToDelayed(result.untilMs, token);
  throw new DelayedError();
}
