import type { Db } from "../db/database.js";
import { readCircuit, recordEndpointFailure, recordEndpointSuccess } from "../db/webhook-endpoints.js";
import { closeDelivery, type DeliveryKey, postponeDelivery } from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { webhookCircuitOpened, webhookDeliveryAttempts, webhookDeliveryPostponed } from "../metrics.js";
import { circuitState, EndpointLimiter, endpointOf, isServerFailure } from "./webhook-endpoints.js";

/** The longest pause of a failing server: as long as the longest wait between retries. */
export const MAX_PAUSE_MS = 3_600_000;
/** A delivery whose server stays paused is given up once it is this old: retried for at least 24 h. */
export const GIVE_UP_PAUSED_AFTER_MS = 24 * 3_600_000;
/** Spreads deliveries coming back from one pause over this long, rather than all in one instant. */
const PAUSE_JITTER_MS = 1_000;

export type Gate =
  | { outcome: "open"; endpoint: string; circuitWasFailing: boolean }
  | { outcome: "closed" }
  | { outcome: "postponed"; reason: "endpoint_paused" | "endpoint_busy"; untilMs: number };

/**
 * Whether a delivery may be attempted now. Not while its server's circuit is open (the delivery is
 * postponed to the end of the pause; given up when older than the retry window), nor while this
 * process already makes WEBHOOK_ENDPOINT_CONCURRENCY deliveries to that server (postponed to a
 * slot of its own). An "open" gate holds a slot of the server: release it with `releaseEndpoint`.
 */
export async function passEndpointGate(
  deps: Dependencies,
  key: DeliveryKey,
  delivery: { url: string; age_ms: number },
): Promise<Gate> {
  const endpoint = endpointOf(delivery.url);
  // The busy check first: it needs no query, and a busy server is the common case under a backlog.
  const limiter = limiterFor(deps);
  if (!limiter.tryAcquire(endpoint)) {
    const now = Date.now();
    return postpone(deps, key, "endpoint_busy", limiter.nextSlot(endpoint, now) - now);
  }
  const circuit = await readCircuit(deps.db, endpoint).catch((error: unknown) => {
    limiter.release(endpoint, Date.now());
    throw error;
  });
  if (!circuit || circuitState(circuit, deps.config.webhookBreakerFailures) !== "open")
    return { outcome: "open", endpoint, circuitWasFailing: circuit !== null };
  limiter.release(endpoint, Date.now());
  if (delivery.age_ms >= GIVE_UP_PAUSED_AFTER_MS) {
    await closeDelivery(deps.db, key, "Gave up: the receiving server failed for 24 hours (circuit open).");
    webhookDeliveryAttempts.inc({ outcome: "failed" });
    deps.log.warn({ eventId: key.eventId, webhookId: key.webhookId, endpoint }, "webhook delivery gave up");
    return { outcome: "closed" };
  }
  return postpone(deps, key, "endpoint_paused", circuit.pause_left_ms + Math.random() * PAUSE_JITTER_MS);
}

async function postpone(
  deps: Dependencies,
  key: DeliveryKey,
  reason: "endpoint_paused" | "endpoint_busy",
  delayMs: number,
): Promise<Gate> {
  await postponeDelivery(deps.db, key, delayMs);
  webhookDeliveryPostponed.inc({ reason });
  deps.log.debug(
    { eventId: key.eventId, webhookId: key.webhookId, reason, delayMs },
    "webhook delivery postponed",
  );
  return { outcome: "postponed", reason, untilMs: Date.now() + Math.max(0, Math.round(delayMs)) };
}

/** Gives back the slot an open gate took, with how long the attempt took. */
export function releaseEndpoint(deps: Dependencies, endpoint: string, tookMs: number) {
  limiterFor(deps).release(endpoint, Date.now(), tookMs);
}

/**
 * After an attempt: a server failure counts towards opening its circuit (logged and counted when
 * it opens); a 2xx closes a circuit that had failures.
 */
export async function recordServerHealth(
  deps: Dependencies,
  endpoint: string,
  statusCode: number | null,
  circuitWasFailing: boolean,
) {
  if (isServerFailure(statusCode)) {
    const failure = await recordEndpointFailure(deps.db, endpoint, {
      failures: deps.config.webhookBreakerFailures,
      firstPauseMs: deps.config.webhookBreakerPauseMs,
      maxPauseMs: MAX_PAUSE_MS,
    });
    if (failure.opened) {
      webhookCircuitOpened.inc();
      deps.log.warn(
        { endpoint, consecutiveFailures: failure.consecutiveFailures, pausedUntil: failure.pausedUntil },
        "webhook endpoint paused",
      );
    }
    return;
  }
  if (circuitWasFailing && statusCode !== null && statusCode >= 200 && statusCode < 300) {
    const timesOpened = await recordEndpointSuccess(deps.db, endpoint);
    if (timesOpened) deps.log.info({ endpoint, timesOpened }, "webhook endpoint recovered");
  }
}

// One limiter per worker process (per database handle: tests run several workers in one process).
const limiters = new WeakMap<Db, EndpointLimiter>();
function limiterFor(deps: Dependencies): EndpointLimiter {
  let limiter = limiters.get(deps.db);
  if (!limiter) {
    limiter = new EndpointLimiter(deps.config.webhookEndpointConcurrency);
    limiters.set(deps.db, limiter);
  }
  return limiter;
}
