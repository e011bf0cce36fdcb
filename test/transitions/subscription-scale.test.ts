import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyTransitions } from "../../src/services/apply-transition.js";
import { call, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  // A long statement timeout: the fixture is 9,500 rows in one statement, slow on a busy machine.
  t = await createTestContext({ databaseStatementTimeoutMs: 300_000 });
});
afterAll(async () => t?.close());

/** Past 65,535 parameters at seven per transition row. */
const COUNT = 9_363 + 137;

describe("a subscription event for more numbers than a statement has parameters", () => {
  it("is accepted, recorded and applied for every number", { timeout: 180_000 }, async () => {
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

    // Applied with the worker's own batch function (group commit, as a worker holding many jobs
    // runs it), so the test does not wait on a queue consumer at this size. (Handing the jobs to
    // the queue is the same for any size: a bulk add, or the reconciler when it times out.)
    const ids = response.body.transitions.map((transition: { id: string }) => transition.id);
    const chunks = Array.from({ length: Math.ceil(ids.length / 250) }, (_, i) =>
      ids.slice(i * 250, (i + 1) * 250),
    );
    // Four at a time, as a worker keeps four shared commits in flight.
    for (let start = 0; start < chunks.length; start += 4)
      await Promise.all(chunks.slice(start, start + 4).map((chunk) => applyTransitions(t.deps, chunk)));
    const { rows } = await sql<{ status: string; count: number }>`
      SELECT status, count(*)::int AS count FROM transitions GROUP BY status`.execute(t.deps.db);
    expect(rows).toEqual([{ status: "applied", count: COUNT }]);
    const swapped = await sql<{ count: number }>`
      SELECT count(*)::int AS count FROM numbers
      WHERE state = 'reserved' AND reservation_kind = 'swapped_out' AND pending_transition_id IS NULL`.execute(
      t.deps.db,
    );
    expect(swapped.rows[0]!.count).toBe(COUNT);
  });
});
