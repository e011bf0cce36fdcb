import type { DeliveryKey } from "../db/webhooks.js";
import { claimDueDeliveries } from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { withTimeout } from "../queues.js";
import { deliveryJobOptions } from "./webhook-retry.js";

const DISPATCH_BATCH = 500;
/** BullMQ's lowest priority: lower numbers go first, and every delivery job has one. */
const MAX_PRIORITY = 2_097_151;

/**
 * Scheduler task: hands pending deliveries to the `webhooks` queue — new ones, and ones whose job
 * was lost (due longer ago than RECONCILE_AFTER_SECONDS). jobId = event + webhook, so a delivery
 * whose job still exists is not queued twice. Each job's priority is its place in its
 * organisation's share of this run (1 for each organisation's first, 2 for its second, …), so the
 * queue takes every organisation's deliveries in turn: one tenant's flood of events goes after the
 * other tenants' first deliveries, not before them.
 */
export async function dispatchWebhookDeliveries(deps: Dependencies): Promise<number> {
  let total = 0;
  const turns = new Map<string | null, number>();
  for (;;) {
    const claimed = await claimDueDeliveries(deps.db, deps.config.reconcileAfterSeconds, DISPATCH_BATCH);
    if (claimed.length > 0)
      await enqueueDeliveries(
        deps,
        claimed.map((delivery) => {
          const turn = (turns.get(delivery.organizationId) ?? 0) + 1;
          turns.set(delivery.organizationId, turn);
          return { key: { eventId: delivery.eventId, webhookId: delivery.webhookId }, turn };
        }),
      );
    total += claimed.length;
    if (claimed.length < DISPATCH_BATCH) return total;
  }
}

export function deliveryJobId(key: DeliveryKey): string {
  return `${key.eventId}_${key.webhookId}`;
}

async function enqueueDeliveries(deps: Dependencies, deliveries: { key: DeliveryKey; turn: number }[]) {
  const options = deliveryJobOptions(deps.config.webhookRetryBaseMs);
  // A failed add leaves the rows claimed; they are due again once stale, and handed over then.
  await withTimeout(
    deps.queues.webhooks.addBulk(
      deliveries.map(({ key, turn }) => ({
        name: "deliver",
        data: key,
        opts: { ...options, jobId: deliveryJobId(key), priority: Math.min(turn, MAX_PRIORITY) },
      })),
    ),
    2_000,
    "enqueue webhook deliveries",
  );
}
