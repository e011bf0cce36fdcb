import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import {
  claimDueDeliveries,
  closeDelivery,
  type DeliveryKey,
  loadDelivery,
  recordAttempt,
} from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { webhookDeliveryAttempts } from "../metrics.js";
import { withTimeout } from "../queues.js";
import { passEndpointGate, recordServerHealth, releaseEndpoint } from "./webhook-gate.js";
import { guardedLookup, isBlockedAddress } from "./webhook-url.js";

export const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_RETRY_DELAY_MS = 3_600_000;
/** Deliveries keep being retried for at least this long (CONTRACT: at least 24 h). */
const RETRY_WINDOW_MS = 24 * 3_600_000;
const DISPATCH_BATCH = 500;

/** Delay before retry number `retry` (1-based): base, 2×, 4×, … capped at one hour. */
export function retryDelayMs(retry: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (retry - 1), MAX_RETRY_DELAY_MS);
}

/** Attempts (first + retries) whose waits add up to the retry window: 32 with a 30 s base. */
export function maxDeliveryAttempts(baseMs: number): number {
  let waited = 0;
  let retries = 0;
  while (waited < RETRY_WINDOW_MS) waited += retryDelayMs(++retries, baseMs);
  return retries + 1;
}

/** `t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{raw body}"}`, as receivers verify it. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

/** A failed attempt that will be retried: the queue waits `retryInMs` (see the backoff strategy). */
export class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly retryInMs: number,
  ) {
    super(message);
    this.name = "DeliveryFailed";
  }
}

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

interface PostResult {
  statusCode: number | null;
  error: string | null;
}

/** POSTs with a 10 s deadline for the whole exchange; never follows redirects. */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<PostResult> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  // An IP literal is never looked up, so the lookup guard cannot see it: check it here.
  if (!allowPrivate && isIP(host) && isBlockedAddress(host))
    return Promise.resolve({
      statusCode: null,
      error: `${host} is a loopback, private or link-local address.`,
    });
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        lookup: guardedLookup(allowPrivate) as never,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      },
      (response) => {
        // Drain the answer so the socket is released; its content is not used.
        response.resume();
        response.on("end", () => resolve({ statusCode: response.statusCode ?? null, error: null }));
        response.on("error", (error) =>
          resolve({ statusCode: response.statusCode ?? null, error: error.message }),
        );
      },
    );
    request.on("error", (error) =>
      resolve({
        statusCode: null,
        error:
          error.name === "AbortError" || error.name === "TimeoutError"
            ? "No answer within 10 s."
            : error.message,
      }),
    );
    request.end(body);
  });
}

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

export function deliveryJobOptions(baseMs: number) {
  return {
    attempts: maxDeliveryAttempts(baseMs),
    backoff: { type: "webhook" },
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/** BullMQ's lowest priority: lower numbers go first, and every delivery job has one. */
const MAX_PRIORITY = 2_097_151;

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
