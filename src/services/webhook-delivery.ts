import { closeDelivery, type DeliveryKey, loadDelivery, recordAttempt } from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { webhookDeliveryAttempts } from "../metrics.js";
import { passEndpointGate, recordServerHealth, releaseEndpoint } from "./webhook-gate.js";
import { post } from "./webhook-http.js";
import { DeliveryFailed, maxDeliveryAttempts, retryDelayMs } from "./webhook-retry.js";
import { signatureHeader } from "./webhook-signature.js";

export type AttemptOutcome =
  | { outcome: "delivered" | "failed" | "skipped" }
  /** Not attempted: its server is paused or busy. The job comes back at `untilMs` (epoch ms). */
  | { outcome: "postponed"; reason: "endpoint_paused" | "endpoint_busy"; untilMs: number };

/**
 * One attempt at one delivery. Any 2xx acknowledges. Otherwise the attempt is recorded with its
 * next time and DeliveryFailed is thrown so the queue retries; after the last attempt the
 * delivery is marked failed. A delivery already finished (a duplicate job) is left alone. While
 * its receiving server is paused (circuit breaker) or busy (WEBHOOK_ENDPOINT_CONCURRENCY), the
 * delivery is not attempted but postponed, without using up an attempt.
 */
export async function attemptDelivery(deps: Dependencies, key: DeliveryKey): Promise<AttemptOutcome> {
  const delivery = await loadDelivery(deps.db, key);
  if (delivery?.status !== "pending") return { outcome: "skipped" };
  if (delivery.deleted_at) {
    await closeDelivery(deps.db, key, "The webhook was deleted.");
    return { outcome: "skipped" };
  }
  const gate = await passEndpointGate(deps, key, delivery);
  if (gate.outcome !== "open") return gate.outcome === "closed" ? { outcome: "failed" } : gate;
  const started = Date.now();
  try {
    return await attemptNow(deps, key, delivery, gate);
  } finally {
    releaseEndpoint(deps, gate.endpoint, Date.now() - started);
  }
}

type LoadedDelivery = NonNullable<Awaited<ReturnType<typeof loadDelivery>>>;

async function attemptNow(
  deps: Dependencies,
  key: DeliveryKey,
  delivery: LoadedDelivery,
  gate: { endpoint: string; circuitWasFailing: boolean },
): Promise<AttemptOutcome> {
  const body = JSON.stringify({
    id: delivery.event_id,
    type: delivery.type,
    createdAt: delivery.event_created_at.toISOString(),
    data: delivery.data,
  });
  const sentAt = deps.clock.now();
  const result = await post(
    delivery.url,
    body,
    {
      "content-type": "application/json",
      "user-agent": "numbers-webhooks",
      "numbers-event-id": delivery.event_id,
      "numbers-signature": signatureHeader(delivery.secret, body, sentAt),
    },
    deps.config.webhookAllowPrivate,
  );
  await recordServerHealth(deps, gate.endpoint, result.statusCode, gate.circuitWasFailing);

  const attempts = delivery.attempts + 1;
  const facts = { eventId: key.eventId, webhookId: key.webhookId, attempts, statusCode: result.statusCode };
  if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
    await recordAttempt(deps.db, key, {
      status: "delivered",
      statusCode: result.statusCode,
      error: null,
    });
    webhookDeliveryAttempts.inc({ outcome: "delivered" });
    deps.log.info(facts, "webhook delivered");
    return { outcome: "delivered" };
  }
  const error = result.error ?? `The receiver answered HTTP ${result.statusCode}.`;
  const base = deps.config.webhookRetryBaseMs;
  if (attempts >= maxDeliveryAttempts(base)) {
    await recordAttempt(deps.db, key, {
      status: "failed",
      statusCode: result.statusCode,
      error,
    });
    webhookDeliveryAttempts.inc({ outcome: "failed" });
    deps.log.warn({ ...facts, error }, "webhook delivery gave up");
    return { outcome: "failed" };
  }
  const retryInMs = retryDelayMs(attempts, base);
  await recordAttempt(deps.db, key, {
    status: "pending",
    statusCode: result.statusCode,
    error,
    retryInMs,
  });
  webhookDeliveryAttempts.inc({ outcome: "retry" });
  deps.log.info({ ...facts, error, retryInMs }, "webhook delivery will be retried");
  throw new DeliveryFailed(error, retryInMs);
}
