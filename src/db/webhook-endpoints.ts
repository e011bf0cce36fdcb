import { sql } from "kysely";
import type { Db } from "./database.js";

/** A receiving server's circuit as stored; no row means it has not failed since its last success. */
export interface EndpointCircuitRow {
  consecutive_failures: number;
  paused_until: Date | null;
  /** How long the pause still runs by Postgres's clock, in ms (0 when not paused). */
  pause_left_ms: number;
}

export async function readCircuit(db: Db, endpoint: string): Promise<EndpointCircuitRow | null> {
  const { rows } = await sql<EndpointCircuitRow>`
    SELECT consecutive_failures, paused_until,
      greatest(0, coalesce(extract(epoch FROM paused_until - now()) * 1000, 0))::float8 AS pause_left_ms
    FROM webhook_endpoints WHERE endpoint = ${endpoint}`.execute(db);
  return rows[0] ?? null;
}

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failures: number;
  firstPauseMs: number;
  maxPauseMs: number;
}

/**
 * Counts a failure of the server. The circuit opens when the count reaches `failures` and it is
 * not paused already: the pause is `firstPauseMs`, doubled for each time it opened since the last
 * success, capped at `maxPauseMs`. Times are Postgres's (operational, as for delivery retries).
 */
export async function recordEndpointFailure(db: Db, endpoint: string, breaker: BreakerSettings) {
  const opens = sql`e.consecutive_failures + 1 >= ${breaker.failures}
    AND (e.paused_until IS NULL OR e.paused_until <= now())`;
  const pause = (timesOpened: ReturnType<typeof sql>) =>
    sql`make_interval(secs => least(${breaker.firstPauseMs}::float8 * power(2, ${timesOpened}),
      ${breaker.maxPauseMs}::float8) / 1000)`;
  const opensAtOnce = breaker.failures <= 1;
  const { rows } = await sql<{ consecutive_failures: number; paused_until: Date | null; opened: boolean }>`
    INSERT INTO webhook_endpoints AS e (endpoint, consecutive_failures, times_opened, opened_at, paused_until, updated_at)
    VALUES (${endpoint}, 1, ${opensAtOnce ? 1 : 0}, ${opensAtOnce ? sql`now()` : null},
      ${opensAtOnce ? sql`now() + ${pause(sql`0`)}` : null}, now())
    ON CONFLICT (endpoint) DO UPDATE SET
      consecutive_failures = e.consecutive_failures + 1,
      times_opened = e.times_opened + CASE WHEN ${opens} THEN 1 ELSE 0 END,
      opened_at = CASE WHEN ${opens} THEN now() ELSE e.opened_at END,
      paused_until = CASE WHEN ${opens} THEN now() + ${pause(sql`e.times_opened`)} ELSE e.paused_until END,
      updated_at = now()
    RETURNING consecutive_failures, paused_until, opened_at IS NOT DISTINCT FROM now() AS opened`.execute(db);
  const row = rows[0]!;
  return { consecutiveFailures: row.consecutive_failures, pausedUntil: row.paused_until, opened: row.opened };
}

/** A success closes the circuit. Returns how many times it had opened (0: it was not open). */
export async function recordEndpointSuccess(db: Db, endpoint: string): Promise<number | null> {
  const { rows } = await sql<{ times_opened: number }>`
    DELETE FROM webhook_endpoints WHERE endpoint = ${endpoint} RETURNING times_opened`.execute(db);
  return rows[0]?.times_opened ?? null;
}

/** Receiving servers whose deliveries are paused right now (a gauge, read on scrape). */
export async function countPausedEndpoints(db: Db): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM webhook_endpoints WHERE paused_until > now()`.execute(db);
  return rows[0]?.count ?? 0;
}
