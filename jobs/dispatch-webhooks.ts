import type { Dependencies } from "../src/dependencies.js";
import { dispatchWebhookDeliveries } from "../src/services/webhook-dispatch.js";

/**
 * Scheduler task (no payload): webhook deliveries recorded in Postgres go to the `webhooks` queue.
 * An event waits at most this long before its delivery job is queued.
 */
export const everyMs = 1_000;

export async function handle(deps: Dependencies) {
  return dispatchWebhookDeliveries(deps);
}
