import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcilePendingTransitions } from "../../src/services/reconcile.js";
import { addNumber, call, finished, getNumber, requestTransition, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

const FAULTY_REMARK = "the database refuses this every time";
let t: TestContext;
beforeAll(async () => {
  // No scheduler runs: webhook deliveries are recorded, never sent.
  t = await createTestContext({ transitionMaxAttempts: 3, webhookAllowPrivate: true });
  // A real fault in the real database: writing this remark into history always fails (23514),
  // so the worker's transaction for such a transition throws on every try.
  await sql`ALTER TABLE number_history ADD CONSTRAINT test_fault CHECK (remark IS DISTINCT FROM ${sql.lit(FAULTY_REMARK)}) NOT VALID`.execute(
    t.deps.db,
  );
  await t.startWorker();
});
afterAll(async () => t?.close());

const rejectedByMetric = async () => {
  const text = (await call(t.app, "GET", "/metrics")).text;
  const line = text
    .split("\n")
    .find((row) => row.startsWith('numbers_transition_failures_total{outcome="rejected"}'));
  return line ? Number(line.split(" ").pop()) : 0;
};

describe("a transition whose database work fails every time", () => {
  it("ends rejected with internal_error after the configured attempts, and its number is free again", async () => {
    const number = await addNumber({}, t.app);
    const webhook = await call(t.app, "POST", "/v1/webhooks", {
      body: { url: "http://127.0.0.1:9/numbers", events: ["transition.rejected"] },
    });
    expect(webhook.status, webhook.text).toBe(201);
    const rejectedBefore = await rejectedByMetric();

    const accepted = await requestTransition(t.app, number, { action: "lock", remark: FAULTY_REMARK });
    expect(accepted.status, accepted.text).toBe(202);
    const done = await finished(t.app, accepted.body.id, 30_000);
    expect(done).toMatchObject({
      status: "rejected",
      error: { code: "internal_error", message: expect.stringContaining("failed 3 times") },
      before: { state: "available" },
      after: { state: "available" },
    });
    expect(done.error.message).not.toMatch(/constraint|test_fault|violat/i);
    const row = await t.deps.db
      .selectFrom("transitions")
      .select("failed_attempts")
      .where("id", "=", accepted.body.id)
      .executeTakeFirstOrThrow();
    expect(row.failed_attempts).toBe(3);

    // The number is unchanged, no longer pending, and nothing was written to its history.
    const after = (await getNumber(t.app, number)).body;
    expect(after).toMatchObject({ state: "available", pending: null, status: "available" });
    const history = (await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(number)}/history`)).body
      .items;
    expect(history.map((entry: { action: string }) => entry.action)).toEqual(["add"]);

    // Receivers hear of it like any other rejection, and operators count it.
    const events = await t.deps.db
      .selectFrom("webhook_events")
      .select(["type", "data"])
      .where("number", "=", number)
      .execute();
    expect(events).toEqual([
      {
        type: "transition.rejected",
        data: expect.objectContaining({ id: accepted.body.id, status: "rejected" }),
      },
    ]);
    expect(await rejectedByMetric()).toBe(rejectedBefore + 1);

    // The reconciler does not hand it over again, and the number takes the next request.
    await sql`UPDATE transitions SET enqueued_at = now() - interval '1 hour' WHERE id = ${accepted.body.id}`.execute(
      t.deps.db,
    );
    expect(await reconcilePendingTransitions(t.deps)).toBe(0);
    expect((await call(t.app, "GET", `/v1/transitions/${accepted.body.id}`)).body.status).toBe("rejected");
    await transition(t.app, number, { action: "lock", remark: "a plain lock" });
    expect((await getNumber(t.app, number)).body.state).toBe("locked");
  });
});
