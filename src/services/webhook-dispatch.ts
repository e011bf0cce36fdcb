import type { DeliveryKey } from "../db/webhooks.js";
import { claimDueDeliveries } from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { withTimeout } from "../queues.js";
import { deliveryJobOptions } from "./webhook-retry.js";

const DISPATCH_BATCH = 500;

/**
 * Scheduler task: hands pending deliveries to the `webhooks` queue — new ones, and ones whose job
 * was lost (due longer ago than RECONCILE_AFTER_SECONDS). jobId = event + webhook, so a delivery
 * whose job still exists is not queued twice.
 */
export async function dispatchWebhookDeliveries(deps: Dependencies): Promise<number> {
  let total = 0;
  for (;;) {
    const keys = await claimDueDeliveries(deps.db, deps.config.reconcileAfterSeconds, DISPATCH_BATCH);
    if (keys.length > 0) await enqueueDeliveries(deps, keys);
    total += keys.length;
    if (keys.length < DISPATCH_BATCH) return total;
  }
}

export function deliveryJobId(key: DeliveryKey): string {
  return `${key.eventId}_${key.webhookId}`;
}

async function enqueueDeliveries(deps: Dependencies, keys: DeliveryKey[]) {
  const options = deliveryJobOptions(deps.config.webhookRetryBaseMs);
  // A failed add leaves the rows claimed; they are due again once stale, and handed over then.
  await withTimeout(
    deps.queues.webhooks.addBulk(
      keys.map((key) => ({ name: "deliver", data: key, opts: { ...options, jobId: deliveryJobId(key) } })),
    ),
    2_000,
    "enqueue webhook deliveries",
  );
}
