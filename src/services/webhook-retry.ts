/** How long webhook deliveries are retried, and how the waits between attempts grow. */

const MAX_RETRY_DELAY_MS = 3_600_000;
/** Deliveries keep being retried for at least this long (docs/operations.md#webhooks). */
const RETRY_WINDOW_MS = 24 * 3_600_000;

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

/** BullMQ options of a delivery job: as many attempts as the window holds, our own backoff. */
export function deliveryJobOptions(baseMs: number) {
  return {
    attempts: maxDeliveryAttempts(baseMs),
    backoff: { type: "webhook" },
    removeOnComplete: true,
    removeOnFail: true,
  };
}
