import type { EndpointCircuitRow } from "../db/webhook-endpoints.js";

/**
 * The receiving server of a webhook URL: scheme, host and port. Limits and the circuit breaker
 * apply per server, whichever webhooks (of whichever organisations) point at it: a server that
 * does not answer costs the same to everyone, and spreading one tenant's URLs over many paths
 * must not multiply what they may take.
 */
export function endpointOf(url: string): string {
  return new URL(url).origin;
}

export type CircuitState = "closed" | "open" | "half_open";

/** closed: deliveries flow; open: paused; half_open: the pause is over, the next answer decides. */
export function circuitState(row: EndpointCircuitRow | null, failuresToOpen: number): CircuitState {
  if (!row || row.consecutive_failures < failuresToOpen) return "closed";
  return row.pause_left_ms > 0 ? "open" : "half_open";
}

/**
 * An answer that says the server is in trouble: none at all (refused, reset, timed out), a 5xx,
 * or 429. Other refusals (a 404 for one path) are the delivery's problem, not the server's.
 */
export function isServerFailure(statusCode: number | null): boolean {
  return statusCode === null || statusCode >= 500 || statusCode === 429;
}

/** What an attempt took, when the server has not been timed yet. */
const FIRST_ESTIMATE_MS = 1_000;

interface EndpointLoad {
  inFlight: number;
  /** Moving average of what an attempt takes at this server. */
  averageMs: number;
  /** The last time handed to a postponed delivery (ms since the epoch). */
  lastSlotAt: number;
}

/**
 * Deliveries a worker process makes at once to one server. A delivery that finds its server busy
 * does not wait holding one of the queue's slots (that is how one dead server stalls everyone):
 * it is postponed, to a slot of its own — one every (average attempt time / limit) after the last
 * slot handed out — so a backlog comes back at the pace the server answers, not all at once.
 */
export class EndpointLimiter {
  private readonly load = new Map<string, EndpointLoad>();

  constructor(private readonly perEndpoint: number) {}

  tryAcquire(endpoint: string): boolean {
    const load = this.load.get(endpoint) ?? { inFlight: 0, averageMs: FIRST_ESTIMATE_MS, lastSlotAt: 0 };
    if (load.inFlight >= this.perEndpoint) return false;
    load.inFlight++;
    this.load.set(endpoint, load);
    return true;
  }

  /** After an attempt that took `tookMs`; without it, the slot was taken but not used. */
  release(endpoint: string, nowMs: number, tookMs?: number): void {
    const load = this.load.get(endpoint);
    if (!load) return;
    load.inFlight--;
    if (tookMs !== undefined) load.averageMs = load.averageMs * 0.8 + tookMs * 0.2;
    // Forget idle servers, so the map holds only the ones in use.
    if (load.inFlight === 0 && load.lastSlotAt <= nowMs) this.load.delete(endpoint);
  }

  /** When a delivery that found `endpoint` busy should come back (ms since the epoch). */
  nextSlot(endpoint: string, nowMs: number): number {
    const load = this.load.get(endpoint);
    if (!load) return nowMs;
    load.lastSlotAt = Math.max(load.lastSlotAt, nowMs) + load.averageMs / this.perEndpoint;
    return Math.round(load.lastSlotAt);
  }
}
