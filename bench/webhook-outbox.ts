import { randomUUID } from "node:crypto";
import pino from "pino";
import { systemClock } from "../src/clock.js";
import { parseConfig } from "../src/config.js";
import { createDatabase } from "../src/db/database.js";
import type { Dependencies } from "../src/dependencies.js";
import { applyTransition } from "../src/services/apply-transition.js";
import { progress, rate, ratio, startStack, summarize } from "./support.js";
import { numbersFrom, seed } from "./transitions-sql.js";

/*
 * `npm run bench -- webhook-outbox`: what the webhook outbox costs the transition it rides in.
 * applyTransition is called directly on 8 connections (no HTTP, no queue: only the SQL
 * transaction), in three phases of the same size: no webhooks (baseline), three webhooks
 * subscribed (a platform one, two of other organisations: one event row and one delivery row
 * per transition), and no webhooks again (the baseline, measured after).
 */
const PER_PHASE = 6_000;
const CONNECTIONS = 8;
const PHASES = [
  { name: "baseline", prefix: "+6591", webhooks: false },
  { name: "withWebhooks", prefix: "+6592", webhooks: true },
  { name: "baselineAgain", prefix: "+6593", webhooks: false },
] as const;

export async function run(): Promise<object> {
  progress("starting Postgres and Redis");
  const stack = await startStack();
  const config = { ...parseConfig({}), databasePoolSize: CONNECTIONS };
  const { db, pool } = createDatabase({ url: stack.databaseUrl, poolSize: CONNECTIONS });
  const deps = {
    config,
    db,
    pool,
    clock: systemClock,
    log: pino({ level: "silent" }),
  } as unknown as Dependencies;
  try {
    progress("seeding numbers");
    const ownerId = await seed(
      pool,
      PHASES.map(({ prefix }) => ({ prefix, count: PER_PHASE })),
    );
    const results: Record<string, object> = {};
    for (const phase of PHASES) {
      await pool.query("DELETE FROM webhooks WHERE true");
      if (phase.webhooks) await subscribe(pool);
      const ids = await pendingReservations(pool, numbersFrom(phase.prefix, PER_PHASE), ownerId);
      progress(`${phase.name}: applying ${ids.length} transitions on ${CONNECTIONS} connections`);
      const latencies: number[] = [];
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          for (let i = next++; i < ids.length; i = next++) {
            const t0 = performance.now();
            await applyTransition(deps, ids[i]!);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const deliveries = Number((await pool.query("SELECT count(*) AS n FROM webhook_deliveries")).rows[0].n);
      results[phase.name] = {
        perSecond: rate(ids.length, seconds),
        transactionMs: summarize(latencies, 2),
        deliveriesRecorded: deliveries,
      };
      await pool.query("DELETE FROM webhook_deliveries; DELETE FROM webhook_events");
    }
    const per = (name: string) => (results[name] as { perSecond: number }).perSecond;
    return {
      perPhase: PER_PHASE,
      connections: CONNECTIONS,
      ...results,
      withWebhooksVsBaseline: ratio(per("withWebhooks"), (per("baseline") + per("baselineAgain")) / 2),
    };
  } finally {
    await db.destroy();
    await stack.stop();
  }
}

/** A platform webhook that hears everything, and two of organisations that see none of these numbers. */
async function subscribe(pool: import("pg").Pool) {
  for (const organization of [null, await organizationId(pool), await organizationId(pool)])
    await pool.query(
      `INSERT INTO webhooks (id, organization_id, url, events, secret, created_at)
       VALUES ($1, $2, 'https://hooks.example/numbers', '{transition.applied,transition.rejected}', 'whsec_bench', now())`,
      [randomUUID(), organization],
    );
}

async function organizationId(pool: import("pg").Pool) {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO organizations (id, name, kind, billing_email, owner_email)
     VALUES ($1, 'Bench other', 'customer', 'b@bench.test', 'o@bench.test')`,
    [id],
  );
  return id;
}

/** Pending reservations as requestTransition leaves them: a transitions row and the number marked. */
async function pendingReservations(pool: import("pg").Pool, numbers: string[], ownerId: string) {
  const ids = numbers.map(() => randomUUID());
  await pool.query(
    `INSERT INTO transitions (id, number, action, status, request, actor, requested_at, enqueued_at, visible_to)
     SELECT id, number, 'reserve', 'pending', jsonb_build_object('action', 'reserve', 'ownerId', $3::text,
       'remark', 'bench'), 'bench', now(), now(), '{}'
     FROM unnest($1::uuid[], $2::text[]) AS x(id, number)`,
    [ids, numbers, ownerId],
  );
  await pool.query(
    `UPDATE numbers SET pending_transition_id = x.id, pending_action = 'reserve', pending_since = now()
     FROM unnest($1::uuid[], $2::text[]) AS x(id, number) WHERE numbers.number = x.number`,
    [ids, numbers],
  );
  await pool.query("VACUUM ANALYZE");
  return ids;
}
