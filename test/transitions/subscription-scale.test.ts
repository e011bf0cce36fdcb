import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcilePendingTransitions } from "../../src/services/reconcile.js";
import { call, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ workerConcurrency: 64 });
});
afterAll(async () => t?.close());

/** Past 65,535 parameters at seven per transition row. */
const COUNT = 9_363 + 137;

describe("a subscription event for more numbers than a statement has parameters", () => {
  it("is accepted, recorded and applied for every number", { timeout: 300_000 }, async () => {
    const owner = await createOrganization(t.app);
    const now = t.clock.now();
    await sql`INSERT INTO numbers (number, state, owner_id, subscription_id, in_service_since_available,
        vendor, country, sku, updated_at)
      SELECT '+6581' || lpad(i::text, 7, '0'), 'assigned', ${owner.id}::uuid, 'sub-big', true,
        'acme', 'SG', 'DID-SG', ${now}::timestamptz
      FROM generate_series(1, ${COUNT}) AS i`.execute(t.deps.db);

    const response = await call(t.app, "POST", "/v1/subscriptions/sub-big/events", {
      body: { type: "swapped_out" },
    });
    expect(response.status, response.text.slice(0, 500)).toBe(202);
    expect(response.body.transitions).toHaveLength(COUNT);
    const pending = await sql<{ count: number }>`
      SELECT count(*)::int AS count FROM numbers WHERE pending_action = 'swapped_out'`.execute(t.deps.db);
    expect(pending.rows[0]!.count).toBe(COUNT);

    await t.startWorker();
    const applied = async () => {
      await reconcilePendingTransitions(t.deps);
      const { rows } = await sql<{ count: number }>`
        SELECT count(*)::int AS count FROM numbers
        WHERE state = 'reserved' AND reservation_kind = 'swapped_out' AND pending_transition_id IS NULL`.execute(
        t.deps.db,
      );
      return rows[0]!.count;
    };
    await expect.poll(applied, { timeout: 280_000, interval: 1_000 }).toBe(COUNT);
    const { rows } = await sql<{ status: string; count: number }>`
      SELECT status, count(*)::int AS count FROM transitions GROUP BY status`.execute(t.deps.db);
    expect(rows).toEqual([{ status: "applied", count: COUNT }]);
  });
});
