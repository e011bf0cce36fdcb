import { randomUUID } from "node:crypto";
import type pg from "pg";
import { addDays } from "../src/lifecycle/periods.js";
import { DEFAULT_HOLD_DAYS } from "../src/lifecycle/policies.js";
import { rate, ratio, sleep } from "./support.js";

/* The SQL side of the transitions benchmark: seeding, the direct-SQL baseline, and reading outcomes. */

export type Action = "reserve" | "release";

export async function seed(pool: pg.Pool, pools: { prefix: string; count: number }[]): Promise<string> {
  const ownerId = randomUUID();
  await pool.query(
    `INSERT INTO organizations (id, name, kind, billing_email, owner_email)
     VALUES ($1, 'Bench customer', 'customer', 'billing@bench.test', 'owner@bench.test')`,
    [ownerId],
  );
  for (const { prefix, count } of pools)
    await pool.query(
      `INSERT INTO numbers (number, state, vendor, country, sku)
       SELECT $1 || lpad(i::text, 6, '0'), 'available', 'acme', 'SG', 'DID-SG' FROM generate_series(0, $2 - 1) i`,
      [prefix, count],
    );
  await pool.query("VACUUM ANALYZE");
  return ownerId;
}

export const numbersFrom = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, "0")}`);

/** Commits and WAL flushes so far: how many fsyncs each transition cost (group commit shares them). */
export async function walCounters(pool: pg.Pool) {
  const { rows } = await pool.query(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
            (SELECT wal_sync FROM pg_stat_wal) AS syncs`,
  );
  return { commits: Number(rows[0].commits), syncs: Number(rows[0].syncs) };
}

export async function walPerTransition(
  pool: pg.Pool,
  before: { commits: number; syncs: number },
  transitions: number,
) {
  await sleep(1_200); // backends report their statistics at most once a second
  const after = await walCounters(pool);
  return {
    commitsPerTransition: ratio(after.commits - before.commits, transitions),
    walSyncsPerTransition: ratio(after.syncs - before.syncs, transitions),
  };
}

export async function applyDirectly(pool: pg.Pool, number: string, action: Action, ownerId: string) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query("SELECT * FROM numbers WHERE number = $1 FOR UPDATE", [number]);
    const row = rows[0];
    const now = new Date();
    const after =
      action === "reserve"
        ? {
            state: "reserved",
            ownerId,
            kind: "manual",
            expires: addDays(now, DEFAULT_HOLD_DAYS.reservationDays),
          }
        : { state: "available", ownerId: null, kind: null, expires: null };
    await client.query(
      `UPDATE numbers SET state = $2, owner_id = $3, reservation_kind = $4, reserved_at = $5,
         reservation_expires_at = $6, updated_at = $5, version = version + 1 WHERE number = $1`,
      [number, after.state, after.ownerId, after.kind, now, after.expires],
    );
    const id = randomUUID();
    const snapshot = (state: Record<string, unknown>) => JSON.stringify(state);
    const beforeJson = snapshot({
      state: row.state,
      ownerId: row.owner_id,
      reservationKind: row.reservation_kind,
    });
    const afterJson = snapshot({ state: after.state, ownerId: after.ownerId, reservationKind: after.kind });
    // Who may read the rows: the owner before and after (the baseline skips the partner look-up).
    const audience = [...new Set([row.owner_id, after.ownerId].filter(Boolean))];
    await client.query(
      `INSERT INTO number_history (number, at, action, actor, remark, transition_id, before, after, visible_to)
       VALUES ($1, $2, $3, 'bench', 'bench baseline', $4, $5, $6, $7)`,
      [number, now, action, id, beforeJson, afterJson, audience],
    );
    await client.query(
      `INSERT INTO transitions (id, number, action, status, request, actor, before, after,
         requested_at, enqueued_at, finished_at, visible_to)
       VALUES ($1, $2, $3, 'applied', $4, 'bench', $5, $6, $7, $7, $7, $8)`,
      [
        id,
        number,
        action,
        JSON.stringify({ action, ownerId, remark: "bench baseline" }),
        beforeJson,
        afterJson,
        now,
        audience,
      ],
    );
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

/** Waits until the worker has finished every transition; returns how many were pending at first. */
export async function untilNothingPending(pool: pg.Pool): Promise<number> {
  const pending = async () =>
    Number((await pool.query("SELECT count(*) AS n FROM transitions WHERE status = 'pending'")).rows[0].n);
  const first = await pending();
  const deadline = Date.now() + 180_000;
  for (let left = first; left > 0; left = await pending()) {
    if (Date.now() > deadline) throw new Error(`${left} transitions still pending after 3 minutes`);
    await sleep(100);
  }
  return first;
}

/**
 * From the transitions table: applied/s over the span of each phase (first requested → last
 * finished) and accept→applied latency. finished_at is the instant the worker decided, a commit
 * before the change is visible.
 */
export async function outcomeOf(pool: pg.Pool, remarks: string[]) {
  const { rows } = await pool.query(
    `SELECT count(*) AS transitions, count(*) FILTER (WHERE status = 'applied') AS applied,
            (SELECT sum(span) FROM (
               SELECT extract(epoch FROM max(finished_at) - min(requested_at)) AS span
               FROM transitions WHERE request->>'remark' = ANY($1) GROUP BY request->>'remark') spans) AS seconds,
            percentile_disc(ARRAY[0.5, 0.9, 0.99, 1]) WITHIN GROUP (
              ORDER BY extract(epoch FROM finished_at - requested_at) * 1000) AS latency
     FROM transitions WHERE request->>'remark' = ANY($1)`,
    [remarks],
  );
  const row = rows[0];
  const [p50, p90, p99, max] = (row.latency as string[]).map((value) => Math.round(Number(value)));
  return {
    transitions: Number(row.transitions),
    applied: Number(row.applied),
    appliedPerSecond: rate(Number(row.transitions), Number(row.seconds)),
    latencyMs: { p50, p90, p99, max },
  };
}
