import { sql } from "kysely";
import type { DeliveryStatus } from "../lifecycle/states.js";
import type { Db, Trx } from "./database.js";
import { runPrepared } from "./prepared.js";
import { audienceSql, type NumberFacts } from "./scope.js";

export type { NumberFacts };

export interface DeliveryKey {
  eventId: string;
  webhookId: string;
}

export async function insertWebhook(
  db: Db,
  webhook: {
    id: string;
    organizationId: string | null;
    url: string;
    events: string[];
    secret: string;
    createdAt: Date;
  },
) {
  return db
    .insertInto("webhooks")
    .values({
      id: webhook.id,
      organization_id: webhook.organizationId,
      url: webhook.url,
      events: webhook.events,
      secret: webhook.secret,
      created_at: webhook.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Active webhooks of an organisation (null: the platform's), counted under a transaction-scoped
 * lock on that owner, so two creations at once cannot both slip under a cap.
 */
export async function countActiveWebhooksLocked(trx: Trx, organizationId: string | null) {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`webhooks:${organizationId ?? "platform"}`}, 0))`.execute(
    trx,
  );
  const row = await trx
    .selectFrom("webhooks")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("deleted_at", "is", null)
    .where("organization_id", "is not distinct from", organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Active webhooks; `organizationId` undefined = every organisation's, null = the platform's. */
export async function listWebhooks(db: Db, organizationId: string | null | undefined) {
  let query = db.selectFrom("webhooks").selectAll().where("deleted_at", "is", null);
  if (organizationId !== undefined)
    query = query.where("organization_id", "is not distinct from", organizationId);
  return query.orderBy("created_at").orderBy("id").execute();
}

export async function findWebhook(db: Db, id: string) {
  return (
    (await db
      .selectFrom("webhooks")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst()) ?? null
  );
}

export async function markWebhookDeleted(db: Db, id: string, at: Date) {
  await db.updateTable("webhooks").set({ deleted_at: at }).where("id", "=", id).execute();
}

export interface NewEvent {
  id: string;
  data: unknown;
  facts: NumberFacts;
}

/**
 * The outbox write, one statement inside the caller's transaction: per event, an event row and
 * a delivery row per active webhook subscribed to `type` whose organisation can see the number —
 * the platform's webhooks always; a partner's when the number is in its inventory or held by it
 * or one of its customers; a customer's when it holds the number. An event no webhook wants is
 * not written. Returns how many deliveries were recorded.
 */
export async function insertEventsWithDeliveries(
  trx: Trx,
  type: string,
  events: NewEvent[],
  at: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  const present = (ids: (string | null)[]) => [...new Set(ids.filter((id): id is string => id !== null))];
  const input = events.map((event) => ({
    id: event.id,
    number: event.facts.number,
    data: event.data,
    owners: present(event.facts.ownerIds),
    partners: present(event.facts.partnerIds),
  }));
  // Each worker batch runs it: a prepared statement (prepared.ts).
  const rows = await runPrepared(
    trx,
    sql<{ count: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
        AS x(id uuid, number text, data jsonb, owners uuid[], partners uuid[])
    ),
    audience AS (
      SELECT input.id AS event_id, ${audienceSql(sql`input.owners`, sql`input.partners`)} AS orgs FROM input
    ),
    pairs AS (
      SELECT input.id AS event_id, w.id AS webhook_id
      FROM input JOIN audience ON audience.event_id = input.id
      JOIN webhooks w ON w.deleted_at IS NULL AND ${type} = ANY(w.events)
        AND (w.organization_id IS NULL OR w.organization_id = ANY(audience.orgs))
    ),
    stored AS (
      INSERT INTO webhook_events (id, type, number, audience, data, created_at)
      SELECT input.id, ${type}, input.number, audience.orgs, input.data, ${at}
      FROM input JOIN audience ON audience.event_id = input.id
      WHERE EXISTS (SELECT 1 FROM pairs WHERE pairs.event_id = input.id)
    ),
    inserted AS (
      INSERT INTO webhook_deliveries (event_id, webhook_id, created_at)
      SELECT event_id, webhook_id, ${at} FROM pairs
      RETURNING 1
    )
    SELECT count(*) AS count FROM inserted`,
  );
  return Number(rows[0]?.count ?? 0);
}

export type WebhookDeliveryRow = Awaited<ReturnType<typeof listDeliveries>>[number];

