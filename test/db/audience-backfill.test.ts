import { randomBytes, randomUUID } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrateTo, migrateToJustBefore } from "../../src/db/migrate.js";

const AUDIENCES = "0010-audiences-and-failure-limits";

let admin: pg.Client;
let db: Kysely<unknown>;
const name = `backfill_${randomBytes(6).toString("hex")}`;

beforeAll(async () => {
  const url = new URL(inject("databaseUrl"));
  admin = new pg.Client({
    connectionString: Object.assign(new URL(url), { pathname: "/postgres" }).toString(),
  });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = new pg.Pool({
    connectionString: Object.assign(new URL(url), { pathname: `/${name}` }).toString(),
  });
  db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  await migrateToJustBefore(db, AUDIENCES);
});
afterAll(async () => {
  await db?.destroy();
  await admin?.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin?.end();
});

const org = async (kind: "partner" | "customer", partnerId: string | null = null) => {
  const id = randomUUID();
  await sql`INSERT INTO organizations (id, name, kind, billing_email, owner_email, partner_id)
    VALUES (${id}, ${id}, ${kind}, 'billing@example.test', 'owner@example.test', ${partnerId})`.execute(db);
  return id;
};
const snapshot = (ownerId: string | null, expiresAt: string | null = null) =>
  JSON.stringify({ state: ownerId ? "reserved" : "available", ownerId, reservationExpiresAt: expiresAt });
const sorted = (ids: string[]) => [...ids].sort();

describe("migration 0010 on a database with history", () => {
  it("records who could see each existing history entry, transition and notice", async () => {
    const p1 = await org("partner");
    const p2 = await org("partner");
    const a = await org("customer", p1);
    const b = await org("customer");
    const aExpiry = "2026-03-29T09:00:00.000Z";
    const bExpiry = "2026-04-30T09:00:00.000Z";
    await sql`INSERT INTO numbers (number, state, owner_id, reservation_expires_at, vendor, country, sku, partner_id)
      VALUES ('+6561000001', 'reserved', ${b}, ${bExpiry}, 'acme', 'SG', 'DID-SG', NULL),
             ('+6561000002', 'locked', NULL, NULL, 'acme', 'SG', 'DID-SG', ${p2})`.execute(db);
    const history = async (number: string, action: string, before: string | null, after: string) =>
      (
        await sql<{ id: string }>`INSERT INTO number_history (number, at, action, actor, before, after)
          VALUES (${number}, now(), ${action}, 'test', ${before}::jsonb, ${after}::jsonb) RETURNING id`.execute(
          db,
        )
      ).rows[0]!.id;
    const added = await history("+6561000001", "add", null, snapshot(null));
    const reservedA = await history("+6561000001", "reserve", snapshot(null), snapshot(a, aExpiry));
    const released = await history("+6561000001", "release", snapshot(a, aExpiry), snapshot(null));
    const reservedB = await history("+6561000001", "reserve", snapshot(null), snapshot(b, bExpiry));
    const addedP2 = await history("+6561000002", "add", null, snapshot(null));

    const transition = async (before: string | null, after: string | null) => {
      const id = randomUUID();
      await sql`INSERT INTO transitions (id, number, action, status, request, actor, before, after, requested_at, enqueued_at)
        VALUES (${id}, '+6561000001', 'reserve', ${before ? "applied" : "pending"}, '{}', 'test',
          ${before}::jsonb, ${after}::jsonb, now(), now())`.execute(db);
      return id;
    };
    const finishedA = await transition(snapshot(null), snapshot(a, aExpiry));
    const pendingB = await transition(null, null);

    const notice = async (number: string, kind: string, expiresAt: string, audience: string) => {
      const id = randomUUID();
      await sql`INSERT INTO notices (id, number, kind, expires_at, audience, recipient, batch_id, created_at)
        VALUES (${id}, ${number}, ${kind}, ${expiresAt}, ${audience}, 'someone@example.test', ${randomUUID()}, now())`.execute(
        db,
      );
      return id;
    };
    const noticeA = await notice("+6561000001", "reservation_expiring", aExpiry, "owner");
    const noticeB = await notice("+6561000001", "reservation_expiring", bExpiry, "owner");
    const lockNotice = await notice("+6561000002", "lock_expiring", aExpiry, "partner_support");

    expect(await migrateTo(db, AUDIENCES)).toEqual([AUDIENCES]);

    const audiences = async (table: string) =>
      new Map(
        (
          await sql<{
            id: string;
            visible_to: string[];
          }>`SELECT id::text, visible_to FROM ${sql.table(table)}`.execute(db)
        ).rows.map((row) => [row.id, sorted(row.visible_to)]),
      );
    const historyAudiences = await audiences("number_history");
    expect(historyAudiences.get(added)).toEqual([]);
    expect(historyAudiences.get(reservedA)).toEqual(sorted([a, p1]));
    expect(historyAudiences.get(released)).toEqual(sorted([a, p1]));
    expect(historyAudiences.get(reservedB)).toEqual([b]);
    expect(historyAudiences.get(addedP2)).toEqual([p2]);

    const transitionAudiences = await audiences("transitions");
    expect(transitionAudiences.get(finishedA)).toEqual(sorted([a, p1]));
    expect(transitionAudiences.get(pendingB)).toEqual([b]);

    const noticeAudiences = await audiences("notices");
    expect(noticeAudiences.get(noticeA)).toEqual(sorted([a, p1]));
    expect(noticeAudiences.get(noticeB)).toEqual([b]);
    expect(noticeAudiences.get(lockNotice)).toEqual([p2]);
  });

  it("refuses a history entry written without its audience", async () => {
    const write = sql`INSERT INTO number_history (number, at, action, actor, after)
      VALUES ('+6561000002', now(), 'edit', 'test', '{}')`.execute(db);
    await expect(write).rejects.toMatchObject({ code: "23502" }); // not_null_violation
  });
});