/** A webhook's deliveries, newest first, with the type of their event. */
export async function listDeliveries(db: Db, webhookId: string, limit: number) {
  return db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", "e.id", "d.event_id")
    .select([
      "d.event_id",
      "e.type",
      "d.status",
      "d.attempts",
      "d.last_status_code",
      "d.last_error",
      "d.next_attempt_at",
      "d.created_at",
    ])
    .where("d.webhook_id", "=", webhookId)
    .orderBy("d.created_at", "desc")
    .orderBy("d.event_id")
    .limit(limit)
    .execute();
}

/**
 * Pending deliveries to hand to the queue: never handed over (next_attempt_at NULL), or due more
 * than `staleAfterSeconds` ago (their job was lost). Claimed by moving next_attempt_at to now, so
 * two dispatchers do not take the same rows. Retry timing is operational, not business time, so
 * it runs on Postgres's clock (as the transitions reconciler does), never the injected Clock.
 */
export async function claimDueDeliveries(db: Db, staleAfterSeconds: number, limit: number) {
  const { rows } = await sql<{ event_id: string; webhook_id: string; organization_id: string | null }>`
    UPDATE webhook_deliveries d SET next_attempt_at = now()
    FROM (
      SELECT event_id, webhook_id FROM webhook_deliveries
      WHERE status = 'pending'
        AND (next_attempt_at IS NULL OR next_attempt_at < now() - make_interval(secs => ${staleAfterSeconds}))
      ORDER BY next_attempt_at NULLS FIRST
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due, webhooks w
    WHERE d.event_id = due.event_id AND d.webhook_id = due.webhook_id AND w.id = d.webhook_id
    RETURNING d.event_id, d.webhook_id, w.organization_id`.execute(db);
  return rows.map(
    (row): ClaimedDelivery => ({
      eventId: row.event_id,
      webhookId: row.webhook_id,
      organizationId: row.organization_id,
    }),
  );
}

/** A delivery handed to the queue, with the organisation (null: the platform) whose webhook it is. */
export interface ClaimedDelivery extends DeliveryKey {
  organizationId: string | null;
}

/** A delivery with what its attempt needs: the webhook's URL and secret, the event. */
export async function loadDelivery(db: Db, key: DeliveryKey) {
  return (
    (await db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhooks as w", "w.id", "d.webhook_id")
      .innerJoin("webhook_events as e", "e.id", "d.event_id")
      .select([
        "d.status",
        "d.attempts",
        "w.url",
        "w.secret",
        "w.deleted_at",
        "e.id as event_id",
        "e.type",
        "e.data",
        "e.created_at as event_created_at",
        sql<number>`extract(epoch FROM now() - d.recorded_at)::float8 * 1000`.as("age_ms"),
      ])
      .where("d.event_id", "=", key.eventId)
      .where("d.webhook_id", "=", key.webhookId)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Records one attempt; only a still-pending row moves, so a late duplicate cannot undo an outcome.
 * A retry is due `retryInMs` from now on Postgres's clock (see claimDueDeliveries).
 */
export async function recordAttempt(
  db: Db,
  key: DeliveryKey,
  attempt: {
    status: DeliveryStatus;
    statusCode: number | null;
    error: string | null;
    retryInMs?: number;
  },
) {
  await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({
      status: attempt.status,
      attempts: eb("attempts", "+", 1),
      last_status_code: attempt.statusCode,
      last_error: attempt.error?.slice(0, 2000) ?? null,
      next_attempt_at:
        attempt.status === "pending"
          ? sql<Date>`now() + make_interval(secs => ${(attempt.retryInMs ?? 0) / 1000})`
          : null,
      finished_at: attempt.status === "pending" ? null : sql<Date>`now()`,
    }))
    .where("event_id", "=", key.eventId)
    .where("webhook_id", "=", key.webhookId)
    .where("status", "=", "pending")
    .execute();
}

/**
 * A delivery not attempted now (its server is paused or busy): due again in `delayMs` by Postgres's
 * clock, so the dispatcher does not take it for lost meanwhile and the log shows when it goes.
 */
export async function postponeDelivery(db: Db, key: DeliveryKey, delayMs: number) {
  await db
    .updateTable("webhook_deliveries")
    .set({ next_attempt_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})` })
    .where("event_id", "=", key.eventId)
    .where("webhook_id", "=", key.webhookId)
    .where("status", "=", "pending")
    .execute();
}

/** A delivery that cannot be attempted any more (its webhook was deleted, its server paused too long). */
export async function closeDelivery(db: Db, key: DeliveryKey, reason: string) {
  await db
    .updateTable("webhook_deliveries")
    .set({ status: "failed", last_error: reason, next_attempt_at: null, finished_at: sql<Date>`now()` })
    .where("event_id", "=", key.eventId)
    .where("webhook_id", "=", key.webhookId)
    .where("status", "=", "pending")
    .execute();
}
